import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Dialect } from '../../src/storage/meta/database.js';

/** The dialects every metadata test runs on: SQLite always, PostgreSQL when a server is there. */
export function testDialects(): Dialect[] {
  return process.env.STOWAGE_TEST_POSTGRES_URL ? ['sqlite', 'postgres'] : ['sqlite'];
}

/** A database URL for a fresh, empty database of `dialect`; SQLite files go in `dir`. */
export async function freshDatabaseUrl(dialect: Dialect, dir: string): Promise<string> {
  if (dialect === 'sqlite') return `sqlite:${dir}/metadata.sqlite`;
  const adminUrl = process.env.STOWAGE_TEST_POSTGRES_URL;
  if (!adminUrl) throw new Error('STOWAGE_TEST_POSTGRES_URL is not set');
  const name = `stowage_test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`create database ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
