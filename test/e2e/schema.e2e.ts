import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/test-app.js';

describe('schema: migrations are the only source of tables', () => {
  let t: TestApp;
  before(async () => {
    t = await startTestApp();
  });
  after(() => t.close());

  it('the entities describe the schema the migrations made: TypeORM would change nothing', async () => {
    // Otherwise `npm run migration:generate` would write a migration nobody asked for.
    const { upQueries } = await t.db.driver.createSchemaBuilder().log();
    assert.deepEqual(upQueries.map((q) => q.query), []);
  });
});
