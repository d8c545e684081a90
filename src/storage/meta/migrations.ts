import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { Dialect } from './database.js';

/**
 * Every schema change, in order. Each migration runs on SQLite and PostgreSQL alike;
 * `types` hides the few type names that differ between the two.
 */
function columnTypes(dialect: Dialect) {
  return dialect === 'postgres'
    ? {
        id: sql`bigserial`,
        // Byte-wise ordering, as SQLite's default: tag and catalog pagination depend on it.
        text: sql`text collate "C"`,
        bytes: sql`bytea`,
      }
    : { id: sql`integer`, text: sql`text`, bytes: sql`blob` };
}

function migrations(dialect: Dialect): Record<string, Migration> {
  const types = columnTypes(dialect);
  return {
    '0001_registry_core': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('repositories')
          .addColumn('id', types.id, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
          .addColumn('registry_id', types.text, (c) => c.notNull())
          .addColumn('name', types.text, (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addUniqueConstraint('repositories_registry_name', ['registry_id', 'name'])
          .execute();

        await db.schema
          .createTable('blobs')
          .addColumn('digest', types.text, (c) => c.primaryKey())
          .addColumn('size', 'bigint', (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('repository_blobs')
          .addColumn('repository_id', 'bigint', (c) => c.notNull().references('repositories.id').onDelete('cascade'))
          .addColumn('digest', types.text, (c) => c.notNull().references('blobs.digest'))
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('repository_blobs_pk', ['repository_id', 'digest'])
          .execute();
        await db.schema.createIndex('repository_blobs_digest').on('repository_blobs').column('digest').execute();

        await db.schema
          .createTable('manifests')
          .addColumn('repository_id', 'bigint', (c) => c.notNull().references('repositories.id').onDelete('cascade'))
          .addColumn('digest', types.text, (c) => c.notNull())
          .addColumn('media_type', types.text, (c) => c.notNull())
          .addColumn('artifact_type', types.text)
          .addColumn('config_media_type', types.text)
          .addColumn('subject_digest', types.text)
          .addColumn('size', 'bigint', (c) => c.notNull())
          .addColumn('image_size', 'bigint', (c) => c.notNull())
          .addColumn('content', types.bytes, (c) => c.notNull())
          .addColumn('pushed_at', 'bigint', (c) => c.notNull())
          .addColumn('last_pulled_at', 'bigint')
          .addPrimaryKeyConstraint('manifests_pk', ['repository_id', 'digest'])
          .execute();
        await db.schema
          .createIndex('manifests_subject')
          .on('manifests')
          .columns(['repository_id', 'subject_digest'])
          .execute();

        await db.schema
          .createTable('manifest_references')
          .addColumn('repository_id', 'bigint', (c) => c.notNull())
          .addColumn('manifest_digest', types.text, (c) => c.notNull())
          .addColumn('referenced_digest', types.text, (c) => c.notNull())
          .addColumn('kind', types.text, (c) => c.notNull())
          .addPrimaryKeyConstraint('manifest_references_pk', ['repository_id', 'manifest_digest', 'referenced_digest'])
          .addForeignKeyConstraint(
            'manifest_references_manifest',
            ['repository_id', 'manifest_digest'],
            'manifests',
            ['repository_id', 'digest'],
            (c) => c.onDelete('cascade'),
          )
          .execute();
        await db.schema
          .createIndex('manifest_references_referenced')
          .on('manifest_references')
          .columns(['referenced_digest', 'repository_id'])
          .execute();

        await db.schema
          .createTable('tags')
          .addColumn('repository_id', 'bigint', (c) => c.notNull())
          .addColumn('name', types.text, (c) => c.notNull())
          .addColumn('manifest_digest', types.text, (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('tags_pk', ['repository_id', 'name'])
          .addForeignKeyConstraint(
            'tags_manifest',
            ['repository_id', 'manifest_digest'],
            'manifests',
            ['repository_id', 'digest'],
            (c) => c.onDelete('cascade'),
          )
          .execute();
        await db.schema.createIndex('tags_manifest').on('tags').columns(['repository_id', 'manifest_digest']).execute();

        await db.schema
          .createTable('uploads')
          .addColumn('id', types.text, (c) => c.primaryKey())
          .addColumn('repository_id', 'bigint', (c) => c.notNull().references('repositories.id').onDelete('cascade'))
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('uploads_updated').on('uploads').column('updated_at').execute();
      },
    },
    '0002_repository_settings': {
      async up(db: Kysely<any>) {
        // ECR's per-repository settings; a repository created by a push gets ECR's defaults.
        await db.schema.alterTable('repositories').addColumn('image_tag_mutability', types.text, (c) => c.notNull().defaultTo('MUTABLE')).execute();
        await db.schema.alterTable('repositories').addColumn('tag_mutability_exclusions', types.text).execute();
        await db.schema.alterTable('repositories').addColumn('scan_on_push', 'integer', (c) => c.notNull().defaultTo(0)).execute();
        await db.schema.alterTable('repositories').addColumn('encryption_type', types.text, (c) => c.notNull().defaultTo('AES256')).execute();
        await db.schema.alterTable('repositories').addColumn('kms_key', types.text).execute();
        await db.schema.alterTable('repositories').addColumn('policy', types.text).execute();

        await db.schema
          .createTable('repository_tags')
          .addColumn('repository_id', 'bigint', (c) => c.notNull().references('repositories.id').onDelete('cascade'))
          .addColumn('key', types.text, (c) => c.notNull())
          .addColumn('value', types.text, (c) => c.notNull())
          .addPrimaryKeyConstraint('repository_tags_pk', ['repository_id', 'key'])
          .execute();
      },
    },
    '0003_identities': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('accounts')
          .addColumn('id', types.text, (c) => c.primaryKey())
          .addColumn('name', types.text, (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .execute();

        await db.schema
          .createTable('iam_users')
          .addColumn('id', types.id, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
          .addColumn('account_id', types.text, (c) => c.notNull().references('accounts.id').onDelete('cascade'))
          .addColumn('name', types.text, (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addUniqueConstraint('iam_users_account_name', ['account_id', 'name'])
          .execute();

        await db.schema
          .createTable('access_keys')
          .addColumn('access_key_id', types.text, (c) => c.primaryKey())
          .addColumn('user_id', 'bigint', (c) => c.notNull().references('iam_users.id').onDelete('cascade'))
          .addColumn('secret_ciphertext', types.text, (c) => c.notNull())
          .addColumn('status', types.text, (c) => c.notNull().check(sql`status in ('Active', 'Inactive')`))
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('last_used_at', 'bigint')
          .execute();
        await db.schema.createIndex('access_keys_user').on('access_keys').column('user_id').execute();

        await db.schema
          .createTable('user_policies')
          .addColumn('user_id', 'bigint', (c) => c.notNull().references('iam_users.id').onDelete('cascade'))
          .addColumn('name', types.text, (c) => c.notNull())
          .addColumn('document', types.text, (c) => c.notNull())
          .addPrimaryKeyConstraint('user_policies_pk', ['user_id', 'name'])
          .execute();

        await db.schema
          .createTable('registry_policies')
          .addColumn('registry_id', types.text, (c) => c.primaryKey())
          .addColumn('document', types.text, (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
    '0004_account_settings': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('account_settings')
          .addColumn('registry_id', types.text, (c) => c.notNull())
          .addColumn('name', types.text, (c) => c.notNull())
          .addColumn('value', types.text, (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('account_settings_pk', ['registry_id', 'name'])
          .execute();
      },
    },
    '0005_lifecycle': {
      async up(db: Kysely<any>) {
        await db.schema
          .createTable('lifecycle_policies')
          .addColumn('repository_id', 'bigint', (c) => c.primaryKey().references('repositories.id').onDelete('cascade'))
          .addColumn('policy_text', types.text, (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addColumn('last_evaluated_at', 'bigint')
          .execute();

        await db.schema
          .createTable('lifecycle_previews')
          .addColumn('repository_id', 'bigint', (c) => c.primaryKey().references('repositories.id').onDelete('cascade'))
          .addColumn('policy_text', types.text, (c) => c.notNull())
          .addColumn('status', types.text, (c) => c.notNull())
          .addColumn('started_at', 'bigint', (c) => c.notNull())
          .addColumn('finished_at', 'bigint')
          .addColumn('expiring_count', 'bigint')
          .addColumn('failure', types.text)
          .execute();

        await db.schema
          .createTable('lifecycle_preview_results')
          .addColumn('repository_id', 'bigint', (c) => c.notNull().references('repositories.id').onDelete('cascade'))
          .addColumn('position', 'bigint', (c) => c.notNull())
          .addColumn('digest', types.text, (c) => c.notNull())
          .addColumn('tags', types.text, (c) => c.notNull())
          .addColumn('pushed_at', 'bigint', (c) => c.notNull())
          .addColumn('rule_priority', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('lifecycle_preview_results_pk', ['repository_id', 'position'])
          .execute();

        // Kept after the repository goes: it names the repository instead of pointing at it.
        await db.schema
          .createTable('lifecycle_expiries')
          .addColumn('id', types.id, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
          .addColumn('run_id', 'bigint')
          .addColumn('registry_id', types.text, (c) => c.notNull())
          .addColumn('repository_name', types.text, (c) => c.notNull())
          .addColumn('digest', types.text, (c) => c.notNull())
          .addColumn('tags', types.text, (c) => c.notNull())
          .addColumn('pushed_at', 'bigint', (c) => c.notNull())
          .addColumn('rule_priority', 'bigint', (c) => c.notNull())
          .addColumn('reason', types.text, (c) => c.notNull())
          .addColumn('expired_at', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('lifecycle_expiries_repository').on('lifecycle_expiries').columns(['registry_id', 'repository_name', 'id']).execute();

        // Background work that must survive a restart: lifecycle runs, garbage collections.
        await db.schema
          .createTable('jobs')
          .addColumn('id', types.id, (c) => (dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
          .addColumn('kind', types.text, (c) => c.notNull())
          .addColumn('trigger', types.text, (c) => c.notNull())
          .addColumn('status', types.text, (c) => c.notNull())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('heartbeat_at', 'bigint', (c) => c.notNull())
          .addColumn('finished_at', 'bigint')
          .addColumn('summary', types.text)
          .addColumn('failure', types.text)
          .execute();
        await db.schema.createIndex('jobs_kind').on('jobs').columns(['kind', 'id']).execute();
      },
    },
    '0006_gc': {
      async up(db: Kysely<any>) {
        // When a link was last created, re-linked or reported to a client (see gc/collect.ts):
        // garbage collection spares links touched within its grace period. Added nullable
        // (SQLite cannot add a NOT NULL column without a default), then backfilled.
        await db.schema.alterTable('repository_blobs').addColumn('touched_at', 'bigint').execute();
        await db.updateTable('repository_blobs').set({ touched_at: sql`created_at` }).execute();
      },
    },
    '0007_blob_contents': {
      async up(db: Kysely<any>) {
        // The bytes of small blobs, committed with their blob row and link (see
        // registry/blob-content.ts). They go with the row: deleted in the same statement.
        await db.schema
          .createTable('blob_contents')
          .addColumn('digest', types.text, (c) => c.primaryKey().references('blobs.digest').onDelete('cascade'))
          .addColumn('content', types.bytes, (c) => c.notNull())
          .execute();
      },
    },
    '0008_scanning': {
      async up(db: Kysely<any>) {
        // The vulnerability database: OSV advisories as imported, and per affected package
        // the key matching looks them up by (see scanning/vulndb/).
        await db.schema
          .createTable('vuln_advisories')
          .addColumn('id', types.text, (c) => c.primaryKey())
          .addColumn('modified', 'bigint', (c) => c.notNull())
          .addColumn('document', types.text, (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('vuln_affected')
          .addColumn('advisory_id', types.text, (c) => c.notNull().references('vuln_advisories.id').onDelete('cascade'))
          .addColumn('ecosystem', types.text, (c) => c.notNull())
          .addColumn('package', types.text, (c) => c.notNull())
          .execute();
        await db.schema.createIndex('vuln_affected_package').on('vuln_affected').columns(['package', 'ecosystem']).execute();
        await db.schema.createIndex('vuln_affected_advisory').on('vuln_affected').column('advisory_id').execute();
        await db.schema
          .createTable('vuln_database')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addColumn('imported_at', 'bigint', (c) => c.notNull())
          .addColumn('advisories', 'bigint', (c) => c.notNull())
          .execute();

        // Registry scanning configuration (PutRegistryScanningConfiguration).
        await db.schema
          .createTable('scanning_configurations')
          .addColumn('registry_id', types.text, (c) => c.primaryKey())
          .addColumn('scan_type', types.text, (c) => c.notNull())
          .addColumn('rules', types.text, (c) => c.notNull())
          .execute();

        // What an image contains, by manifest digest (the same in every repository): read
        // once from its layers, matched again whenever the vulnerability database changes.
        await db.schema
          .createTable('image_inventories')
          .addColumn('manifest_digest', types.text, (c) => c.primaryKey())
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('inventory', types.text, (c) => c.notNull())
          .execute();

        // One scan per image of a repository: its last result, and a durable job while queued
        // (`queued`; `claim` names the worker running it, `attempts` counts its tries).
        await db.schema
          .createTable('image_scans')
          .addColumn('repository_id', 'bigint', (c) => c.notNull())
          .addColumn('manifest_digest', types.text, (c) => c.notNull())
          .addColumn('scan_type', types.text, (c) => c.notNull())
          .addColumn('status', types.text, (c) => c.notNull())
          .addColumn('description', types.text)
          .addColumn('requested_at', 'bigint', (c) => c.notNull())
          .addColumn('queued', 'integer', (c) => c.notNull())
          .addColumn('claim', types.text)
          .addColumn('claimed_at', 'bigint')
          .addColumn('attempts', 'integer', (c) => c.notNull())
          .addColumn('completed_at', 'bigint')
          .addColumn('vulndb_updated_at', 'bigint')
          .addColumn('counts', types.text)
          .addPrimaryKeyConstraint('image_scans_pk', ['repository_id', 'manifest_digest'])
          .addForeignKeyConstraint('image_scans_manifest', ['repository_id', 'manifest_digest'], 'manifests', ['repository_id', 'digest'], (c) => c.onDelete('cascade'))
          .execute();
        await db.schema.createIndex('image_scans_queue').on('image_scans').columns(['queued', 'requested_at']).execute();
        await db.schema.createIndex('image_scans_manifest').on('image_scans').column('manifest_digest').execute();

        // Findings of an image's scans: kept across rescans (first observed, closed when fixed).
        await db.schema
          .createTable('image_findings')
          .addColumn('repository_id', 'bigint', (c) => c.notNull())
          .addColumn('manifest_digest', types.text, (c) => c.notNull())
          .addColumn('finding_key', types.text, (c) => c.notNull())
          .addColumn('severity', types.text, (c) => c.notNull())
          .addColumn('status', types.text, (c) => c.notNull())
          .addColumn('first_observed_at', 'bigint', (c) => c.notNull())
          .addColumn('last_observed_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addColumn('finding', types.text, (c) => c.notNull())
          .addPrimaryKeyConstraint('image_findings_pk', ['repository_id', 'manifest_digest', 'finding_key'])
          .addForeignKeyConstraint('image_findings_scan', ['repository_id', 'manifest_digest'], 'image_scans', ['repository_id', 'manifest_digest'], (c) => c.onDelete('cascade'))
          .execute();
      },
    },
  };
}

export function migrationProvider(dialect: Dialect): MigrationProvider {
  return { getMigrations: async () => migrations(dialect) };
}
