import type { DataSource } from 'typeorm';

/**
 * A read-model query in plain SQL, on a replica when replicas are configured (as TypeORM's own finds go): for the
 * hot reads, where building the statement through the query builder cost more than the database took to answer it.
 */
export async function readQuery<T>(dataSource: DataSource, sql: string, parameters: unknown[]): Promise<T[]> {
  const runner = dataSource.createQueryRunner(dataSource.defaultReplicationModeForReads());
  try {
    return (await runner.query(sql, parameters)) as T[];
  } finally {
    await runner.release();
  }
}
