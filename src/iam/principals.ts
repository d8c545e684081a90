import type { RequestPrincipal } from './context.js';
import { PolicyValidationError } from './errors.js';
import { didYouMean } from './suggest.js';

/**
 * The `Principal`/`NotPrincipal` element of a resource policy: `"*"` (everyone, anonymous
 * included) or a map from principal kind to one or more names.
 */
export interface PrincipalElement {
  /** `"*"` or `{"AWS": "*"}`. */
  readonly everyone: boolean;
  /** Account ids, `arn:aws:iam::<account>:root`, user, role and session ARNs. */
  readonly aws: readonly string[];
  readonly service: readonly string[];
  readonly federated: readonly string[];
  readonly canonicalUser: readonly string[];
}

const KINDS = { AWS: 'aws', Service: 'service', Federated: 'federated', CanonicalUser: 'canonicalUser' } as const;
type Kind = keyof typeof KINDS;

const ACCOUNT_ID = /^\d{12}$/;
const ACCOUNT_ROOT_ARN = /^arn:[a-z][a-z0-9-]*:iam::(\d{12}):root$/;
const IAM_PRINCIPAL_ARN = /^arn:[a-z][a-z0-9-]*:iam::\d{12}:(?:user|role|federated-user)\/[^*?\s]+$/;
const STS_PRINCIPAL_ARN = /^arn:[a-z][a-z0-9-]*:sts::\d{12}:(?:assumed-role\/[^/*?\s]+\/[^*?\s]+|federated-user\/[^*?\s]+)$/;

export function parsePrincipalElement(value: unknown, location: string): PrincipalElement {
  if (value === '*') return { everyone: true, aws: [], service: [], federated: [], canonicalUser: [] };
  if (typeof value === 'string') {
    throw new PolicyValidationError(`must be "*" or an object such as {"AWS": "arn:aws:iam::123456789012:root"}, got ${JSON.stringify(value)}`, location);
  }
  if (!isPlainObject(value)) {
    throw new PolicyValidationError('must be "*" or an object mapping AWS, Service, Federated or CanonicalUser to names', location);
  }
  const lists: Record<(typeof KINDS)[Kind], string[]> = { aws: [], service: [], federated: [], canonicalUser: [] };
  const entries = Object.entries(value);
  if (entries.length === 0) throw new PolicyValidationError('must name at least one principal', location);
  for (const [kind, names] of entries) {
    if (!(kind in KINDS)) {
      throw new PolicyValidationError(
        `unknown principal type "${kind}" (expected AWS, Service, Federated or CanonicalUser)${didYouMean(kind, Object.keys(KINDS))}`,
        location,
      );
    }
    const nameList = typeof names === 'string' ? [names] : names;
    if (!Array.isArray(nameList) || nameList.length === 0 || !nameList.every((name) => typeof name === 'string')) {
      throw new PolicyValidationError(`${kind} must be a string or a non-empty array of strings`, location);
    }
    for (const name of nameList as string[]) {
      const problem = principalNameProblem(kind as Kind, name);
      if (problem) throw new PolicyValidationError(problem, location);
      lists[KINDS[kind as Kind]].push(name);
    }
  }
  return { everyone: lists.aws.includes('*'), ...lists };
}

function principalNameProblem(kind: Kind, name: string): string | undefined {
  if (name.trim() === '') return `${kind} principal must not be empty`;
  if (kind !== 'AWS') return undefined;
  if (name === '*' || ACCOUNT_ID.test(name) || ACCOUNT_ROOT_ARN.test(name)) return undefined;
  if (IAM_PRINCIPAL_ARN.test(name) || STS_PRINCIPAL_ARN.test(name)) return undefined;
  if (name.includes('*') || name.includes('?')) {
    return `invalid AWS principal ${JSON.stringify(name)}: wildcards are only allowed as "*" alone (use a Condition on aws:PrincipalArn with ArnLike instead)`;
  }
  return `invalid AWS principal ${JSON.stringify(name)}: expected "*", a 12-digit account id, arn:aws:iam::<account>:root, or an IAM user, role or session ARN`;
}

/**
 * How a principal element names the requester:
 * - `named`: by itself (its ARN, a role it assumed, a service name, or `"*"`);
 * - `account`: through its account (`123456789012` or `arn:aws:iam::123456789012:root`).
 *   IAM documents that this "delegates authority to the account": an identity policy in
 *   that account must also allow (IAM User Guide, "AWS JSON policy elements: Principal").
 */
export type PrincipalMatch = { readonly kind: 'named' | 'account'; readonly entry: string } | { readonly kind: 'none' };

export function matchPrincipal(element: PrincipalElement, principal: RequestPrincipal): PrincipalMatch {
  if (element.everyone) return { kind: 'named', entry: '*' };
  let accountMatch: PrincipalMatch = { kind: 'none' };
  const hasIdentity = principal.type !== 'Anonymous' && principal.type !== 'Service';
  for (const entry of hasIdentity ? element.aws : []) {
    if (entry === principal.arn || namesAssumedRole(entry, principal)) return { kind: 'named', entry };
    const account = accountOfEntry(entry);
    if (account !== undefined && account === principal.account) accountMatch = { kind: 'account', entry };
  }
  if (principal.type === 'Service' && principal.arn !== undefined) {
    const service = principal.arn.toLowerCase();
    const entry = element.service.find((name) => name.toLowerCase() === service);
    if (entry !== undefined) return { kind: 'named', entry };
  }
  if (principal.type === 'FederatedUser' && principal.arn !== undefined) {
    const entry = element.federated.find((name) => name === principal.arn);
    if (entry !== undefined) return { kind: 'named', entry };
  }
  return accountMatch;
}

function accountOfEntry(entry: string): string | undefined {
  if (ACCOUNT_ID.test(entry)) return entry;
  return ACCOUNT_ROOT_ARN.exec(entry)?.[1];
}

/** `arn:aws:iam::<acct>:role/<path/>R` names the sessions `arn:aws:sts::<acct>:assumed-role/R/<session>`. */
function namesAssumedRole(entry: string, principal: RequestPrincipal): boolean {
  if (principal.type !== 'AssumedRole' || principal.arn === undefined) return false;
  const session = /^arn:([^:]+):sts::(\d{12}):assumed-role\/([^/]+)\/.+$/.exec(principal.arn);
  const role = /^arn:([^:]+):iam::(\d{12}):role\/(?:.*\/)?([^/]+)$/.exec(entry);
  return session !== null && role !== null && session[1] === role[1] && session[2] === role[2] && session[3] === role[3];
}

export function describePrincipalElement(element: PrincipalElement): string {
  if (element.everyone) return '"*"';
  const names = [...element.aws, ...element.service, ...element.federated, ...element.canonicalUser];
  return names.join(', ');
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
