/** The IAM policy language and its evaluator: pure, with no HTTP or storage. */
export { formatArn, matchesArnCondition, matchesResourcePattern, parseArn, repositoryArn, type Arn } from './arn.js';
export { CONDITION_OPERATORS, evaluateCondition, parseOperatorName, type ConditionClause, type ConditionOperator, type SetOperator } from './conditions.js';
export { RequestContext, type ContextValue, type PrincipalType, type RequestContextValues, type RequestPrincipal } from './context.js';
export {
  ECR_ACTIONS,
  ECR_API_ACTIONS,
  ECR_PERMISSION_ONLY_ACTIONS,
  actionForOperation,
  canonicalEcrAction,
  type EcrAction,
  type EcrApiAction,
} from './ecr-actions.js';
export { PolicyValidationError, isPolicyValidationError } from './errors.js';
export {
  evaluate,
  type ApplicablePolicies,
  type ApplyingStatement,
  type AuthorizationRequest,
  type Decision,
  type EvaluationFacts,
  type EvaluationResult,
  type MissingAllow,
  type Policy,
  type SkippedStatement,
  type StatementReference,
} from './evaluate.js';
export {
  DEFAULT_POLICY_VERSION,
  POLICY_VERSIONS,
  parsePolicyDocument,
  validatePolicyDocument,
  type ActionElement,
  type Effect,
  type PolicyDocument,
  type PolicyKind,
  type PolicyStatement,
  type PolicyVersion,
  type PrincipalSpecification,
  type ResourceElement,
} from './policy-document.js';
export type { PrincipalElement } from './principals.js';
export { hasWildcard, matchesWildcard } from './wildcard.js';
