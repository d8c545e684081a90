import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, prepareQuery, type Database } from '../../src/storage/meta/database.js';
import { ensureRepository, findRepository } from '../../src/storage/meta/repositories.js';
import { freshDatabaseUrl, testDialects } from '../helpers/databases.js';

const REGISTRY = '000000000000';

/** Names of the registry's repositories with an id above `after`, other than `excluded`; `registry` is used twice. */
const namesAfter = prepareQuery(3, (db, registry: string, after: number, excluded: string) =>
  db
    .selectFrom('repositories')
    .select('name')
    .where('registry_id', '=', registry)
    .where('id', '>', after)
    .where('name', '!=', excluded)
    .where('name', 'not like', 'hidden/%')
    .where('registry_id', '=', registry)
    .orderBy('name'),
);

describe.each(testDialects())('the database on %s', (dialect) => {
  let dir: string;
  let database: Database;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-db-'));
    database = await openDatabase({ url: await freshDatabaseUrl(dialect, dir) });
  });
  afterAll(async () => {
    await database.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('runs prepared queries with new arguments, beside constants, on the database and in transactions', async () => {
    for (const name of ['prepared/a', 'prepared/b', 'prepared/c', 'hidden/d']) await ensureRepository(database.db, REGISTRY, name, 1);
    await ensureRepository(database.db, '111111111111', 'prepared/other', 1);
    const names = async (db: Parameters<typeof namesAfter.all>[0], excluded: string) =>
      (await namesAfter.all(db, REGISTRY, 0, excluded)).map((row) => row.name);
    expect(await names(database.db, 'prepared/b')).toEqual(['prepared/a', 'prepared/c']);
    expect(await names(database.db, 'prepared/a')).toEqual(['prepared/b', 'prepared/c']);
    expect((await namesAfter.first(database.db, '111111111111', 0, 'x'))?.name).toBe('prepared/other');
    expect(await namesAfter.first(database.db, '222222222222', 0, 'x')).toBeUndefined();
    await database.transaction(async (trx) => {
      await ensureRepository(trx, REGISTRY, 'prepared/e', 1);
      expect(await names(trx, 'prepared/c')).toEqual(['prepared/a', 'prepared/b', 'prepared/e']);
    });
  });

  it('commits transactions that arrive together each on its own: a failing one leaves nothing, the others stay', async () => {
    const outcomes = await Promise.allSettled(
      [1, 2, 3, 4, 5].map((index) =>
        database.transaction(async (trx) => {
          const repository = await ensureRepository(trx, REGISTRY, `group/${index}`, 1);
          if (index === 3) throw new Error('refused');
          return repository.name;
        }),
      ),
    );
    expect(outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : (outcome.reason as Error).message))).toEqual([
      'group/1',
      'group/2',
      'refused',
      'group/4',
      'group/5',
    ]);
    for (const index of [1, 2, 4, 5]) expect(await findRepository(database.db, REGISTRY, `group/${index}`)).toBeDefined();
    expect(await findRepository(database.db, REGISTRY, 'group/3')).toBeUndefined();
  });

  // PostgreSQL runs concurrent transactions side by side; SQLite groups them into one commit.
  it.skipIf(dialect !== 'sqlite')('runs transactions of one group in arrival order, each seeing the ones before it', async () => {
    const seen = await Promise.all(
      [1, 2, 3].map((index) =>
        database.transaction(async (trx) => {
          await ensureRepository(trx, REGISTRY, `ordered/${index}`, 1);
          return (await namesAfter.all(trx, REGISTRY, 0, '')).filter((row) => row.name.startsWith('ordered/')).length;
        }),
      ),
    );
    expect(seen).toEqual([1, 2, 3]);
  });

  it('shows reads outside a transaction only what is committed', async () => {
    const seenInside = await database.transaction(async (trx) => {
      await ensureRepository(trx, REGISTRY, 'isolated/app', 1);
      return {
        outside: await findRepository(database.db, REGISTRY, 'isolated/app'),
        inside: await findRepository(trx, REGISTRY, 'isolated/app'),
      };
    });
    expect(seenInside.outside).toBeUndefined();
    expect(seenInside.inside?.name).toBe('isolated/app');
    expect((await findRepository(database.db, REGISTRY, 'isolated/app'))?.name).toBe('isolated/app');
  });
});

describe('an in-memory SQLite database', () => {
  it('serves prepared reads and grouped transactions on its single connection', async () => {
    const database = await openDatabase({ url: 'sqlite::memory:' });
    try {
      await Promise.all([1, 2].map((index) => database.transaction((trx) => ensureRepository(trx, REGISTRY, `memory/${index}`, 1))));
      expect((await namesAfter.all(database.db, REGISTRY, 0, 'memory/1')).map((row) => row.name)).toEqual(['memory/2']);
    } finally {
      await database.close();
    }
  });
});
