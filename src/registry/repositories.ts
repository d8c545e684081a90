import {
  countManifests,
  deleteRepository,
  deleteResourceTags,
  ensureRepository,
  findRepository,
  findRepositoryDetails,
  getRepositoryPolicy,
  insertRepository,
  listRepositoryDetails,
  listRepositoryNames,
  listResourceTags,
  putResourceTags,
  setRepositoryPolicy,
  updateRepositorySettings,
  type RepositoryDetailsRow,
  type RepositoryRow,
} from '../storage/meta/repositories.js';
import type { Queryable } from '../storage/meta/schema.js';
import { isPolicyValidationError, parsePolicyDocument } from '../iam/index.js';
import type { RegistryContext } from './context.js';
import { RegistryError } from './errors.js';
import { assertRepositoryName } from './names.js';
import { DEFAULT_REPOSITORY_SETTINGS, type RepositorySettings } from './repository-settings.js';
import { assertResourceTagCount, assertResourceTagKey, assertResourceTags, type ResourceTag } from './resource-tags.js';

export type RepositoryDetails = RepositoryDetailsRow & RepositorySettings;
export type { ResourceTag };

export class Repositories {
  constructor(private readonly context: RegistryContext) {}

  /** The repository, or NAME_UNKNOWN. */
  async get(name: string): Promise<RepositoryRow> {
    assertRepositoryName(name);
    const repository = await findRepository(this.context.database.db, this.context.registryId, name);
    if (!repository) throw new RegistryError('NAME_UNKNOWN', `repository ${name} not known to registry`);
    return repository;
  }

  /** The repository, or undefined when it does not exist (yet). */
  async find(name: string): Promise<RepositoryRow | undefined> {
    assertRepositoryName(name);
    return findRepository(this.context.database.db, this.context.registryId, name);
  }

  /**
   * The repository a push goes to: created on first push. Pass the transaction that
   * stores what is pushed, so that a push that fails creates no repository.
   */
  async forPush(name: string, db: Queryable = this.context.database.db): Promise<RepositoryRow> {
    assertRepositoryName(name);
    const existing = await findRepository(db, this.context.registryId, name);
    if (existing) return existing;
    if (!this.context.limits.createOnPush) throw this.notFound(name);
    return ensureRepository(db, this.context.registryId, name, this.context.now());
  }

  async list(options: { last?: string; limit: number }): Promise<string[]> {
    return listRepositoryNames(this.context.database.db, this.context.registryId, options);
  }

  /** Creates a repository explicitly, with settings and resource tags (ECR's CreateRepository). */
  async create(name: string, settings: Partial<RepositorySettings>, tags: ResourceTag[] = []): Promise<RepositoryDetails> {
    assertRepositoryName(name);
    assertResourceTags(tags);
    assertResourceTagCount(tags.map((tag) => tag.key));
    const complete = { ...DEFAULT_REPOSITORY_SETTINGS, ...settings };
    return this.context.database.db.transaction().execute(async (trx) => {
      const created = await insertRepository(trx, this.context.registryId, name, this.context.now(), complete);
      if (!created) {
        throw new RegistryError(
          'REPOSITORY_ALREADY_EXISTS',
          `The repository with name '${name}' already exists in the registry with id '${this.context.registryId}'`,
        );
      }
      await putResourceTags(trx, created.id, tags);
      return created as RepositoryDetails;
    });
  }

  /** The repository with its settings, or NAME_UNKNOWN. */
  async details(name: string): Promise<RepositoryDetails> {
    assertRepositoryName(name);
    const found = await findRepositoryDetails(this.context.database.db, this.context.registryId, name);
    if (!found) throw this.notFound(name);
    return found as RepositoryDetails;
  }

  /** A page of repositories in name order; with `names`, exactly those (each must exist). */
  async describe(options: { after?: string; limit: number; names?: string[] }): Promise<RepositoryDetails[]> {
    const found = (await listRepositoryDetails(this.context.database.db, this.context.registryId, options)) as RepositoryDetails[];
    for (const name of options.names ?? []) {
      if (!found.some((repository) => repository.name === name)) throw this.notFound(name);
    }
    return found;
  }

  /** Deletes a repository; one that still holds images only with `force`. */
  async delete(name: string, options: { force: boolean }): Promise<RepositoryDetails> {
    const repository = await this.details(name);
    await this.context.database.db.transaction().execute(async (trx) => {
      if (!options.force && (await countManifests(trx, repository.id)) > 0) {
        throw new RegistryError(
          'REPOSITORY_NOT_EMPTY',
          `The repository with name '${name}' in registry with id '${this.context.registryId}' cannot be deleted because it still contains images`,
        );
      }
      await deleteRepository(trx, repository.id);
    });
    return repository;
  }

  async updateSettings(name: string, update: Partial<RepositorySettings>): Promise<RepositoryDetails> {
    const repository = await this.details(name);
    await updateRepositorySettings(this.context.database.db, repository.id, update);
    return { ...repository, ...update };
  }

  async resourceTags(name: string): Promise<ResourceTag[]> {
    const repository = await this.details(name);
    return listResourceTags(this.context.database.db, repository.id);
  }

  /** Adds or overwrites resource tags; the repository may end up with at most 50. */
  async tagResource(name: string, tags: ResourceTag[]): Promise<void> {
    assertResourceTags(tags);
    const repository = await this.details(name);
    await this.context.database.db.transaction().execute(async (trx) => {
      const existing = await listResourceTags(trx, repository.id);
      assertResourceTagCount([...existing.map((tag) => tag.key), ...tags.map((tag) => tag.key)]);
      await putResourceTags(trx, repository.id, tags);
    });
  }

  /** Removes resource tags by key; keys the repository does not carry are ignored. */
  async untagResource(name: string, keys: string[]): Promise<void> {
    for (const key of keys) assertResourceTagKey(key);
    const repository = await this.details(name);
    await deleteResourceTags(this.context.database.db, repository.id, keys);
  }

  /** The repository policy text, or REPOSITORY_POLICY_NOT_FOUND. */
  async policy(name: string): Promise<string> {
    const repository = await this.details(name);
    const policy = await getRepositoryPolicy(this.context.database.db, repository.id);
    if (policy === null) {
      throw new RegistryError(
        'REPOSITORY_POLICY_NOT_FOUND',
        `Repository policy does not exist for the repository with name '${name}' in the registry with id '${this.context.registryId}'`,
      );
    }
    return policy;
  }

  /** Sets the repository policy: a resource policy the IAM policy language accepts (INVALID_PARAMETER otherwise). */
  async setPolicy(name: string, policy: string): Promise<void> {
    const repository = await this.details(name);
    assertPolicyDocument(policy, 'repository');
    await setRepositoryPolicy(this.context.database.db, repository.id, policy);
  }

  /** Removes the repository policy and answers the one removed. */
  async deletePolicy(name: string): Promise<string> {
    const policy = await this.policy(name);
    const repository = await this.details(name);
    await setRepositoryPolicy(this.context.database.db, repository.id, null);
    return policy;
  }

  private notFound(name: string): RegistryError {
    return new RegistryError('NAME_UNKNOWN', `The repository with name '${name}' does not exist in the registry with id '${this.context.registryId}'`);
  }
}

/** Refuses a resource policy the IAM policy language does not accept, with the parser's explanation. */
export function assertPolicyDocument(text: string, kind: 'repository' | 'registry'): void {
  try {
    parsePolicyDocument(text, kind);
  } catch (error) {
    if (isPolicyValidationError(error)) {
      throw new RegistryError('INVALID_PARAMETER', `Invalid parameter at 'PolicyText' failed to satisfy constraint: '${error.message}'`);
    }
    throw error;
  }
}
