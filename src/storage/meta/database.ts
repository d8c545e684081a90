import SqliteDatabase from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import fs from 'node:fs';
import path from 'node:path';
import { migrationProvider } from './migrations.js';
import type { Schema } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

export interface DatabaseConfig {
  /** `sqlite:<file>` (or a bare path) or `postgres://…`. */
  url: string;
}

export interface Database {
  db: Kysely<Schema>;
  dialect: Dialect;
  close(): Promise<void>;
}

const PG_INT8 = 20;

export function dialectOf(url: string): Dialect {
  return /^postgres(ql)?:\/\//.test(url) ? 'postgres' : 'sqlite';
}

/** Opens the metadata database and brings its schema up to date. */
export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  const dialect = dialectOf(config.url);
  const db = dialect === 'postgres' ? await openPostgres(config.url) : openSqlite(config.url);
  await migrate(db, dialect);
  return { db, dialect, close: () => db.destroy() };
}

function openSqlite(url: string): Kysely<Schema> {
  const file = url.replace(/^sqlite:/, '');
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new SqliteDatabase(file);
  // WAL lets readers run beside a writer; synchronous=FULL makes every commit durable
  // before it is acknowledged, even across a power loss.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  return new Kysely<Schema>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
}

/**
 * Kysely prepares a statement for every query; preparing costs more than running the
 * small indexed queries the registry makes, so prepared statements are reused by SQL text.
 * better-sqlite3 runs each statement to completion synchronously, so one statement object
 * is never in use twice at once.
 */
function withStatementCache(sqlite: SqliteDatabase.Database, capacity = 512) {
  const statements = new Map<string, SqliteDatabase.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sqlText: string) {
      let statement = statements.get(sqlText);
      if (!statement) {
        statement = sqlite.prepare(sqlText);
        // Statements built from variable-length IN lists are many; keep the cache bounded.
        if (statements.size >= capacity) statements.delete(statements.keys().next().value!);
        statements.set(sqlText, statement);
      }
      return statement;
    },
  };
}

/** pg is loaded only when PostgreSQL is used: loading it costs some 6 MB of resident memory. */
async function openPostgres(url: string): Promise<Kysely<Schema>> {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({
    connectionString: url,
    max: 16,
    // Times and sizes are bigint columns that always fit a double.
    types: {
      getTypeParser: (oid: number, format?: any) =>
        oid === PG_INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format),
    },
  });
  return new Kysely<Schema>({ dialect: new PostgresDialect({ pool }) });
}

async function migrate(db: Kysely<Schema>, dialect: Dialect): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider(dialect) });
  const { error } = await migrator.migrateToLatest();
  if (error) throw error;
}
