import { PageRequest } from '../../../../http/page.request.js';

export class ListApiKeysRequest extends PageRequest {}
