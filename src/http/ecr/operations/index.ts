import type { Operation } from '../operation.js';
import { authorizationOperations } from './authorization.js';
import { imageOperations } from './images.js';
import { layerOperations } from './layers.js';
import { lifecycleOperations } from './lifecycle.js';
import { policyOperations } from './policies.js';
import { registryOperations } from './registry.js';
import { repositoryOperations } from './repositories.js';
import { resourceTagOperations } from './resource-tags.js';
import { scanningOperations } from './scanning.js';

/** Every control-plane operation Stowage answers, by its name in the service model. */
export const ECR_OPERATIONS: Record<string, Operation> = {
  ...authorizationOperations,
  ...repositoryOperations,
  ...imageOperations,
  ...layerOperations,
  ...policyOperations,
  ...lifecycleOperations,
  ...resourceTagOperations,
  ...registryOperations,
  ...scanningOperations,
};
