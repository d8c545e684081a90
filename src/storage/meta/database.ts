import SqliteDatabase from 'better-sqlite3';
import {
  CompiledQuery,
  Kysely,
  Migrator,
  PostgresDialect,
  SqliteDialect,
  SqliteDriver,
  type Compilable,
  type DatabaseConnection,
  type Driver,
  type QueryResult,
  type SqliteDialectConfig,
  type Transaction,
} from 'kysely';
import fs from 'node:fs';
import path from 'node:path';
import { migrationProvider } from './migrations.js';
import type { Queryable, Schema } from './schema.js';

export type Dialect = 'sqlite' | 'postgres';

export interface DatabaseConfig {
  /** `sqlite:<file>` (or a bare path) or `postgres://…`. */
  url: string;
}

export interface Database {
  db: Kysely<Schema>;
  dialect: Dialect;
  /**
   * Runs `work` in a transaction and resolves once it is committed (durably: the answer to
   * a client may rely on it). On SQLite, transactions that arrive together share one
   * commit; each still succeeds or fails on its own (see GroupCommit).
   */
  transaction<T>(work: (trx: Transaction<Schema>) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

const PG_INT8 = 20;

export function dialectOf(url: string): Dialect {
  return /^postgres(ql)?:\/\//.test(url) ? 'postgres' : 'sqlite';
}

/** Opens the metadata database and brings its schema up to date. */
export async function openDatabase(config: DatabaseConfig): Promise<Database> {
  const dialect = dialectOf(config.url);
  if (dialect === 'postgres') {
    const db = await openPostgres(config.url);
    await migrate(db, dialect);
    return { db, dialect, transaction: (work) => db.transaction().execute(work), close: () => db.destroy() };
  }
  const file = config.url.replace(/^sqlite:/, '');
  const db = openSqlite(file);
  await migrate(db, dialect);
  // Reads outside transactions go to a connection of their own (WAL lets it read beside the
  // writer): they never wait for a transaction in progress, and see only committed data.
  // An in-memory database cannot be shared between connections; its reads take the writer's.
  const reader = file === ':memory:' ? undefined : openReader(file);
  if (reader) readConnections.set(db, reader);
  const group = new GroupCommit(db);
  return {
    db,
    dialect,
    transaction: (work) => group.run(work),
    async close() {
      await group.idle();
      await db.destroy();
      reader?.close();
    },
  };
}

function openSqlite(file: string): Kysely<Schema> {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new SqliteDatabase(file);
  // WAL lets readers run beside a writer; synchronous=FULL makes every commit durable
  // before it is acknowledged, even across a power loss.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  return new Kysely<Schema>({ dialect: new ImmediateSqliteDialect({ database: withStatementCache(sqlite) }) });
}

/**
 * SQLite transactions begin IMMEDIATE, taking the write lock at once. A deferred transaction
 * that reads before it writes fails (SQLITE_BUSY, the busy timeout does not apply) when
 * another process, such as `stowage gc` or `stowage admin` beside a serving registry,
 * committed in between; an immediate one waits for the other's commit instead. Within this
 * process transactions are serialized on the one connection anyway.
 */
class ImmediateSqliteDialect extends SqliteDialect {
  constructor(private readonly settings: SqliteDialectConfig) {
    super(settings);
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.settings);
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

function openReader(file: string): SqliteDatabase.Database {
  const sqlite = new SqliteDatabase(file, { fileMustExist: true });
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('query_only = ON');
  return sqlite;
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

/** The SQLite connection that serves the reads of a database's root Kysely instance (not of its transactions). */
const readConnections = new WeakMap<Queryable, SqliteDatabase.Database>();

interface CompiledForm<Row> {
  query: CompiledQuery<Row>;
  /** Where each parameter of the compiled query comes from: an argument index, or a constant. */
  slots: ({ argument: number } | { constant: unknown })[];
  /** The compiled parameters are exactly the arguments, in order. */
  direct: boolean;
}

const PLACEHOLDER = /^\u0000stowage-argument-(\d+)\u0000$/;

/**
 * A query that is built and compiled once per database and then run with new arguments:
 * building and compiling a Kysely query costs several times more than SQLite takes to
 * answer an indexed lookup. `build` receives placeholders for the arguments; it must use
 * each only as a value (never to decide the shape of the query).
 *
 * Run on a database's root instance, a SELECT goes straight to the SQLite read connection;
 * anything else, and everything on PostgreSQL or in a transaction, runs through Kysely's
 * executor on the connection it was given.
 */
export class PreparedQuery<Args extends unknown[], Row> {
  private readonly forms = new WeakMap<object, CompiledForm<Row>>();
  private readonly statements = new WeakMap<SqliteDatabase.Database, SqliteDatabase.Statement>();

  constructor(
    private readonly arity: Args['length'],
    private readonly build: (db: Kysely<Schema>, ...args: Args) => Compilable<Row>,
  ) {}

  /** All rows. */
  async all(db: Queryable, ...args: Args): Promise<Row[]> {
    const form = this.form(db);
    const reader = form.query.query.kind === 'SelectQueryNode' ? readConnections.get(db) : undefined;
    if (reader) return this.statement(reader, form).all(this.parameters(form, args)) as Row[];
    return (await db.executeQuery(this.compiledWith(form, args))).rows;
  }

  /** The first row, or undefined. */
  async first(db: Queryable, ...args: Args): Promise<Row | undefined> {
    const form = this.form(db);
    const reader = form.query.query.kind === 'SelectQueryNode' ? readConnections.get(db) : undefined;
    if (reader) return this.statement(reader, form).get(this.parameters(form, args)) as Row | undefined;
    return (await db.executeQuery(this.compiledWith(form, args))).rows[0];
  }

  /** Runs a statement; resolves to Kysely's result (numAffectedRows for writes). */
  async execute(db: Queryable, ...args: Args): Promise<QueryResult<Row>> {
    return db.executeQuery(this.compiledWith(this.form(db), args));
  }

  private form(db: Queryable): CompiledForm<Row> {
    // Compiled once per dialect adapter: the root instance and its transactions share one.
    const adapter = db.getExecutor().adapter;
    let form = this.forms.get(adapter);
    if (!form) {
      const placeholders = Array.from({ length: this.arity }, (_, index) => `\u0000stowage-argument-${index}\u0000`) as Args;
      const query = this.build(db, ...placeholders).compile();
      const slots = query.parameters.map((parameter) => {
        const match = typeof parameter === 'string' ? PLACEHOLDER.exec(parameter) : null;
        return match ? { argument: Number(match[1]) } : { constant: parameter };
      });
      const direct = slots.length === this.arity && slots.every((slot, index) => 'argument' in slot && slot.argument === index);
      form = { query, slots, direct };
      this.forms.set(adapter, form);
    }
    return form;
  }

  private parameters(form: CompiledForm<Row>, args: Args): unknown[] {
    if (form.direct) return args;
    return form.slots.map((slot) => ('argument' in slot ? args[slot.argument] : slot.constant));
  }

  private compiledWith(form: CompiledForm<Row>, args: Args): CompiledQuery<Row> {
    return { ...form.query, parameters: this.parameters(form, args) };
  }

  private statement(reader: SqliteDatabase.Database, form: CompiledForm<Row>): SqliteDatabase.Statement {
    let statement = this.statements.get(reader);
    if (!statement) {
      statement = reader.prepare(form.query.sql);
      this.statements.set(reader, statement);
    }
    return statement;
  }
}

/** Builds a PreparedQuery; `arity` is the number of arguments `build` takes after the database. */
export function prepareQuery<Args extends unknown[], Row>(
  arity: Args['length'],
  build: (db: Kysely<Schema>, ...args: Args) => Compilable<Row>,
): PreparedQuery<Args, Row> {
  return new PreparedQuery(arity, build);
}

interface PendingWork {
  work: (trx: Transaction<Schema>) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** Most transactions one commit takes in. */
const GROUP_LIMIT = 64;

/**
 * Group commit for SQLite. A durable commit waits for the disk (synchronous=FULL) and,
 * better-sqlite3 being synchronous, holds up the whole process meanwhile; transactions
 * that arrive together are therefore run one after the other inside one SQLite
 * transaction, each in a savepoint of its own, and committed once:
 *
 * - a transaction that fails is rolled back to its savepoint and rejected alone;
 * - none is resolved before the shared commit has returned, so whatever a client is told
 *   has been written is on disk; if the commit fails, every one of them is rejected;
 * - they run in arrival order, each seeing the ones before it, as if run one at a time.
 *
 * A transaction waits at most for the group being committed before it: the next group
 * starts as soon as the previous one is done.
 */
class GroupCommit {
  private queue: PendingWork[] = [];
  private running: Promise<void> | undefined;

  constructor(private readonly db: Kysely<Schema>) {}

  run<T>(work: (trx: Transaction<Schema>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      // Let the requests that are ready in this turn of the event loop join the group.
      this.running ??= new Promise<void>((done) => setImmediate(done)).then(() => this.drain());
    });
  }

  /** Resolves once nothing is queued or running. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const group = this.queue.splice(0, GROUP_LIMIT);
        if (group.length === 1) await this.runAlone(group[0]!);
        else await this.runGroup(group);
      }
    } finally {
      this.running = undefined;
    }
  }

  private async runAlone(item: PendingWork): Promise<void> {
    try {
      item.resolve(await this.db.transaction().execute(item.work));
    } catch (error) {
      item.reject(error);
    }
  }

  private async runGroup(group: PendingWork[]): Promise<void> {
    const outcomes: ({ ok: true; value: unknown } | { ok: false; error: unknown })[] = [];
    let trx;
    try {
      trx = await this.db.startTransaction().execute();
    } catch (error) {
      for (const item of group) item.reject(error);
      return;
    }
    try {
      for (const item of group) {
        const savepoint = await trx.savepoint('work').execute();
        try {
          const value = await item.work(savepoint);
          await savepoint.releaseSavepoint('work').execute();
          outcomes.push({ ok: true, value });
        } catch (error) {
          await savepoint.rollbackToSavepoint('work').execute();
          await savepoint.releaseSavepoint('work').execute();
          outcomes.push({ ok: false, error });
        }
      }
      await trx.commit().execute();
    } catch (error) {
      // The shared transaction itself failed (the disk, the connection): nothing was committed.
      await trx.rollback().execute().catch(() => undefined);
      for (const item of group) item.reject(error);
      return;
    }
    group.forEach((item, index) => {
      const outcome = outcomes[index]!;
      if (outcome.ok) item.resolve(outcome.value);
      else item.reject(outcome.error);
    });
  }
}
