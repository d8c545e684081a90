import { RequestContext, type RequestContextValues, type RequestPrincipal } from './context.js';
import { explainEvaluation } from './explain.js';
import type { Effect, PolicyDocument, PolicyKind } from './policy-document.js';
import { statementApplies } from './statements.js';

/**
 * The authorization decision, as AWS makes it for one account's resources ("Policy
 * evaluation logic" and "Cross-account policy evaluation logic" in the IAM User Guide):
 *
 * 1. Everything is denied by default.
 * 2. A Deny statement that applies, in any policy, denies: nothing overrides it.
 * 3. Same account (the principal's account owns the resource): an Allow from either an
 *    identity policy or a resource policy suffices. A resource policy that names only the
 *    principal's account (`123456789012` or `arn:aws:iam::123456789012:root`) delegates to
 *    the account, so it does not by itself allow: an identity policy must.
 * 4. Another account: an identity policy of the principal AND a resource policy of the
 *    resource must both allow.
 * 5. The root user of an account (`aws:PrincipalType` `Account`) needs no identity policy:
 *    it may do everything its own account may, so within its account it is allowed unless
 *    denied, and across accounts only the resource policy must allow.
 * 6. Anonymous and service principals have no identity policies: a resource policy must
 *    allow them by name (or `"*"`).
 *
 * ECR's registry policy and a repository's policy are both resource policies of the
 * repository: pass both in `resource`.
 */

export interface Policy {
  /** How explanations name the policy, e.g. the user policy's name or `team/app`. */
  readonly label: string;
  readonly document: PolicyDocument;
}

export interface ApplicablePolicies {
  /** Policies attached to the principal (and its groups). */
  readonly identity?: readonly Policy[];
  /** The repository policy and the registry policy of the resource's registry. */
  readonly resource?: readonly Policy[];
}

export interface AuthorizationRequest {
  readonly principal: RequestPrincipal;
  /** e.g. `ecr:BatchGetImage`; compared case-insensitively. */
  readonly action: string;
  /** e.g. `arn:aws:ecr:us-east-1:123456789012:repository/team/app`. */
  readonly resource: string;
  /** The account that owns the resource. */
  readonly resourceAccount: string;
  /** Condition keys of the request: `aws:SourceIp`, `aws:SecureTransport`, `aws:ResourceTag/<key>`, `aws:TagKeys`, … */
  readonly context?: RequestContextValues;
  /** The time for `aws:CurrentTime` and `aws:EpochTime` when the context does not give them. */
  readonly now?: Date;
}

export type Decision = 'Allow' | 'ExplicitDeny' | 'ImplicitDeny';
export type PolicySource = 'identity' | 'resource';

export interface StatementReference {
  readonly source: PolicySource;
  readonly kind: PolicyKind;
  /** The policy's label. */
  readonly policy: string;
  /** The statement's Sid, or its position (from 0) when it has none. */
  readonly statement: string | number;
  readonly index: number;
  readonly effect: Effect;
}

export interface ApplyingStatement extends StatementReference {
  /** Resource policies: named the principal itself, or only its account. */
  readonly principalMatch?: 'named' | 'account';
}

export interface SkippedStatement extends StatementReference {
  /** Why a statement about this action did not apply. */
  readonly why: string;
}

/** What a denial by default was missing. */
export type MissingAllow =
  /** Same account: neither an identity policy nor a resource policy naming the principal allows. */
  | 'identity-or-resource'
  /** Cross-account: the principal's identity policies do not allow. */
  | 'identity'
  /** Cross-account: no resource policy allows the principal or its account. */
  | 'resource'
  | 'identity-and-resource'
  /** Anonymous or service principal: no resource policy allows it by name or "*". */
  | 'resource-naming-principal';

/** The facts of a decision; `explain()` tells them in words. */
export interface EvaluationFacts {
  readonly decision: Decision;
  /** Every applying Deny; or the Allows that granted; or, when denied by default, the Allows that were not enough. */
  readonly reasons: readonly ApplyingStatement[];
  /** Statements that cover the action but did not apply, with the reason. */
  readonly skipped: readonly SkippedStatement[];
  readonly missing?: MissingAllow;
  readonly crossAccount: boolean;
  /** The principal is an account's root user, allowed without identity policies. */
  readonly rootUser: boolean;
  readonly request: AuthorizationRequest;
  readonly resourcePolicyKinds: readonly PolicyKind[];
}

export interface EvaluationResult extends EvaluationFacts {
  /** A human-readable account of the decision: which statements allowed or denied, and why. */
  explain(): string;
}

export function evaluate(request: AuthorizationRequest, policies: ApplicablePolicies): EvaluationResult {
  const context = RequestContext.forRequest(request.principal, request.resourceAccount, request.context, request.now);
  const query = { principal: request.principal, action: request.action, resource: request.resource, context };
  const applying: ApplyingStatement[] = [];
  const skipped: SkippedStatement[] = [];
  const sources: [PolicySource, readonly Policy[]][] = [
    ['identity', policies.identity ?? []],
    ['resource', policies.resource ?? []],
  ];
  for (const [source, list] of sources) {
    for (const policy of list) {
      for (const statement of policy.document.statements) {
        const reference: StatementReference = {
          source,
          kind: policy.document.kind,
          policy: policy.label,
          statement: statement.sid ? statement.sid : statement.index,
          index: statement.index,
          effect: statement.effect,
        };
        const applicability = statementApplies(statement, policy.document, query);
        if (applicability.applies) {
          applying.push(applicability.principalMatch ? { ...reference, principalMatch: applicability.principalMatch } : reference);
        } else if (applicability.stage !== 'action') {
          skipped.push({ ...reference, why: applicability.why });
        }
      }
    }
  }
  const facts: EvaluationFacts = {
    ...decide(request.principal, request.resourceAccount, applying),
    skipped,
    crossAccount: request.principal.account !== undefined && request.principal.account !== request.resourceAccount,
    rootUser: isRootUser(request.principal),
    request,
    resourcePolicyKinds: [...new Set((policies.resource ?? []).map((policy) => policy.document.kind))],
  };
  return { ...facts, explain: () => explainEvaluation(facts) };
}

function isRootUser(principal: RequestPrincipal): boolean {
  return principal.type === 'Account' && principal.account !== undefined;
}

function decide(
  principal: RequestPrincipal,
  resourceAccount: string,
  applying: readonly ApplyingStatement[],
): Pick<EvaluationFacts, 'decision' | 'reasons' | 'missing'> {
  const denies = applying.filter((statement) => statement.effect === 'Deny');
  if (denies.length > 0) return { decision: 'ExplicitDeny', reasons: denies };

  const allows = applying.filter((statement) => statement.effect === 'Allow');
  const hasIdentity = principal.type !== 'Anonymous' && principal.type !== 'Service' && principal.account !== undefined;
  const identityAllows = hasIdentity ? allows.filter((statement) => statement.source === 'identity') : [];
  const resourceAllows = allows.filter((statement) => statement.source === 'resource');
  const resourceAllowsByName = resourceAllows.filter((statement) => statement.principalMatch === 'named');
  const identitySideAllows = isRootUser(principal) || identityAllows.length > 0;
  const allow = (reasons: readonly ApplyingStatement[]) => ({ decision: 'Allow' as const, reasons });
  const implicitDeny = (missing: MissingAllow) => ({ decision: 'ImplicitDeny' as const, reasons: allows, missing });

  if (!hasIdentity) {
    return resourceAllowsByName.length > 0 ? allow(resourceAllowsByName) : implicitDeny('resource-naming-principal');
  }
  if (principal.account === resourceAccount) {
    return identitySideAllows || resourceAllowsByName.length > 0
      ? allow([...identityAllows, ...resourceAllowsByName])
      : implicitDeny('identity-or-resource');
  }
  if (identitySideAllows && resourceAllows.length > 0) return allow([...identityAllows, ...resourceAllows]);
  if (identitySideAllows) return implicitDeny('resource');
  return implicitDeny(resourceAllows.length > 0 ? 'identity' : 'identity-and-resource');
}
