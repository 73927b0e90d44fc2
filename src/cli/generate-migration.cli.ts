import 'reflect-metadata';
import { readFileSync, writeFileSync } from 'node:fs';
import { withMigratedDataSource } from './cli-context.js';

/**
 * Compares the entities with the migrated database and writes the difference as a new migration in migrations/,
 * registered in migrations/index.ts (ESM has no glob loading, so the list is explicit).
 */
async function main(): Promise<void> {
  const name = process.argv[2];
  if (!name || !/^[A-Za-z][A-Za-z0-9]*$/.test(name)) {
    console.error('Usage: npm run migration:generate -- <PascalCaseName>');
    process.exit(2);
  }
  await withMigratedDataSource(async (dataSource) => {
    const sql = await dataSource.driver.createSchemaBuilder().log();
    if (sql.upQueries.length === 0) {
      console.log('The entities match the database: nothing to generate.');
      return;
    }
    const timestamp = Date.now();
    const className = `${name}${timestamp}`;
    const fileBase = `${timestamp}-${name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()}`;
    const q = (s: string) => '`' + s.replace(/`/g, '\\`').replace(/\$\{/g, '\\${') + '`';
    const up = sql.upQueries.map((x) => `    await q.query(${q(x.query)});`).join('\n');
    const down = sql.downQueries.reverse().map((x) => `    await q.query(${q(x.query)});`).join('\n');
    writeFileSync(
      `migrations/${fileBase}.ts`,
      `import type { MigrationInterface, QueryRunner } from 'typeorm';\n\nexport class ${className} implements MigrationInterface {\n  name = '${className}';\n\n  async up(q: QueryRunner): Promise<void> {\n${up}\n  }\n\n  async down(q: QueryRunner): Promise<void> {\n${down}\n  }\n}\n`,
    );
    const index = readFileSync('migrations/index.ts', 'utf8')
      .replace(/^((?:import .*\n)+)/, `$1import { ${className} } from './${fileBase}.js';\n`)
      .replace(/\];\s*$/, `, ${className}];\n`);
    writeFileSync('migrations/index.ts', index);
    console.log(`Wrote migrations/${fileBase}.ts and registered it in migrations/index.ts. Review it before committing.`);
  });
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
