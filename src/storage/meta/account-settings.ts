import type { Queryable } from './schema.js';

/** The stored value of one account setting, or undefined when it was never set. */
export async function getAccountSetting(db: Queryable, registryId: string, name: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('account_settings')
    .select('value')
    .where('registry_id', '=', registryId)
    .where('name', '=', name)
    .executeTakeFirst();
  return row?.value;
}

export async function putAccountSetting(db: Queryable, registryId: string, name: string, value: string, now: number): Promise<void> {
  await db
    .insertInto('account_settings')
    .values({ registry_id: registryId, name, value, updated_at: now })
    .onConflict((oc) => oc.columns(['registry_id', 'name']).doUpdateSet({ value, updated_at: now }))
    .execute();
}
