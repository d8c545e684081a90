import { matchesResourcePattern } from './arn.js';
import { evaluateCondition } from './conditions.js';
import type { RequestContext, RequestPrincipal } from './context.js';
import type { PolicyDocument, PolicyStatement } from './policy-document.js';
import { substitutePolicyVariables } from './policy-variables.js';
import { describePrincipalElement, matchPrincipal } from './principals.js';
import { matchesWildcard } from './wildcard.js';

/** What one statement is asked about: a principal doing an action on a resource. */
export interface StatementQuery {
  readonly principal: RequestPrincipal;
  readonly action: string;
  readonly resource: string;
  readonly context: RequestContext;
}

export type Applicability =
  | {
      readonly applies: true;
      /** Resource policies only: whether the principal was named itself or only through its account. */
      readonly principalMatch?: 'named' | 'account';
    }
  | { readonly applies: false; readonly stage: 'action' | 'principal' | 'resource' | 'condition'; readonly why: string };

/**
 * Whether a statement applies to a request: its action, principal (resource policies),
 * resource and every condition must match. A policy variable with no value in the request
 * makes the statement not apply (IAM: an unresolvable variable "might cause the entire
 * statement to be invalid").
 */
export function statementApplies(statement: PolicyStatement, document: PolicyDocument, query: StatementQuery): Applicability {
  const actionMatches = statement.action.patterns.some((pattern) => matchesWildcard(pattern, query.action, { ignoreCase: true }));
  if (actionMatches === statement.action.negated) {
    const list = JSON.stringify(statement.action.patterns);
    return notApplicable('action', statement.action.negated ? `${query.action} is excluded by NotAction ${list}` : `${query.action} is not in Action ${list}`);
  }

  let principalMatch: 'named' | 'account' | undefined;
  if (statement.principal !== undefined) {
    const match = matchPrincipal(statement.principal.principals, query.principal);
    const who = query.principal.arn ?? `an ${query.principal.type.toLowerCase()} principal`;
    const listed = describePrincipalElement(statement.principal.principals);
    if (statement.principal.negated) {
      if (match.kind !== 'none') return notApplicable('principal', `${who} is excluded by NotPrincipal (${listed})`);
      principalMatch = 'named';
    } else {
      if (match.kind === 'none') return notApplicable('principal', `${who} is not named by Principal (${listed})`);
      principalMatch = match.kind;
    }
  }

  const variablesEnabled = document.version === '2012-10-17';
  if (statement.resource !== undefined) {
    let resourceMatches = false;
    for (const pattern of statement.resource.patterns) {
      const substitution = substitutePolicyVariables(pattern, query.context.variable, variablesEnabled);
      if (!substitution.ok) return unresolved(substitution.missingKey);
      if (matchesResourcePattern(substitution.pieces, query.resource)) resourceMatches = true;
    }
    if (resourceMatches === statement.resource.negated) {
      const list = JSON.stringify(statement.resource.patterns);
      return notApplicable(
        'resource',
        statement.resource.negated ? `${query.resource} is excluded by NotResource ${list}` : `${query.resource} does not match Resource ${list}`,
      );
    }
  }

  for (const clause of statement.conditions) {
    const outcome = evaluateCondition(clause, query.context, variablesEnabled);
    if (outcome.kind === 'unresolved') return unresolved(outcome.missingKey);
    if (outcome.kind === 'not-met') return notApplicable('condition', `condition ${outcome.why}`);
  }
  return principalMatch === undefined ? { applies: true } : { applies: true, principalMatch };
}

function notApplicable(stage: 'action' | 'principal' | 'resource' | 'condition', why: string): Applicability {
  return { applies: false, stage, why };
}

function unresolved(key: string): Applicability {
  return notApplicable('condition', `policy variable \${${key}} has no value in this request`);
}
