import { ensureRepository, findRepository, listRepositoryNames, type RepositoryRow } from '../storage/meta/repositories.js';
import type { Queryable } from '../storage/meta/schema.js';
import type { RegistryContext } from './context.js';
import { RegistryError } from './errors.js';
import { assertRepositoryName } from './names.js';

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
    return (
      (await findRepository(db, this.context.registryId, name)) ??
      ensureRepository(db, this.context.registryId, name, this.context.now())
    );
  }

  async list(options: { last?: string; limit: number }): Promise<string[]> {
    return listRepositoryNames(this.context.database.db, this.context.registryId, options);
  }
}
