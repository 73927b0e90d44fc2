import { InitialSchema1764800000000 } from './1764800000000-initial-schema.js';

/** In order. `npm run migration:generate -- <Name>` appends here. */
export const MIGRATIONS = [InitialSchema1764800000000];
