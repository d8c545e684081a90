import type { Operation } from '../operation.js';
import { authorizationOperations } from './authorization.js';
import { repositoryOperations } from './repositories.js';

/** Every control-plane operation Stowage answers, by its name in the service model. */
export const ECR_OPERATIONS: Record<string, Operation> = {
  ...authorizationOperations,
  ...repositoryOperations,
};
