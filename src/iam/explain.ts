import type { ApplyingStatement, EvaluationFacts, StatementReference } from './evaluate.js';
import type { PolicyKind } from './policy-document.js';

/**
 * Tells a decision in words, e.g.
 *
 *     ImplicitDeny: ecr:PutImage on arn:aws:ecr:…:repository/app is not allowed for
 *     arn:aws:iam::111111111111:user/bob (cross-account: a repository policy of account
 *     222222222222 must also allow)
 *       identity policy "push" statement "Push" allows, but on its own that is not enough
 *       not applicable: repository policy "app" statement #0 (Allow): … is not named by Principal (…)
 */
export function explainEvaluation(facts: EvaluationFacts): string {
  const { request } = facts;
  const who = describeRequester(facts);
  const lines: string[] = [];
  switch (facts.decision) {
    case 'Allow':
      lines.push(`Allow: ${who} may perform ${request.action} on ${request.resource}`);
      if (facts.rootUser) {
        lines.push(
          facts.crossAccount
            ? `  ${who} is the root user of account ${request.principal.account}: it needs no identity policy`
            : `  ${who} is the root user of account ${request.principal.account}, which owns the resource: it may do anything not denied`,
        );
      }
      for (const reason of facts.reasons) lines.push(`  allowed by ${describeStatement(reason)}`);
      lines.push(
        facts.crossAccount
          ? '  (cross-account: the principal’s identity policies and a resource policy both allow)'
          : '  (no statement denies it)',
      );
      break;
    case 'ExplicitDeny':
      lines.push(`ExplicitDeny: ${who} may not perform ${request.action} on ${request.resource}: an explicit Deny overrides every Allow`);
      for (const reason of facts.reasons) lines.push(`  denied by ${describeStatement(reason)}`);
      break;
    case 'ImplicitDeny':
      lines.push(
        facts.reasons.length === 0
          ? `ImplicitDeny: no statement allows ${request.action} on ${request.resource} for ${who} (${requirement(facts)})`
          : `ImplicitDeny: ${request.action} on ${request.resource} is not allowed for ${who} (${requirement(facts)})`,
      );
      for (const reason of facts.reasons) lines.push(`  ${describeStatement(reason)} ${whyNotEnough(reason, facts)}`);
      break;
  }
  for (const statement of facts.skipped) {
    lines.push(`  not applicable: ${describeStatement(statement)} (${statement.effect}): ${statement.why}`);
  }
  return lines.join('\n');
}

function describeRequester(facts: EvaluationFacts): string {
  const { principal } = facts.request;
  if (principal.type === 'Anonymous') return 'an anonymous caller';
  return principal.arn ?? `a ${principal.type} principal`;
}

export function describeStatement(reference: StatementReference): string {
  const statement = typeof reference.statement === 'string' ? `statement ${JSON.stringify(reference.statement)}` : `statement #${reference.statement}`;
  return `${reference.kind} policy ${JSON.stringify(reference.policy)} ${statement}`;
}

function resourcePolicyNames(kinds: readonly PolicyKind[]): string {
  const names = kinds.filter((kind) => kind !== 'identity');
  return names.length === 0 ? 'repository or registry policy' : names.map((kind) => `${kind} policy`).join(' or ');
}

function requirement(facts: EvaluationFacts): string {
  const { principal, resourceAccount } = facts.request;
  const resourcePolicy = resourcePolicyNames(facts.resourcePolicyKinds);
  const noResourcePolicy = facts.resourcePolicyKinds.length === 0 ? ', and the resource has none' : '';
  switch (facts.missing) {
    case 'identity-or-resource':
      return 'same account: an identity policy, or a resource policy naming the principal, must allow';
    case 'identity':
      return `cross-account: an identity policy in account ${principal.account} must also allow`;
    case 'resource':
      return `cross-account: a ${resourcePolicy} of account ${resourceAccount} must also allow${noResourcePolicy}`;
    case 'identity-and-resource':
      return `cross-account: an identity policy in account ${principal.account} and a ${resourcePolicy} of account ${resourceAccount} must both allow`;
    case 'resource-naming-principal':
    case undefined:
      return `this principal has no identity policies: a ${resourcePolicy} must allow it by name or "*"${noResourcePolicy}`;
  }
}

function whyNotEnough(reason: ApplyingStatement, facts: EvaluationFacts): string {
  if (reason.source === 'resource' && reason.principalMatch === 'account' && !facts.crossAccount) {
    return 'allows only through the account principal, which leaves the decision to identity policies';
  }
  return 'allows, but on its own that is not enough';
}
