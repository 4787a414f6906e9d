// Change history test helpers: the entries as stored, and a database trigger
// that refuses chosen rows, so a write can be made to fail after its entry
// (or its entry after the write) on either engine.
import type { Database } from "../../src/data/engine.js";

/** The entries matching `where`, oldest first, with their fields parsed. */
export const storedEntries = (
  db: Database,
  where: { objectType?: string; objectId?: number; projectId?: number; action?: string } = {},
) =>
  db.run(async (c) =>
    (await c.changeEntry.findMany({ where, orderBy: { id: "asc" } })).map((e) => ({
      ...e,
      before: e.before === null ? null : JSON.parse(e.before),
      after: e.after === null ? null : JSON.parse(e.after),
    })),
  );

/**
 * Makes the database refuse an INSERT into ChangeEntry, or a DELETE from any
 * other table, of the rows `when` matches (`ROW` names the row, as NEW or
 * OLD). Returns the function that removes the trigger again.
 */
export async function refuseRows(
  db: Database,
  name: string,
  table: string,
  when: string,
): Promise<() => Promise<void>> {
  const row = table === "ChangeEntry" ? "NEW" : "OLD";
  const event = table === "ChangeEntry" ? "INSERT" : "DELETE";
  const condition = when.replaceAll("ROW", row);
  if (db.engine === "postgresql") {
    await db.run((c) =>
      c.$executeRawUnsafe(
        `CREATE OR REPLACE FUNCTION ${name}() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION 'refused by the test'; END $$ LANGUAGE plpgsql`,
      ),
    );
    await db.run((c) =>
      c.$executeRawUnsafe(
        `CREATE TRIGGER ${name} BEFORE ${event} ON "${table}" FOR EACH ROW WHEN (${condition}) EXECUTE FUNCTION ${name}()`,
      ),
    );
    return async () => {
      await db.run((c) => c.$executeRawUnsafe(`DROP TRIGGER ${name} ON "${table}"`));
    };
  }
  await db.run((c) =>
    c.$executeRawUnsafe(
      `CREATE TRIGGER ${name} BEFORE ${event} ON "${table}" WHEN ${condition} BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`,
    ),
  );
  return async () => {
    await db.run((c) => c.$executeRawUnsafe(`DROP TRIGGER ${name}`));
  };
}
