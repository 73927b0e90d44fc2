import type { DataSource } from 'typeorm';

/**
 * Runs `work` while the audit insert of the product created with `sku` fails (a trigger added for it and removed
 * after): the way to see that a write and its audit event commit together or not at all.
 */
export async function withAuditFailureFor<T>(db: DataSource, sku: string, work: () => Promise<T>): Promise<T> {
  const trigger = `audit_fail_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  await db.query(`
    CREATE FUNCTION ${trigger}() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN IF NEW.changes->'sku'->>'after' = '${sku.replace(/'/g, "''")}' THEN RAISE EXCEPTION 'injected audit failure'; END IF; RETURN NEW; END $$`);
  await db.query(`CREATE TRIGGER ${trigger} BEFORE INSERT ON audit_events FOR EACH ROW EXECUTE FUNCTION ${trigger}()`);
  try {
    return await work();
  } finally {
    await db.query(`DROP TRIGGER ${trigger} ON audit_events`);
    await db.query(`DROP FUNCTION ${trigger}()`);
  }
}
