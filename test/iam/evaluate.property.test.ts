import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RequestContextValues, RequestPrincipal } from '../../src/iam/context.js';
import { evaluate, type ApplicablePolicies, type Decision, type Policy } from '../../src/iam/evaluate.js';
import { parsePolicyDocument, type PolicyKind } from '../../src/iam/policy-document.js';

/**
 * Properties of the decision that hold for any policies: they compare the evaluator with
 * itself under transformations (adding, removing, reordering statements), so they need
 * no hand-computed answers.
 */

const HOME = '111111111111';
const OTHER = '222222222222';
const repository = (name: string, account = HOME) => `arn:aws:ecr:us-east-1:${account}:repository/${name}`;
const userArn = (name: string, account: string) => `arn:aws:iam::${account}:user/${name}`;

const ACTIONS = ['ecr:BatchGetImage', 'ecr:PutImage', 'ecr:DeleteRepository', 'ecr:ListImages'];
const ACTION_PATTERNS = [...ACTIONS, 'ecr:*', '*', 'ecr:Batch*', 'ecr:?utImage', 'ecr:Delete*', 'ECR:PUTIMAGE', 'ecs:*'];
const RESOURCES = [repository('team/app'), repository('team/api'), repository('infra/db'), repository('team/app', OTHER)];
const RESOURCE_PATTERNS = [
  '*',
  `arn:aws:ecr:*:${HOME}:repository/team/*`,
  repository('team/app'),
  'arn:aws:ecr:us-east-1:*:repository/infra/*',
  `arn:aws:ecr:us-east-1:${OTHER}:repository/*`,
];
const PRINCIPALS_IN_POLICIES: unknown[] = ['*', { AWS: HOME }, { AWS: `arn:aws:iam::${OTHER}:root` }, { AWS: userArn('alice', HOME) }, { AWS: userArn('bob', OTHER) }];
const CONDITIONS: unknown[] = [
  { StringEquals: { 'aws:ResourceTag/env': 'prod' } },
  { Bool: { 'aws:SecureTransport': 'true' } },
  { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } },
  { StringNotEquals: { 'aws:username': 'alice' } },
  { 'ForAnyValue:StringLike': { 'aws:TagKeys': 'team*' } },
];

const principals: RequestPrincipal[] = [
  { type: 'User', account: HOME, arn: userArn('alice', HOME) },
  { type: 'User', account: HOME, arn: userArn('carol', HOME) },
  { type: 'User', account: OTHER, arn: userArn('bob', OTHER) },
  { type: 'Account', account: HOME, arn: `arn:aws:iam::${HOME}:root` },
  { type: 'Account', account: OTHER, arn: `arn:aws:iam::${OTHER}:root` },
  { type: 'Anonymous' },
];

type StatementJson = Record<string, unknown>;

function statementArbitrary(kind: PolicyKind, effect?: 'Allow' | 'Deny'): fc.Arbitrary<StatementJson> {
  return fc
    .record({
      effect: effect ? fc.constant(effect) : fc.constantFrom('Allow', 'Deny'),
      notAction: fc.boolean(),
      actions: fc.subarray(ACTION_PATTERNS, { minLength: 1, maxLength: 3 }),
      resource: kind === 'identity' ? fc.constantFrom('Resource', 'NotResource') : fc.constantFrom('Resource', 'NotResource', 'none'),
      resources: fc.subarray(RESOURCE_PATTERNS, { minLength: 1, maxLength: 2 }),
      notPrincipal: fc.boolean(),
      principal: fc.constantFrom(...PRINCIPALS_IN_POLICIES),
      condition: fc.option(fc.constantFrom(...CONDITIONS), { nil: undefined }),
    })
    .map((choice) => {
      const statement: StatementJson = { Effect: choice.effect, [choice.notAction ? 'NotAction' : 'Action']: choice.actions };
      if (choice.resource !== 'none') statement[choice.resource] = choice.resources;
      if (kind !== 'identity') statement[choice.notPrincipal ? 'NotPrincipal' : 'Principal'] = choice.principal;
      if (choice.condition !== undefined) statement.Condition = choice.condition;
      return statement;
    });
}

function toPolicy(kind: PolicyKind, label: string, statements: StatementJson[]): Policy {
  return { label, document: parsePolicyDocument(JSON.stringify({ Version: '2012-10-17', Statement: statements }), kind) };
}

const policyListArbitrary = (kind: 'identity' | 'resource') =>
  fc.array(
    fc.record({
      kind: kind === 'identity' ? fc.constant<PolicyKind>('identity') : fc.constantFrom<PolicyKind>('repository', 'registry'),
      statements: fc.array(fc.constant(null), { minLength: 1, maxLength: 3 }),
    }).chain(({ kind: policyKind, statements }) =>
      fc.tuple(...statements.map(() => statementArbitrary(policyKind))).map((list) => ({ kind: policyKind, statements: list })),
    ),
    { maxLength: 2 },
  );

interface Scenario {
  principal: RequestPrincipal;
  action: string;
  resource: string;
  context: RequestContextValues;
  identity: { kind: PolicyKind; statements: StatementJson[] }[];
  resourcePolicies: { kind: PolicyKind; statements: StatementJson[] }[];
}

const scenarioArbitrary: fc.Arbitrary<Scenario> = fc.record({
  principal: fc.constantFrom(...principals),
  action: fc.constantFrom(...ACTIONS),
  resource: fc.constantFrom(...RESOURCES),
  context: fc.record(
    {
      'aws:ResourceTag/env': fc.constantFrom('prod', 'dev'),
      'aws:SecureTransport': fc.constantFrom('true', 'false'),
      'aws:SourceIp': fc.constantFrom('10.1.2.3', '192.0.2.1'),
      'aws:TagKeys': fc.subarray(['team', 'teamlead', 'cost']),
    },
    { requiredKeys: [] },
  ),
  identity: policyListArbitrary('identity'),
  resourcePolicies: policyListArbitrary('resource'),
});

function policiesOf(identity: Scenario['identity'], resource: Scenario['resourcePolicies']): ApplicablePolicies {
  return {
    identity: identity.map((policy, i) => toPolicy(policy.kind, `identity-${i}`, policy.statements)),
    resource: resource.map((policy, i) => toPolicy(policy.kind, `resource-${i}`, policy.statements)),
  };
}

function decisionOf(scenario: Scenario, identity = scenario.identity, resource = scenario.resourcePolicies): Decision {
  const resourceAccount = scenario.resource.split(':')[4]!;
  return evaluate(
    { principal: scenario.principal, action: scenario.action, resource: scenario.resource, resourceAccount, context: scenario.context },
    policiesOf(identity, resource),
  ).decision;
}

const allowed = (decision: Decision) => decision === 'Allow';

/** Adds a statement to policy `index` of the list (or a new policy when the list is shorter). */
function withStatement<T extends { kind: PolicyKind; statements: StatementJson[] }>(list: T[], index: number, statement: StatementJson, kind: PolicyKind): T[] {
  if (index >= list.length) return [...list, { kind, statements: [statement] } as T];
  return list.map((policy, i) => (i === index ? { ...policy, statements: [...policy.statements, statement] } : policy));
}

/** Every way of removing one statement from the lists, as [identity, resource] pairs. */
function withoutOneStatement(scenario: Scenario, effect: 'Allow' | 'Deny'): [Scenario['identity'], Scenario['resourcePolicies']][] {
  const variants: [Scenario['identity'], Scenario['resourcePolicies']][] = [];
  const drop = (list: Scenario['identity'], p: number, s: number) =>
    list
      .map((policy, i) => (i === p ? { ...policy, statements: policy.statements.filter((_, j) => j !== s) } : policy))
      .filter((policy) => policy.statements.length > 0);
  scenario.identity.forEach((policy, p) =>
    policy.statements.forEach((statement, s) => {
      if (statement.Effect === effect) variants.push([drop(scenario.identity, p, s), scenario.resourcePolicies]);
    }),
  );
  scenario.resourcePolicies.forEach((policy, p) =>
    policy.statements.forEach((statement, s) => {
      if (statement.Effect === effect) variants.push([scenario.identity, drop(scenario.resourcePolicies, p, s)]);
    }),
  );
  return variants;
}

const runs = { numRuns: 400 };

describe('decision properties', () => {
  it('adding a Deny statement never turns a denial into an Allow', () => {
    fc.assert(
      fc.property(scenarioArbitrary, fc.boolean(), fc.nat(2), statementArbitrary('identity', 'Deny'), statementArbitrary('repository', 'Deny'), (scenario, toIdentity, index, identityDeny, resourceDeny) => {
        const before = decisionOf(scenario);
        const after = toIdentity
          ? decisionOf(scenario, withStatement(scenario.identity, index, identityDeny, 'identity'))
          : decisionOf(scenario, scenario.identity, withStatement(scenario.resourcePolicies, index, resourceDeny, 'repository'));
        if (!allowed(before)) expect(allowed(after)).toBe(false);
        if (before === 'ExplicitDeny') expect(after).toBe('ExplicitDeny');
      }),
      runs,
    );
  });

  it('a Deny that matches the request always wins', () => {
    const denyEverythingIdentity = { Effect: 'Deny', Action: '*', Resource: '*' };
    const denyEverythingResource = { Effect: 'Deny', Principal: '*', Action: '*' };
    fc.assert(
      fc.property(scenarioArbitrary, fc.nat(2), (scenario, index) => {
        expect(decisionOf(scenario, withStatement(scenario.identity, index, denyEverythingIdentity, 'identity'))).toBe('ExplicitDeny');
        expect(decisionOf(scenario, scenario.identity, withStatement(scenario.resourcePolicies, index, denyEverythingResource, 'registry'))).toBe(
          'ExplicitDeny',
        );
      }),
      runs,
    );
  });

  it('an explicit Deny is decided by the Deny statements alone', () => {
    fc.assert(
      fc.property(scenarioArbitrary, (scenario) => {
        const onlyDenies = <T extends { kind: PolicyKind; statements: StatementJson[] }>(list: T[]) =>
          list.map((policy) => ({ ...policy, statements: policy.statements.filter((statement) => statement.Effect === 'Deny') })).filter((policy) => policy.statements.length > 0);
        const full = decisionOf(scenario);
        const denies = decisionOf(scenario, onlyDenies(scenario.identity), onlyDenies(scenario.resourcePolicies));
        expect(full === 'ExplicitDeny').toBe(denies === 'ExplicitDeny');
      }),
      runs,
    );
  });

  it('removing an Allow statement never turns a denial into an Allow; removing a Deny never turns an Allow into a denial', () => {
    fc.assert(
      fc.property(scenarioArbitrary, (scenario) => {
        const before = decisionOf(scenario);
        for (const [identity, resource] of withoutOneStatement(scenario, 'Allow')) {
          const after = decisionOf(scenario, identity, resource);
          if (!allowed(before)) expect(allowed(after)).toBe(false);
        }
        for (const [identity, resource] of withoutOneStatement(scenario, 'Deny')) {
          const after = decisionOf(scenario, identity, resource);
          if (allowed(before)) expect(allowed(after)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('adding an Allow statement never turns an Allow into a denial, nor removes an explicit Deny', () => {
    fc.assert(
      fc.property(scenarioArbitrary, fc.boolean(), fc.nat(2), statementArbitrary('identity', 'Allow'), statementArbitrary('registry', 'Allow'), (scenario, toIdentity, index, identityAllow, resourceAllow) => {
        const before = decisionOf(scenario);
        const after = toIdentity
          ? decisionOf(scenario, withStatement(scenario.identity, index, identityAllow, 'identity'))
          : decisionOf(scenario, scenario.identity, withStatement(scenario.resourcePolicies, index, resourceAllow, 'registry'));
        if (allowed(before)) expect(after).toBe('Allow');
        if (before === 'ExplicitDeny') expect(after).toBe('ExplicitDeny');
      }),
      runs,
    );
  });

  it('the order of statements and of policies does not matter', () => {
    fc.assert(
      fc.property(scenarioArbitrary, fc.integer(), (scenario, seed) => {
        const resourceAccount = scenario.resource.split(':')[4]!;
        const request = { principal: scenario.principal, action: scenario.action, resource: scenario.resource, resourceAccount, context: scenario.context };
        const policies = policiesOf(scenario.identity, scenario.resourcePolicies);
        const random = mulberry32(seed);
        const shuffled: ApplicablePolicies = {
          identity: shuffle(
            policies.identity!.map((policy) => ({ ...policy, document: { ...policy.document, statements: shuffle(policy.document.statements, random) } })),
            random,
          ),
          resource: shuffle(
            policies.resource!.map((policy) => ({ ...policy, document: { ...policy.document, statements: shuffle(policy.document.statements, random) } })),
            random,
          ),
        };
        const original = evaluate(request, policies);
        const reordered = evaluate(request, shuffled);
        expect(reordered.decision).toBe(original.decision);
        const key = (reason: { policy: string; index: number; effect: string }) => `${reason.policy}#${reason.index}:${reason.effect}`;
        expect(reordered.reasons.map(key).sort()).toEqual(original.reasons.map(key).sort());
      }),
      runs,
    );
  });

  it('an identity Allow of "*" on "*" allows a same-account user everything not explicitly denied', () => {
    const allowAll = { Effect: 'Allow', Action: '*', Resource: '*' };
    const sameAccountUsers = principals.filter((principal) => principal.type === 'User' && principal.account === HOME);
    fc.assert(
      fc.property(scenarioArbitrary, fc.constantFrom(...sameAccountUsers), fc.constantFrom(...RESOURCES.slice(0, 3)), fc.nat(2), (base, principal, resource, index) => {
        const scenario = { ...base, principal, resource };
        const before = decisionOf(scenario);
        const after = decisionOf(scenario, withStatement(scenario.identity, index, allowAll, 'identity'));
        expect(after).toBe(before === 'ExplicitDeny' ? 'ExplicitDeny' : 'Allow');
      }),
      runs,
    );
  });

  it('NotAction applies exactly where Action does not', () => {
    fc.assert(
      fc.property(fc.subarray(ACTION_PATTERNS, { minLength: 1 }), fc.constantFrom(...ACTIONS), (patterns, action) => {
        const scenario: Scenario = {
          principal: principals[0]!,
          action,
          resource: RESOURCES[0]!,
          context: {},
          identity: [],
          resourcePolicies: [],
        };
        const withAction = decisionOf(scenario, [{ kind: 'identity', statements: [{ Effect: 'Allow', Action: patterns, Resource: '*' }] }]);
        const withNotAction = decisionOf(scenario, [{ kind: 'identity', statements: [{ Effect: 'Allow', NotAction: patterns, Resource: '*' }] }]);
        expect(allowed(withAction)).toBe(!allowed(withNotAction));
      }),
    );
  });

  it('across accounts, an Allow needs the identity side and the resource side each to allow', () => {
    const allowAllIdentity = { kind: 'identity' as PolicyKind, statements: [{ Effect: 'Allow', Action: '*', Resource: '*' }] };
    const allowAllResource = { kind: 'repository' as PolicyKind, statements: [{ Effect: 'Allow', Principal: '*', Action: '*' }] };
    const otherUser = principals.find((principal) => principal.type === 'User' && principal.account === OTHER)!;
    fc.assert(
      fc.property(scenarioArbitrary, fc.constantFrom(...RESOURCES.slice(0, 3)), (base, resource) => {
        const scenario = { ...base, principal: otherUser, resource };
        const both = decisionOf(scenario);
        const identitySide = decisionOf(scenario, scenario.identity, [...scenario.resourcePolicies, allowAllResource]);
        const resourceSide = decisionOf(scenario, [...scenario.identity, allowAllIdentity], scenario.resourcePolicies);
        expect(allowed(both)).toBe(allowed(identitySide) && allowed(resourceSide));
        if (allowed(both)) {
          expect(allowed(decisionOf(scenario, scenario.identity, []))).toBe(false);
          expect(allowed(decisionOf(scenario, [], scenario.resourcePolicies))).toBe(false);
        }
      }),
      runs,
    );
  });

  it('within an account, an Allow from either side suffices', () => {
    const sameAccountUsers = principals.filter((principal) => principal.type === 'User' && principal.account === HOME);
    fc.assert(
      fc.property(scenarioArbitrary, fc.constantFrom(...sameAccountUsers), fc.constantFrom(...RESOURCES.slice(0, 3)), (base, principal, resource) => {
        const scenario = { ...base, principal, resource };
        const both = decisionOf(scenario);
        const identityOnly = decisionOf(scenario, scenario.identity, []);
        const resourceOnly = decisionOf(scenario, [], scenario.resourcePolicies);
        expect(allowed(both)).toBe(both !== 'ExplicitDeny' && (allowed(identityOnly) || allowed(resourceOnly)));
      }),
      runs,
    );
  });

  it('explanations name the decision and every deciding statement', () => {
    fc.assert(
      fc.property(scenarioArbitrary, (scenario) => {
        const resourceAccount = scenario.resource.split(':')[4]!;
        const result = evaluate(
          { principal: scenario.principal, action: scenario.action, resource: scenario.resource, resourceAccount, context: scenario.context },
          policiesOf(scenario.identity, scenario.resourcePolicies),
        );
        const text = result.explain();
        expect(text.startsWith(`${result.decision}:`)).toBe(true);
        for (const reason of result.reasons) expect(text).toContain(`policy "${reason.policy}" statement #${reason.index}`);
      }),
      runs,
    );
  });
});

function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(list: readonly T[], random: () => number): T[] {
  const copy = [...list];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}
