import { deleteRegistryPolicy, getRegistryPolicy, putRegistryPolicy } from '../storage/meta/identities.js';
import type { RegistryContext } from './context.js';
import { RegistryError } from './errors.js';
import { assertPolicyDocument } from './repositories.js';

/**
 * ECR's registry policy: one resource policy per registry, applying to every repository of
 * it. Authorization (src/auth/access-control.ts) evaluates it for every action, as ECR's
 * registry policy scope V2 does.
 */
export class RegistryPolicies {
  constructor(private readonly context: RegistryContext) {}

  /** The policy text, or REGISTRY_POLICY_NOT_FOUND. */
  async get(): Promise<string> {
    const policy = await getRegistryPolicy(this.context.database.db, this.context.registryId);
    if (!policy) throw this.notFound();
    return policy.document;
  }

  async put(policyText: string): Promise<void> {
    assertPolicyDocument(policyText, 'registry');
    await putRegistryPolicy(this.context.database.db, this.context.registryId, policyText, this.context.now());
  }

  /** Removes the policy and answers the one removed. */
  async delete(): Promise<string> {
    const db = this.context.database.db;
    return db.transaction().execute(async (trx) => {
      const policy = await getRegistryPolicy(trx, this.context.registryId);
      if (!policy || !(await deleteRegistryPolicy(trx, this.context.registryId))) throw this.notFound();
      return policy.document;
    });
  }

  private notFound(): RegistryError {
    return new RegistryError('REGISTRY_POLICY_NOT_FOUND', `Registry policy does not exist in the registry with id '${this.context.registryId}'`);
  }
}
