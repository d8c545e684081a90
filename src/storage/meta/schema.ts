import type { Kysely, Transaction } from 'kysely';

/**
 * The metadata schema, one interface per table. Times are milliseconds since the epoch
 * (bigint columns), so both dialects store and compare them the same way.
 */
export interface RepositoryTable {
  id: GeneratedId;
  registry_id: string;
  name: string;
  created_at: number;
  /** MUTABLE | IMMUTABLE | MUTABLE_WITH_EXCLUSION | IMMUTABLE_WITH_EXCLUSION */
  image_tag_mutability: Generated<string>;
  /** JSON list of `{filterType, filter}`, or null. */
  tag_mutability_exclusions: string | null;
  scan_on_push: Generated<number>;
  /** AES256 | KMS | KMS_DSSE */
  encryption_type: Generated<string>;
  kms_key: string | null;
  /** The repository policy document, as the client sent it. */
  policy: string | null;
}

/** Resource tags (key/value labels) on a repository, as ECR's TagResource sets them. */
export interface RepositoryTagTable {
  repository_id: number;
  key: string;
  value: string;
}

export interface BlobTable {
  digest: string;
  size: number;
  created_at: number;
}

/** The bytes of a small blob, kept with its row instead of in the blob store. */
export interface BlobContentTable {
  digest: string;
  content: Uint8Array;
}

/** A blob is visible in a repository only through a link row. */
export interface RepositoryBlobTable {
  repository_id: number;
  digest: string;
  created_at: number;
  /**
   * When the link was last created, re-linked or reported to a client as present (refreshed
   * at most every TOUCH_INTERVAL_MS): garbage collection spares a link touched within its
   * grace period even when no manifest references it yet.
   */
  touched_at: number;
}

export interface ManifestTable {
  repository_id: number;
  digest: string;
  media_type: string;
  artifact_type: string | null;
  config_media_type: string | null;
  subject_digest: string | null;
  size: number;
  image_size: number;
  content: Uint8Array;
  pushed_at: number;
  last_pulled_at: number | null;
}

/** What a manifest points at: blobs (config, layers) and child manifests (indexes). */
export interface ManifestReferenceTable {
  repository_id: number;
  manifest_digest: string;
  referenced_digest: string;
  kind: 'blob' | 'manifest';
}

export interface TagTable {
  repository_id: number;
  name: string;
  manifest_digest: string;
  updated_at: number;
}

export interface UploadTable {
  id: string;
  repository_id: number;
  created_at: number;
  updated_at: number;
}

/** An account (ECR's registryId); the 12-digit id is chosen by the administrator. */
export interface AccountTable {
  id: string;
  name: string;
  created_at: number;
}

export interface IamUserTable {
  id: GeneratedId;
  account_id: string;
  name: string;
  created_at: number;
}

/**
 * The secret is kept sealed (AES-256-GCM under the master key, see identity/secret-box.ts):
 * SigV4 needs it back to recompute signatures, so it cannot be hashed.
 */
export interface AccessKeyTable {
  access_key_id: string;
  user_id: number;
  secret_ciphertext: string;
  status: 'Active' | 'Inactive';
  created_at: number;
  last_used_at: number | null;
}

/** An inline identity policy of a user, as the client sent it. */
export interface UserPolicyTable {
  user_id: number;
  name: string;
  document: string;
}

/** ECR's registry policy, one per registry. */
export interface RegistryPolicyTable {
  registry_id: string;
  document: string;
  updated_at: number;
}

/** ECR's account settings (PutAccountSetting), one value per registry and setting name. */
export interface AccountSettingTable {
  registry_id: string;
  name: string;
  value: string;
  updated_at: number;
}

/** A repository's lifecycle policy (PutLifecyclePolicy), as the client sent it. */
export interface LifecyclePolicyTable {
  repository_id: number;
  policy_text: string;
  updated_at: number;
  last_evaluated_at: number | null;
}

/** The latest lifecycle policy preview of a repository; its results are rows of lifecycle_preview_results. */
export interface LifecyclePreviewTable {
  repository_id: number;
  policy_text: string;
  /** IN_PROGRESS | COMPLETE | FAILED */
  status: string;
  started_at: number;
  finished_at: number | null;
  expiring_count: number | null;
  failure: string | null;
}

/** One image a preview would expire; `position` orders them oldest push first. */
export interface LifecyclePreviewResultTable {
  repository_id: number;
  position: number;
  digest: string;
  /** JSON list of the image's tags. */
  tags: string;
  pushed_at: number;
  rule_priority: number;
}

/** One image a lifecycle run expired: who (the rule), what (digest, tags), when. */
export interface LifecycleExpiryTable {
  id: GeneratedId;
  run_id: number | null;
  registry_id: string;
  repository_name: string;
  digest: string;
  /** JSON list of the tags the image had. */
  tags: string;
  pushed_at: number;
  rule_priority: number;
  /** rule | index | subject (see lifecycle/evaluate.ts) */
  reason: string;
  expired_at: number;
}

/** Durable background work: lifecycle runs and garbage collections. */
export interface JobTable {
  id: GeneratedId;
  /** lifecycle | gc */
  kind: string;
  /** schedule | command */
  trigger: string;
  /** running | complete | failed */
  status: string;
  created_at: number;
  /** Refreshed while the job runs; a running job whose heartbeat stopped was interrupted. */
  heartbeat_at: number;
  finished_at: number | null;
  /** JSON: what the job did. */
  summary: string | null;
  failure: string | null;
}

/** An OSV advisory as imported (`document` is its JSON). */
export interface VulnAdvisoryTable {
  id: string;
  /** Its `modified` time, epoch milliseconds. */
  modified: number;
  document: string;
}

/** A package an advisory affects: `ecosystem` as OSV writes it (`Debian:12`), `package` normalized for look-up. */
export interface VulnAffectedTable {
  advisory_id: string;
  ecosystem: string;
  package: string;
}

/** The vulnerability database's single state row (id 1). */
export interface VulnDatabaseTable {
  id: number;
  /** The newest advisory's `modified` time: how fresh the database is. */
  updated_at: number;
  imported_at: number;
  advisories: number;
}

export interface ScanningConfigurationTable {
  registry_id: string;
  scan_type: 'BASIC' | 'ENHANCED';
  /** JSON: the rules as ECR's RegistryScanningRule list. */
  rules: string;
}

export interface ImageInventoryTable {
  manifest_digest: string;
  created_at: number;
  /** JSON: see scanning/inventory.ts. */
  inventory: string;
}

export interface ImageScanTable {
  repository_id: number;
  manifest_digest: string;
  scan_type: 'BASIC' | 'ENHANCED';
  status: string;
  description: string | null;
  requested_at: number;
  /** 1 while a scan is wanted (requested, not yet finished): a durable job. */
  queued: number;
  /** The token of the worker running it; null while it waits. */
  claim: string | null;
  /** When that worker took it (refreshed by its heartbeat). */
  claimed_at: number | null;
  /** Tries since it was requested: a scan that keeps killing its worker is given up. */
  attempts: number;
  completed_at: number | null;
  vulndb_updated_at: number | null;
  /** JSON: active findings per severity. */
  counts: string | null;
}

export interface ImageFindingTable {
  repository_id: number;
  manifest_digest: string;
  /** Advisory, package and where it was found: the same finding across rescans. */
  finding_key: string;
  severity: string;
  status: 'ACTIVE' | 'CLOSED';
  first_observed_at: number;
  last_observed_at: number;
  updated_at: number;
  /** JSON: see scanning/findings.ts. */
  finding: string;
}

export interface Schema {
  repositories: RepositoryTable;
  repository_tags: RepositoryTagTable;
  blobs: BlobTable;
  blob_contents: BlobContentTable;
  repository_blobs: RepositoryBlobTable;
  manifests: ManifestTable;
  manifest_references: ManifestReferenceTable;
  tags: TagTable;
  uploads: UploadTable;
  accounts: AccountTable;
  iam_users: IamUserTable;
  access_keys: AccessKeyTable;
  user_policies: UserPolicyTable;
  registry_policies: RegistryPolicyTable;
  account_settings: AccountSettingTable;
  lifecycle_policies: LifecyclePolicyTable;
  lifecycle_previews: LifecyclePreviewTable;
  lifecycle_preview_results: LifecyclePreviewResultTable;
  lifecycle_expiries: LifecycleExpiryTable;
  jobs: JobTable;
  vuln_advisories: VulnAdvisoryTable;
  vuln_affected: VulnAffectedTable;
  vuln_database: VulnDatabaseTable;
  scanning_configurations: ScanningConfigurationTable;
  image_inventories: ImageInventoryTable;
  image_scans: ImageScanTable;
  image_findings: ImageFindingTable;
}

/** An id the database assigns on insert. */
import type { Generated } from 'kysely';
type GeneratedId = Generated<number>;

/** A connection or a transaction: every query function accepts either. */
export type Queryable = Kysely<Schema> | Transaction<Schema>;
