import type { Operation } from '../operation.js';
import { repositoryOperations } from './repositories.js';

/** Every control-plane operation Stowage answers, by its name in the service model. */
export const ECR_OPERATIONS: Record<string, Operation> = {
  ...repositoryOperations,
};
