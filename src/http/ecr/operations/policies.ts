import type { Operation } from '../operation.js';

/**
 * Repository policies and the registry policy. Both are IAM resource policies, checked by
 * the policy parser before they are stored (InvalidParameterException with its explanation).
 */
const setRepositoryPolicy: Operation = async ({ input, registry }) => {
  const name = input.repositoryName as string;
  const policyText = input.policyText as string;
  // `force` exists so that ECR can refuse a policy that would lock its caller out; Stowage
  // accepts every valid policy, with or without it.
  await registry.repositories.setPolicy(name, policyText);
  return { registryId: registry.context.registryId, repositoryName: name, policyText };
};

const getRepositoryPolicy: Operation = async ({ input, registry }) => {
  const name = input.repositoryName as string;
  const policyText = await registry.repositories.policy(name);
  return { registryId: registry.context.registryId, repositoryName: name, policyText };
};

const deleteRepositoryPolicy: Operation = async ({ input, registry }) => {
  const name = input.repositoryName as string;
  const policyText = await registry.repositories.deletePolicy(name);
  return { registryId: registry.context.registryId, repositoryName: name, policyText };
};

const putRegistryPolicy: Operation = async ({ input, registry }) => {
  const policyText = input.policyText as string;
  await registry.registryPolicy.put(policyText);
  return { registryId: registry.context.registryId, policyText };
};

const getRegistryPolicy: Operation = async ({ registry }) => {
  return { registryId: registry.context.registryId, policyText: await registry.registryPolicy.get() };
};

const deleteRegistryPolicy: Operation = async ({ registry }) => {
  return { registryId: registry.context.registryId, policyText: await registry.registryPolicy.delete() };
};

export const policyOperations: Record<string, Operation> = {
  SetRepositoryPolicy: setRepositoryPolicy,
  GetRepositoryPolicy: getRepositoryPolicy,
  DeleteRepositoryPolicy: deleteRepositoryPolicy,
  PutRegistryPolicy: putRegistryPolicy,
  GetRegistryPolicy: getRegistryPolicy,
  DeleteRegistryPolicy: deleteRegistryPolicy,
};
