import { matchesArnCondition } from './arn.js';
import { ipInRange, parseBool, parseDate, parseIpRange, parseNumber } from './condition-values.js';
import { substitutePolicyVariables, substitutedText, type VariableLookup } from './policy-variables.js';
import { didYouMean } from './suggest.js';
import { matchElements, patternElements, type PatternPiece } from './wildcard.js';

/**
 * Condition operators, with the semantics the IAM User Guide documents ("IAM JSON policy
 * elements: Condition operators", "Conditions with multiple context keys or values",
 * "Single-valued vs. multivalued context keys"):
 *
 * - Several values for one key: any of them may match (OR); for a negated operator
 *   (`StringNotEquals`, `ArnNotLike`, `NotIpAddress`, …) none may match (NOR).
 * - A key missing from the request: a positive operator is false, a negated one true;
 *   `…IfExists` makes it true; `Null` tests exactly this (`"true"`: the key is missing).
 * - `ForAllValues:` — every request value must satisfy the operator; true when the key is
 *   missing or has no values. `ForAnyValue:` — at least one must; false when missing.
 * - Key names are case-insensitive; values compare case-sensitively unless the operator
 *   says otherwise (`…IgnoreCase`, `Bool`).
 */

export const CONDITION_OPERATORS = [
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'NumericEquals',
  'NumericNotEquals',
  'NumericLessThan',
  'NumericLessThanEquals',
  'NumericGreaterThan',
  'NumericGreaterThanEquals',
  'DateEquals',
  'DateNotEquals',
  'DateLessThan',
  'DateLessThanEquals',
  'DateGreaterThan',
  'DateGreaterThanEquals',
  'Bool',
  'BinaryEquals',
  'IpAddress',
  'NotIpAddress',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
  'Null',
] as const;

export type ConditionOperator = (typeof CONDITION_OPERATORS)[number];
export type SetOperator = 'ForAllValues' | 'ForAnyValue';

/** One key tested by one operator: the unit the Condition block ANDs together. */
export interface ConditionClause {
  /** The operator as written, e.g. `ForAnyValue:StringLikeIfExists`. */
  readonly operatorName: string;
  readonly operator: ConditionOperator;
  readonly setOperator?: SetOperator;
  readonly ifExists: boolean;
  /** The key as written; lookups ignore case. */
  readonly key: string;
  readonly values: readonly string[];
}

type Family = 'String' | 'Numeric' | 'Date' | 'Bool' | 'Binary' | 'IpAddress' | 'Arn' | 'Null';

interface OperatorDefinition {
  readonly family: Family;
  readonly negated: boolean;
  /** Whether `request` satisfies the positive form against one policy value; undefined when the request value does not read as the operator's type. */
  readonly test: (request: string, policy: readonly PatternPiece[]) => boolean | undefined;
}

const text = (pieces: readonly PatternPiece[]) => substitutedText(pieces);

const stringEquals = (request: string, policy: readonly PatternPiece[]) => request === text(policy);
const stringEqualsIgnoreCase = (request: string, policy: readonly PatternPiece[]) =>
  request.toLowerCase() === text(policy).toLowerCase();
const stringLike = (request: string, policy: readonly PatternPiece[]) => matchElements(patternElements(policy), request);
const arnLike = (request: string, policy: readonly PatternPiece[]) => matchesArnCondition(policy, request);

function numeric(compare: (request: number, policy: number) => boolean) {
  return (request: string, policy: readonly PatternPiece[]) => {
    const requestNumber = parseNumber(request);
    const policyNumber = parseNumber(text(policy));
    return requestNumber === undefined || policyNumber === undefined ? undefined : compare(requestNumber, policyNumber);
  };
}

function date(compare: (request: number, policy: number) => boolean) {
  return (request: string, policy: readonly PatternPiece[]) => {
    const requestDate = parseDate(request);
    const policyDate = parseDate(text(policy));
    return requestDate === undefined || policyDate === undefined ? undefined : compare(requestDate, policyDate);
  };
}

const equal = (a: number, b: number) => a === b;
const less = (a: number, b: number) => a < b;
const lessOrEqual = (a: number, b: number) => a <= b;
const greater = (a: number, b: number) => a > b;
const greaterOrEqual = (a: number, b: number) => a >= b;

const bool = (request: string, policy: readonly PatternPiece[]) => {
  const requestValue = parseBool(request);
  return requestValue === undefined ? undefined : requestValue === parseBool(text(policy));
};

const ipAddress = (request: string, policy: readonly PatternPiece[]) => {
  const range = parseIpRange(text(policy));
  return range !== undefined && ipInRange(range, request);
};

const never = () => false;

const OPERATORS: Record<ConditionOperator, OperatorDefinition> = {
  StringEquals: { family: 'String', negated: false, test: stringEquals },
  StringNotEquals: { family: 'String', negated: true, test: stringEquals },
  StringEqualsIgnoreCase: { family: 'String', negated: false, test: stringEqualsIgnoreCase },
  StringNotEqualsIgnoreCase: { family: 'String', negated: true, test: stringEqualsIgnoreCase },
  StringLike: { family: 'String', negated: false, test: stringLike },
  StringNotLike: { family: 'String', negated: true, test: stringLike },
  NumericEquals: { family: 'Numeric', negated: false, test: numeric(equal) },
  NumericNotEquals: { family: 'Numeric', negated: true, test: numeric(equal) },
  NumericLessThan: { family: 'Numeric', negated: false, test: numeric(less) },
  NumericLessThanEquals: { family: 'Numeric', negated: false, test: numeric(lessOrEqual) },
  NumericGreaterThan: { family: 'Numeric', negated: false, test: numeric(greater) },
  NumericGreaterThanEquals: { family: 'Numeric', negated: false, test: numeric(greaterOrEqual) },
  DateEquals: { family: 'Date', negated: false, test: date(equal) },
  DateNotEquals: { family: 'Date', negated: true, test: date(equal) },
  DateLessThan: { family: 'Date', negated: false, test: date(less) },
  DateLessThanEquals: { family: 'Date', negated: false, test: date(lessOrEqual) },
  DateGreaterThan: { family: 'Date', negated: false, test: date(greater) },
  DateGreaterThanEquals: { family: 'Date', negated: false, test: date(greaterOrEqual) },
  Bool: { family: 'Bool', negated: false, test: bool },
  BinaryEquals: { family: 'Binary', negated: false, test: stringEquals },
  IpAddress: { family: 'IpAddress', negated: false, test: ipAddress },
  NotIpAddress: { family: 'IpAddress', negated: true, test: ipAddress },
  ArnEquals: { family: 'Arn', negated: false, test: arnLike },
  ArnLike: { family: 'Arn', negated: false, test: arnLike },
  ArnNotEquals: { family: 'Arn', negated: true, test: arnLike },
  ArnNotLike: { family: 'Arn', negated: true, test: arnLike },
  Null: { family: 'Null', negated: false, test: never },
};

/** Families whose values may contain policy variables (IAM documents them for string, ARN and Bool operators). */
const VARIABLE_FAMILIES: ReadonlySet<Family> = new Set(['String', 'Arn', 'Bool']);

const SET_PREFIXES: readonly SetOperator[] = ['ForAllValues', 'ForAnyValue'];
const IF_EXISTS = 'IfExists';

export interface ParsedOperatorName {
  readonly operator: ConditionOperator;
  readonly setOperator?: SetOperator;
  readonly ifExists: boolean;
}

/** Splits `ForAnyValue:StringLikeIfExists` into its parts; a string saying what is wrong when it is not an operator. */
export function parseOperatorName(name: string): ParsedOperatorName | string {
  let rest = name;
  let setOperator: SetOperator | undefined;
  const colon = rest.indexOf(':');
  if (colon >= 0) {
    const prefix = rest.slice(0, colon);
    if (!SET_PREFIXES.includes(prefix as SetOperator)) {
      return `unknown condition set operator "${prefix}" in "${name}" (expected ForAllValues or ForAnyValue)${didYouMean(prefix, SET_PREFIXES)}`;
    }
    setOperator = prefix as SetOperator;
    rest = rest.slice(colon + 1);
  }
  let ifExists = false;
  if (rest.endsWith(IF_EXISTS) && rest !== IF_EXISTS) {
    ifExists = true;
    rest = rest.slice(0, -IF_EXISTS.length);
  }
  if (!CONDITION_OPERATORS.includes(rest as ConditionOperator)) {
    return `unknown condition operator "${name}"${didYouMean(rest, CONDITION_OPERATORS)}`;
  }
  const operator = rest as ConditionOperator;
  if (operator === 'Null' && ifExists) return 'the Null operator cannot take the IfExists suffix';
  if (operator === 'Null' && setOperator) return `the Null operator cannot take the ${setOperator} prefix`;
  return { operator, ...(setOperator ? { setOperator } : {}), ifExists };
}

/** What is wrong with a policy value for this operator, or undefined when it reads. */
export function conditionValueProblem(operator: ConditionOperator, value: string): string | undefined {
  const family = OPERATORS[operator].family;
  const mayBeVariable = VARIABLE_FAMILIES.has(family) && value.includes('${');
  switch (family) {
    case 'Numeric':
      return parseNumber(value) === undefined ? `${JSON.stringify(value)} is not a number` : undefined;
    case 'Date':
      return parseDate(value) === undefined
        ? `${JSON.stringify(value)} is not an ISO 8601 date-time (e.g. "2026-01-31T12:00:00Z") or epoch seconds`
        : undefined;
    case 'IpAddress':
      return parseIpRange(value) === undefined
        ? `${JSON.stringify(value)} is not an IPv4 or IPv6 address or CIDR block (e.g. "203.0.113.0/24")`
        : undefined;
    case 'Bool':
    case 'Null':
      return parseBool(value) === undefined && !mayBeVariable ? `${JSON.stringify(value)} must be "true" or "false"` : undefined;
    default:
      return undefined;
  }
}

/** The request context as conditions see it. */
export interface ConditionContext {
  /** All values of a key (case-insensitive); undefined when the request does not have it. */
  values(key: string): readonly string[] | undefined;
  /** The value of a single-valued key, for policy variables. */
  readonly variable: VariableLookup;
}

export type ConditionOutcome =
  | { readonly kind: 'met' }
  | { readonly kind: 'not-met'; readonly why: string }
  /** A policy variable in the values has no value in this request. */
  | { readonly kind: 'unresolved'; readonly missingKey: string };

const MET: ConditionOutcome = { kind: 'met' };

export function evaluateCondition(
  clause: ConditionClause,
  context: ConditionContext,
  variablesEnabled: boolean,
): ConditionOutcome {
  const definition = OPERATORS[clause.operator];
  const policyValues: (readonly PatternPiece[])[] = [];
  for (const value of clause.values) {
    const substitution = substitutePolicyVariables(value, context.variable, variablesEnabled && VARIABLE_FAMILIES.has(definition.family));
    if (!substitution.ok) return { kind: 'unresolved', missingKey: substitution.missingKey };
    policyValues.push(substitution.pieces);
  }
  const requestValues = context.values(clause.key) ?? [];
  const present = requestValues.length > 0;
  const label = `${clause.operatorName} ${clause.key}`;
  const notMet = (why: string): ConditionOutcome => ({ kind: 'not-met', why: `${label}: ${why}` });

  if (clause.operator === 'Null') {
    const wanted = policyValues.map((pieces) => parseBool(text(pieces)) === 'true');
    return wanted.includes(!present) ? MET : notMet(present ? 'the key is present in the request' : 'the key is missing from the request');
  }
  if (!present) {
    if (clause.setOperator === 'ForAllValues' || clause.ifExists) return MET;
    if (clause.setOperator === undefined && definition.negated) return MET;
    return notMet('the key is missing from the request');
  }

  const satisfies = (requestValue: string): boolean => {
    let matchesAny = false;
    for (const policyValue of policyValues) {
      const result = definition.test(requestValue, policyValue);
      if (result === undefined) return false; // the request value is not of the operator's type
      if (result) matchesAny = true;
    }
    return definition.negated ? !matchesAny : matchesAny;
  };
  const met =
    clause.setOperator === 'ForAnyValue' || (clause.setOperator === undefined && !definition.negated)
      ? requestValues.some(satisfies)
      : requestValues.every(satisfies);
  if (met) return MET;
  const shown = requestValues.length === 1 ? JSON.stringify(requestValues[0]) : JSON.stringify(requestValues);
  return notMet(`request value ${shown} does not satisfy ${JSON.stringify(clause.values)}`);
}
