import { conditionValueProblem, parseOperatorName, type ConditionClause } from './conditions.js';
import { PolicyValidationError } from './errors.js';
import { isPlainObject, parsePrincipalElement, type PrincipalElement } from './principals.js';
import { didYouMean } from './suggest.js';

/**
 * The IAM policy language: JSON text in, a typed document out, or a PolicyValidationError
 * that says precisely what is wrong. The grammar is the IAM User Guide's ("IAM JSON policy
 * element reference", "Grammar of the IAM JSON policy language").
 *
 * - `identity` policies are attached to users; they never name a Principal and every
 *   statement needs Resource or NotResource.
 * - `repository` and `registry` policies are ECR's resource policies; every statement names
 *   a Principal or NotPrincipal, and Resource may be left out (it is then the repository,
 *   or every repository of the registry, the policy is attached to).
 */
export type PolicyKind = 'identity' | 'repository' | 'registry';
export type PolicyVersion = '2012-10-17' | '2008-10-17';
export type Effect = 'Allow' | 'Deny';

export const POLICY_VERSIONS: readonly PolicyVersion[] = ['2012-10-17', '2008-10-17'];
/** IAM: "If you do not include a Version element, the value defaults to 2008-10-17". */
export const DEFAULT_POLICY_VERSION: PolicyVersion = '2008-10-17';

/** `Action` (negated: false) or `NotAction` (negated: true). */
export interface ActionElement {
  readonly negated: boolean;
  readonly patterns: readonly string[];
}

/** `Resource` or `NotResource`. */
export interface ResourceElement {
  readonly negated: boolean;
  readonly patterns: readonly string[];
}

/** `Principal` or `NotPrincipal`. */
export interface PrincipalSpecification {
  readonly negated: boolean;
  readonly principals: PrincipalElement;
}

export interface PolicyStatement {
  /** Position in the Statement list, from 0. */
  readonly index: number;
  readonly sid?: string;
  readonly effect: Effect;
  readonly principal?: PrincipalSpecification;
  readonly action: ActionElement;
  /** Absent only in resource policies: the resource the policy is attached to. */
  readonly resource?: ResourceElement;
  /** Every clause must hold (AND). */
  readonly conditions: readonly ConditionClause[];
}

export interface PolicyDocument {
  readonly kind: PolicyKind;
  readonly version: PolicyVersion;
  readonly id?: string;
  readonly statements: readonly PolicyStatement[];
}

const TOP_LEVEL_ELEMENTS = ['Version', 'Id', 'Statement'];
const STATEMENT_ELEMENTS = ['Sid', 'Effect', 'Principal', 'NotPrincipal', 'Action', 'NotAction', 'Resource', 'NotResource', 'Condition'];
const ACTION = /^[A-Za-z0-9.-]+:[^\s:]+$/;
const RESOURCE_ARN = /^arn:[^:\s]+:[^:*?\s]+:/;
const CONDITION_KEY = /^[A-Za-z0-9.-]+:\S+$/;
const IDENTITY_SID = /^[A-Za-z0-9]*$/;

/** Parses and validates policy text, as given to SetRepositoryPolicy, PutRegistryPolicy or an identity policy. */
export function parsePolicyDocument(text: string, kind: PolicyKind): PolicyDocument {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new PolicyValidationError(`policy text is not valid JSON: ${(error as Error).message}`);
  }
  return validatePolicyDocument(value, kind);
}

/** Validates an already parsed JSON value as a policy document. */
export function validatePolicyDocument(value: unknown, kind: PolicyKind): PolicyDocument {
  if (!isPlainObject(value)) throw new PolicyValidationError('policy document must be a JSON object');
  for (const element of Object.keys(value)) {
    if (!TOP_LEVEL_ELEMENTS.includes(element)) {
      throw new PolicyValidationError(
        `unknown top-level element "${element}" (expected Version, Id and Statement)${didYouMean(element, TOP_LEVEL_ELEMENTS)}`,
      );
    }
  }
  const version = parseVersion(value.Version);
  if (value.Id !== undefined && typeof value.Id !== 'string') throw new PolicyValidationError('Id must be a string');
  const statements = parseStatementList(value.Statement, kind);
  return { kind, version, ...(value.Id !== undefined ? { id: value.Id as string } : {}), statements };
}

function parseVersion(version: unknown): PolicyVersion {
  if (version === undefined) return DEFAULT_POLICY_VERSION;
  if (typeof version !== 'string' || !POLICY_VERSIONS.includes(version as PolicyVersion)) {
    throw new PolicyValidationError(`Version must be "2012-10-17" or "2008-10-17", got ${JSON.stringify(version)}`);
  }
  return version as PolicyVersion;
}

function parseStatementList(statement: unknown, kind: PolicyKind): PolicyStatement[] {
  if (statement === undefined) throw new PolicyValidationError('Statement is missing');
  const isList = Array.isArray(statement);
  const list: unknown[] = isList ? statement : [statement];
  if (!isList && !isPlainObject(statement)) {
    throw new PolicyValidationError('Statement must be an object or an array of objects');
  }
  if (list.length === 0) throw new PolicyValidationError('Statement must contain at least one statement');
  const statements = list.map((entry, index) => parseStatement(entry, index, isList ? `Statement[${index}]` : 'Statement', kind));
  const seenSids = new Map<string, number>();
  for (const parsed of statements) {
    if (parsed.sid === undefined || parsed.sid === '') continue;
    const earlier = seenSids.get(parsed.sid);
    if (earlier !== undefined) {
      throw new PolicyValidationError(
        `Sid ${JSON.stringify(parsed.sid)} is already used by Statement[${earlier}]; Sids must be unique within a policy`,
        `Statement[${parsed.index}]`,
      );
    }
    seenSids.set(parsed.sid, parsed.index);
  }
  return statements;
}

function parseStatement(value: unknown, index: number, location: string, kind: PolicyKind): PolicyStatement {
  if (!isPlainObject(value)) throw new PolicyValidationError('must be an object', location);
  for (const element of Object.keys(value)) {
    if (!STATEMENT_ELEMENTS.includes(element)) {
      throw new PolicyValidationError(
        `unknown element "${element}" (expected ${STATEMENT_ELEMENTS.join(', ')})${didYouMean(element, STATEMENT_ELEMENTS)}`,
        location,
      );
    }
  }
  const sid = parseSid(value.Sid, location, kind);
  const effect = parseEffect(value.Effect, location);
  const principal = parsePrincipal(value, location, kind);
  const action = parseAction(value, location);
  const resource = parseResource(value, location, kind);
  const conditions = parseCondition(value.Condition, `${location}.Condition`);
  return {
    index,
    ...(sid !== undefined ? { sid } : {}),
    effect,
    ...(principal ? { principal } : {}),
    action,
    ...(resource ? { resource } : {}),
    conditions,
  };
}

function parseSid(sid: unknown, location: string, kind: PolicyKind): string | undefined {
  if (sid === undefined) return undefined;
  if (typeof sid !== 'string') throw new PolicyValidationError('Sid must be a string', location);
  // IAM only accepts letters and digits in the Sids of identity policies.
  if (kind === 'identity' && !IDENTITY_SID.test(sid)) {
    throw new PolicyValidationError(`Sid ${JSON.stringify(sid)} must contain only letters and digits`, location);
  }
  return sid;
}

function parseEffect(effect: unknown, location: string): Effect {
  if (effect === undefined) throw new PolicyValidationError('Effect is missing (expected "Allow" or "Deny")', location);
  if (effect !== 'Allow' && effect !== 'Deny') {
    throw new PolicyValidationError(`Effect must be "Allow" or "Deny", got ${JSON.stringify(effect)}`, location);
  }
  return effect;
}

/** Exactly one of a pair such as Action/NotAction, or neither; never both. */
function pick(statement: Record<string, unknown>, name: string, location: string): { negated: boolean; value: unknown } | undefined {
  const negatedName = `Not${name}`;
  const plain = statement[name];
  const negated = statement[negatedName];
  if (plain !== undefined && negated !== undefined) {
    throw new PolicyValidationError(`has both ${name} and ${negatedName}; a statement takes one or the other`, location);
  }
  if (plain !== undefined) return { negated: false, value: plain };
  if (negated !== undefined) return { negated: true, value: negated };
  return undefined;
}

function stringList(value: unknown, location: string): string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || !list.every((entry) => typeof entry === 'string')) {
    throw new PolicyValidationError('must be a string or an array of strings', location);
  }
  if (list.length === 0) throw new PolicyValidationError('must not be an empty array', location);
  return list as string[];
}

function parsePrincipal(statement: Record<string, unknown>, location: string, kind: PolicyKind): PrincipalSpecification | undefined {
  const chosen = pick(statement, 'Principal', location);
  if (kind === 'identity') {
    if (chosen) {
      throw new PolicyValidationError(
        `an identity policy must not specify ${chosen.negated ? 'NotPrincipal' : 'Principal'}: it applies to the identity it is attached to`,
        location,
      );
    }
    return undefined;
  }
  if (!chosen) {
    throw new PolicyValidationError(`a ${kind} policy statement must specify Principal or NotPrincipal`, location);
  }
  const elementLocation = `${location}.${chosen.negated ? 'NotPrincipal' : 'Principal'}`;
  return { negated: chosen.negated, principals: parsePrincipalElement(chosen.value, elementLocation) };
}

function parseAction(statement: Record<string, unknown>, location: string): ActionElement {
  const chosen = pick(statement, 'Action', location);
  if (!chosen) throw new PolicyValidationError('must specify Action or NotAction', location);
  const elementLocation = `${location}.${chosen.negated ? 'NotAction' : 'Action'}`;
  const patterns = stringList(chosen.value, elementLocation);
  for (const pattern of patterns) {
    if (pattern !== '*' && !ACTION.test(pattern)) {
      throw new PolicyValidationError(
        `${JSON.stringify(pattern)} is not an action: expected "*" or "<service>:<action>", e.g. "ecr:BatchGetImage" or "ecr:Batch*"`,
        elementLocation,
      );
    }
  }
  return { negated: chosen.negated, patterns };
}

function parseResource(statement: Record<string, unknown>, location: string, kind: PolicyKind): ResourceElement | undefined {
  const chosen = pick(statement, 'Resource', location);
  if (!chosen) {
    if (kind === 'identity') throw new PolicyValidationError('an identity policy statement must specify Resource or NotResource', location);
    return undefined;
  }
  const elementLocation = `${location}.${chosen.negated ? 'NotResource' : 'Resource'}`;
  const patterns = stringList(chosen.value, elementLocation);
  for (const pattern of patterns) {
    if (pattern !== '*' && !RESOURCE_ARN.test(pattern)) {
      throw new PolicyValidationError(
        `${JSON.stringify(pattern)} must be "*" or an ARN such as "arn:aws:ecr:us-east-1:123456789012:repository/team/*" (the service part cannot contain wildcards)`,
        elementLocation,
      );
    }
  }
  return { negated: chosen.negated, patterns };
}

function parseCondition(condition: unknown, location: string): ConditionClause[] {
  if (condition === undefined) return [];
  if (!isPlainObject(condition)) {
    throw new PolicyValidationError('must be an object such as {"StringEquals": {"aws:username": "alice"}}', location);
  }
  const clauses: ConditionClause[] = [];
  for (const [operatorName, keys] of Object.entries(condition)) {
    const parsed = parseOperatorName(operatorName);
    if (typeof parsed === 'string') throw new PolicyValidationError(parsed, location);
    const operatorLocation = `${location}.${operatorName}`;
    if (!isPlainObject(keys)) {
      throw new PolicyValidationError('must be an object mapping condition keys to values', operatorLocation);
    }
    for (const [key, rawValues] of Object.entries(keys)) {
      const keyLocation = `${operatorLocation}[${JSON.stringify(key)}]`;
      if (!CONDITION_KEY.test(key)) {
        throw new PolicyValidationError(
          `condition key ${JSON.stringify(key)} must have a service prefix, e.g. "aws:SourceIp" or "ecr:ResourceTag/team"`,
          operatorLocation,
        );
      }
      const values = conditionValues(rawValues, keyLocation);
      for (const value of values) {
        const problem = conditionValueProblem(parsed.operator, value);
        if (problem) throw new PolicyValidationError(problem, keyLocation);
      }
      clauses.push({ operatorName, ...parsed, key, values });
    }
  }
  return clauses;
}

function conditionValues(value: unknown, location: string): string[] {
  const list = Array.isArray(value) ? value : [value];
  return list.map((entry) => {
    if (typeof entry === 'string') return entry;
    if (typeof entry === 'number' || typeof entry === 'boolean') return String(entry);
    throw new PolicyValidationError('must be a string, number or boolean, or an array of them', location);
  });
}
