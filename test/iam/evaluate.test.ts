import { describe, expect, it } from 'vitest';
import type { RequestContextValues, RequestPrincipal } from '../../src/iam/context.js';
import { evaluate, type ApplicablePolicies, type Policy } from '../../src/iam/evaluate.js';
import { parsePolicyDocument, type PolicyKind } from '../../src/iam/policy-document.js';

const HOME = '111111111111';
const OTHER = '222222222222';

const repository = (name = 'team/app', account = HOME) => `arn:aws:ecr:us-east-1:${account}:repository/${name}`;
const user = (name: string, account = HOME): RequestPrincipal => ({ type: 'User', account, arn: `arn:aws:iam::${account}:user/${name}` });
const rootOf = (account: string): RequestPrincipal => ({ type: 'Account', account, arn: `arn:aws:iam::${account}:root` });
const anonymous: RequestPrincipal = { type: 'Anonymous' };

function policy(kind: PolicyKind, label: string, statements: object[], version = '2012-10-17'): Policy {
  return { label, document: parsePolicyDocument(JSON.stringify({ Version: version, Statement: statements }), kind) };
}
const identityPolicy = (label: string, ...statements: object[]) => policy('identity', label, statements);
const repositoryPolicy = (label: string, ...statements: object[]) => policy('repository', label, statements);
const registryPolicy = (label: string, ...statements: object[]) => policy('registry', label, statements);

interface Ask {
  principal: RequestPrincipal;
  action: string;
  resource?: string;
  resourceAccount?: string;
  context?: RequestContextValues;
  now?: Date;
}

function ask({ principal, action, resource = repository(), resourceAccount = HOME, context, now }: Ask, policies: ApplicablePolicies) {
  return evaluate({ principal, action, resource, resourceAccount, ...(context ? { context } : {}), ...(now ? { now } : {}) }, policies);
}

const allowAllEcr = identityPolicy('ecr-admin', { Sid: 'All', Effect: 'Allow', Action: 'ecr:*', Resource: '*' });
const pullActions = ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer', 'ecr:BatchCheckLayerAvailability'];

describe('default deny and explicit deny', () => {
  it('denies by default', () => {
    const result = ask({ principal: user('alice'), action: 'ecr:BatchGetImage' }, {});
    expect(result.decision).toBe('ImplicitDeny');
    expect(result.reasons).toEqual([]);
    expect(result.explain()).toContain('ImplicitDeny: no statement allows ecr:BatchGetImage on arn:aws:ecr:us-east-1:111111111111:repository/team/app');
  });

  it('allows what an identity policy of the same account allows', () => {
    const result = ask({ principal: user('alice'), action: 'ecr:PutImage' }, { identity: [allowAllEcr] });
    expect(result.decision).toBe('Allow');
    expect(result.reasons).toEqual([
      { source: 'identity', kind: 'identity', policy: 'ecr-admin', statement: 'All', index: 0, effect: 'Allow' },
    ]);
    expect(result.explain()).toContain('allowed by identity policy "ecr-admin" statement "All"');
  });

  it('lets an explicit Deny in any policy override every Allow', () => {
    const denyPush = repositoryPolicy('team/app', { Sid: 'NoPush', Effect: 'Deny', Principal: '*', Action: 'ecr:PutImage' });
    const result = ask({ principal: user('alice'), action: 'ecr:PutImage' }, { identity: [allowAllEcr], resource: [denyPush] });
    expect(result.decision).toBe('ExplicitDeny');
    expect(result.reasons.map((reason) => reason.statement)).toEqual(['NoPush']);
    expect(result.explain()).toContain('denied by repository policy "team/app" statement "NoPush"');
    expect(ask({ principal: user('alice'), action: 'ecr:BatchGetImage' }, { identity: [allowAllEcr], resource: [denyPush] }).decision).toBe('Allow');

    const denyInIdentity = identityPolicy('guard', { Effect: 'Deny', Action: 'ecr:Delete*', Resource: '*' });
    const allowInRepository = repositoryPolicy('r', { Effect: 'Allow', Principal: { AWS: user('alice').arn }, Action: 'ecr:*' });
    const denied = ask({ principal: user('alice'), action: 'ecr:DeleteRepository' }, { identity: [denyInIdentity], resource: [allowInRepository] });
    expect(denied.decision).toBe('ExplicitDeny');
    expect(denied.explain()).toContain('denied by identity policy "guard" statement #0');
  });

  it('matches actions case-insensitively and with wildcards', () => {
    const batch = identityPolicy('batch', { Effect: 'Allow', Action: 'ecr:Batch*', Resource: '*' });
    expect(ask({ principal: user('alice'), action: 'ECR:batchgetimage' }, { identity: [batch] }).decision).toBe('Allow');
    expect(ask({ principal: user('alice'), action: 'ecr:PutImage' }, { identity: [batch] }).decision).toBe('ImplicitDeny');
  });
});

describe('resource policies in the same account', () => {
  it('allow a principal they name, with no identity policy', () => {
    const named = repositoryPolicy('team/app', { Sid: 'Pull', Effect: 'Allow', Principal: { AWS: user('ci').arn }, Action: pullActions });
    expect(ask({ principal: user('ci'), action: 'ecr:BatchGetImage' }, { resource: [named] }).decision).toBe('Allow');
    expect(ask({ principal: user('other'), action: 'ecr:BatchGetImage' }, { resource: [named] }).decision).toBe('ImplicitDeny');
    expect(ask({ principal: user('ci'), action: 'ecr:PutImage' }, { resource: [named] }).decision).toBe('ImplicitDeny');
  });

  it('naming only the account delegates to identity policies', () => {
    const accountWide = repositoryPolicy('team/app', { Sid: 'Account', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${HOME}:root` }, Action: 'ecr:*' });
    const alone = ask({ principal: user('alice'), action: 'ecr:BatchGetImage' }, { resource: [accountWide] });
    expect(alone.decision).toBe('ImplicitDeny');
    expect(alone.missing).toBe('identity-or-resource');
    expect(alone.explain()).toContain('allows only through the account principal, which leaves the decision to identity policies');
    const pullOnly = identityPolicy('pull', { Effect: 'Allow', Action: pullActions, Resource: repository() });
    expect(ask({ principal: user('alice'), action: 'ecr:BatchGetImage' }, { identity: [pullOnly], resource: [accountWide] }).decision).toBe('Allow');
    const accountId = repositoryPolicy('team/app', { Effect: 'Allow', Principal: { AWS: HOME }, Action: 'ecr:*' });
    expect(ask({ principal: user('alice'), action: 'ecr:BatchGetImage' }, { resource: [accountId] }).decision).toBe('ImplicitDeny');
  });

  it('Principal "*" allows everyone, anonymous callers included', () => {
    const publicPull = repositoryPolicy('public', { Sid: 'Public', Effect: 'Allow', Principal: '*', Action: pullActions });
    expect(ask({ principal: anonymous, action: 'ecr:BatchGetImage' }, { resource: [publicPull] }).decision).toBe('Allow');
    expect(ask({ principal: user('x', OTHER), action: 'ecr:BatchGetImage' }, { resource: [publicPull] }).decision).toBe('ImplicitDeny');
    expect(ask({ principal: user('x'), action: 'ecr:BatchGetImage' }, { resource: [publicPull] }).decision).toBe('Allow');
    const anonymousPush = ask({ principal: anonymous, action: 'ecr:PutImage' }, { resource: [publicPull] });
    expect(anonymousPush.decision).toBe('ImplicitDeny');
    expect(anonymousPush.explain()).toContain('an anonymous caller');
  });
});

describe('cross-account requests', () => {
  const bob = user('bob', OTHER);
  const bobsIdentity = identityPolicy('bob-ecr', { Sid: 'Push', Effect: 'Allow', Action: 'ecr:*', Resource: `arn:aws:ecr:us-east-1:${HOME}:repository/team/*` });
  const shareWithOther = repositoryPolicy('team/app', { Sid: 'Share', Effect: 'Allow', Principal: { AWS: OTHER }, Action: pullActions });

  it('need both an identity policy of the caller and a resource policy of the resource', () => {
    expect(ask({ principal: bob, action: 'ecr:BatchGetImage' }, { identity: [bobsIdentity], resource: [shareWithOther] }).decision).toBe('Allow');

    const identityOnly = ask({ principal: bob, action: 'ecr:BatchGetImage' }, { identity: [bobsIdentity] });
    expect(identityOnly.decision).toBe('ImplicitDeny');
    expect(identityOnly.missing).toBe('resource');
    expect(identityOnly.crossAccount).toBe(true);
    expect(identityOnly.explain()).toContain(
      `(cross-account: a repository or registry policy of account ${HOME} must also allow, and the resource has none)`,
    );

    const resourceOnly = ask({ principal: bob, action: 'ecr:BatchGetImage' }, { resource: [shareWithOther] });
    expect(resourceOnly.decision).toBe('ImplicitDeny');
    expect(resourceOnly.missing).toBe('identity');
    expect(resourceOnly.explain()).toContain(`cross-account: an identity policy in account ${OTHER} must also allow`);
  });

  it('explain which side is missing when the resource policy does not cover the action', () => {
    const push = ask({ principal: bob, action: 'ecr:PutImage' }, { identity: [bobsIdentity], resource: [shareWithOther] });
    expect(push.decision).toBe('ImplicitDeny');
    expect(push.explain()).toContain(
      `ImplicitDeny: ecr:PutImage on ${repository()} is not allowed for ${bob.arn} (cross-account: a repository policy of account ${HOME} must also allow)`,
    );
    expect(push.explain()).toContain('identity policy "bob-ecr" statement "Push" allows, but on its own that is not enough');
  });

  it('a resource policy naming the caller directly still needs the caller’s identity policy', () => {
    const named = repositoryPolicy('team/app', { Effect: 'Allow', Principal: { AWS: bob.arn }, Action: 'ecr:*' });
    expect(ask({ principal: bob, action: 'ecr:PutImage' }, { resource: [named] }).decision).toBe('ImplicitDeny');
    expect(ask({ principal: bob, action: 'ecr:PutImage' }, { identity: [bobsIdentity], resource: [named] }).decision).toBe('Allow');
  });

  it('does not let a policy for a third account stand in for the caller’s', () => {
    const third = repositoryPolicy('team/app', { Effect: 'Allow', Principal: { AWS: '333333333333' }, Action: 'ecr:*' });
    const result = ask({ principal: bob, action: 'ecr:BatchGetImage' }, { identity: [bobsIdentity], resource: [third] });
    expect(result.decision).toBe('ImplicitDeny');
    expect(result.explain()).toContain(`not applicable: repository policy "team/app" statement #0 (Allow): ${bob.arn} is not named by Principal (333333333333)`);
  });
});

describe('the root user', () => {
  it('may do anything in its own account unless denied', () => {
    const result = ask({ principal: rootOf(HOME), action: 'ecr:DeleteRepository' }, {});
    expect(result.decision).toBe('Allow');
    expect(result.rootUser).toBe(true);
    expect(result.explain()).toContain('is the root user of account 111111111111');
    const deny = repositoryPolicy('locked', { Effect: 'Deny', Principal: '*', Action: 'ecr:DeleteRepository' });
    expect(ask({ principal: rootOf(HOME), action: 'ecr:DeleteRepository' }, { resource: [deny] }).decision).toBe('ExplicitDeny');
  });

  it('needs a resource policy in another account', () => {
    expect(ask({ principal: rootOf(OTHER), action: 'ecr:BatchGetImage' }, {}).decision).toBe('ImplicitDeny');
    const share = repositoryPolicy('team/app', { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${OTHER}:root` }, Action: pullActions });
    expect(ask({ principal: rootOf(OTHER), action: 'ecr:BatchGetImage' }, { resource: [share] }).decision).toBe('Allow');
  });
});

describe('registry and repository policies together', () => {
  const replicator = user('replicator', OTHER);
  const replicatorIdentity = identityPolicy('replicate', { Effect: 'Allow', Action: ['ecr:ReplicateImage', 'ecr:CreateRepository'], Resource: '*' });
  const registry = registryPolicy('registry', {
    Sid: 'ReplicationAccessCrossAccount',
    Effect: 'Allow',
    Principal: { AWS: `arn:aws:iam::${OTHER}:root` },
    Action: ['ecr:CreateRepository', 'ecr:ReplicateImage'],
    Resource: `arn:aws:ecr:us-east-1:${HOME}:repository/*`,
  });

  it('either may allow, and a Deny in either wins', () => {
    const request = { principal: replicator, action: 'ecr:ReplicateImage' };
    const allowed = ask(request, { identity: [replicatorIdentity], resource: [registry] });
    expect(allowed.decision).toBe('Allow');
    expect(allowed.reasons.map((reason) => `${reason.kind}:${reason.statement}`)).toEqual(['identity:0', 'registry:ReplicationAccessCrossAccount']);

    const repositoryDeny = repositoryPolicy('team/app', { Sid: 'NoReplication', Effect: 'Deny', Principal: '*', Action: 'ecr:ReplicateImage' });
    expect(ask(request, { identity: [replicatorIdentity], resource: [registry, repositoryDeny] }).decision).toBe('ExplicitDeny');
  });

  it('a registry policy Resource limits it to the repositories it names', () => {
    const scoped = registryPolicy('registry', {
      Effect: 'Allow',
      Principal: { AWS: OTHER },
      Action: 'ecr:ReplicateImage',
      Resource: `arn:aws:ecr:us-east-1:${HOME}:repository/mirror/*`,
    });
    const policies = { identity: [replicatorIdentity], resource: [scoped] };
    expect(ask({ principal: replicator, action: 'ecr:ReplicateImage', resource: repository('mirror/app') }, policies).decision).toBe('Allow');
    expect(ask({ principal: replicator, action: 'ecr:ReplicateImage', resource: repository('team/app') }, policies).decision).toBe('ImplicitDeny');
  });

  it('service principals are allowed by name', () => {
    const service: RequestPrincipal = { type: 'Service', arn: 'replication.ecr.amazonaws.com' };
    const byService = registryPolicy('registry', { Effect: 'Allow', Principal: { Service: 'replication.ecr.amazonaws.com' }, Action: 'ecr:ReplicateImage' });
    expect(ask({ principal: service, action: 'ecr:ReplicateImage' }, { resource: [byService] }).decision).toBe('Allow');
    expect(ask({ principal: service, action: 'ecr:ReplicateImage' }, { resource: [registry] }).decision).toBe('ImplicitDeny');
  });
});

describe('NotAction, NotResource and NotPrincipal', () => {
  it('NotAction applies to every other action', () => {
    const allButDelete = identityPolicy('most', { Effect: 'Allow', NotAction: ['ecr:Delete*', 'ecr:BatchDeleteImage'], Resource: '*' });
    expect(ask({ principal: user('alice'), action: 'ecr:PutImage' }, { identity: [allButDelete] }).decision).toBe('Allow');
    expect(ask({ principal: user('alice'), action: 'ecr:DeleteRepository' }, { identity: [allButDelete] }).decision).toBe('ImplicitDeny');
    expect(ask({ principal: user('alice'), action: 'ecr:BatchDeleteImage' }, { identity: [allButDelete] }).decision).toBe('ImplicitDeny');
  });

  it('NotResource applies to every other resource', () => {
    const guard = identityPolicy('guard', { Effect: 'Deny', Action: 'ecr:*', NotResource: `arn:aws:ecr:*:${HOME}:repository/team/*` });
    const policies = { identity: [allowAllEcr, guard] };
    expect(ask({ principal: user('alice'), action: 'ecr:PutImage', resource: repository('team/app') }, policies).decision).toBe('Allow');
    const outside = ask({ principal: user('alice'), action: 'ecr:PutImage', resource: repository('infra/app') }, policies);
    expect(outside.decision).toBe('ExplicitDeny');
  });

  it('NotPrincipal with Deny denies everyone it does not name', () => {
    const onlyCi = repositoryPolicy('team/app', { Sid: 'OnlyCiPushes', Effect: 'Deny', NotPrincipal: { AWS: user('ci').arn }, Action: 'ecr:PutImage' });
    const policies = { identity: [allowAllEcr], resource: [onlyCi] };
    expect(ask({ principal: user('ci'), action: 'ecr:PutImage' }, policies).decision).toBe('Allow');
    const other = ask({ principal: user('alice'), action: 'ecr:PutImage' }, policies);
    expect(other.decision).toBe('ExplicitDeny');
    expect(ask({ principal: user('alice'), action: 'ecr:BatchGetImage' }, policies).decision).toBe('Allow');
  });
});

describe('conditions in evaluation', () => {
  it('follows the ECR tag-based access control example (ecr:ResourceTag is aws:ResourceTag)', () => {
    const tagged = identityPolicy(
      'tags',
      { Effect: 'Allow', Action: 'ecr:*', Resource: '*' },
      { Effect: 'Deny', Action: 'ecr:*', Resource: '*', Condition: { StringEquals: { 'ecr:ResourceTag/environment': 'prod' } } },
    );
    const prod = ask({ principal: user('alice'), action: 'ecr:PutImage', context: { 'aws:ResourceTag/environment': 'prod' } }, { identity: [tagged] });
    expect(prod.decision).toBe('ExplicitDeny');
    const dev = ask({ principal: user('alice'), action: 'ecr:PutImage', context: { 'aws:ResourceTag/environment': 'dev' } }, { identity: [tagged] });
    expect(dev.decision).toBe('Allow');
    expect(dev.explain()).toContain(
      'not applicable: identity policy "tags" statement #1 (Deny): condition StringEquals ecr:ResourceTag/environment: request value "dev" does not satisfy ["prod"]',
    );
    const viaEcrKey = ask({ principal: user('alice'), action: 'ecr:PutImage', context: { 'ecr:ResourceTag/environment': 'prod' } }, { identity: [tagged] });
    expect(viaEcrKey.decision).toBe('ExplicitDeny');
  });

  it('allows creating a repository only with the request tag environment=dev', () => {
    const createDev = identityPolicy('create', {
      Sid: 'AllowCreateTaggedRepository',
      Effect: 'Allow',
      Action: ['ecr:CreateRepository'],
      Resource: '*',
      Condition: { StringEquals: { 'aws:RequestTag/environment': 'dev' } },
    });
    const create = (context: RequestContextValues) => ask({ principal: user('alice'), action: 'ecr:CreateRepository', context }, { identity: [createDev] }).decision;
    expect(create({ 'aws:RequestTag/environment': 'dev', 'aws:TagKeys': ['environment'] })).toBe('Allow');
    expect(create({ 'aws:RequestTag/environment': 'prod', 'aws:TagKeys': ['environment'] })).toBe('ImplicitDeny');
    expect(create({})).toBe('ImplicitDeny');
  });

  it('denies plain HTTP and foreign source addresses', () => {
    const network = repositoryPolicy(
      'team/app',
      { Effect: 'Allow', Principal: { AWS: user('ci').arn }, Action: 'ecr:*' },
      { Sid: 'TlsOnly', Effect: 'Deny', Principal: '*', Action: 'ecr:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
      { Sid: 'Office', Effect: 'Deny', Principal: '*', Action: 'ecr:*', Condition: { NotIpAddress: { 'aws:SourceIp': ['203.0.113.0/24', '2001:db8::/32'] } } },
    );
    const from = (context: RequestContextValues) => ask({ principal: user('ci'), action: 'ecr:PutImage', context }, { resource: [network] }).decision;
    expect(from({ 'aws:SecureTransport': 'true', 'aws:SourceIp': '203.0.113.10' })).toBe('Allow');
    expect(from({ 'aws:SecureTransport': 'true', 'aws:SourceIp': '2001:db8:5::1' })).toBe('Allow');
    expect(from({ 'aws:SecureTransport': 'false', 'aws:SourceIp': '203.0.113.10' })).toBe('ExplicitDeny');
    expect(from({ 'aws:SecureTransport': 'true', 'aws:SourceIp': '198.51.100.1' })).toBe('ExplicitDeny');
  });

  it('derives principal keys from the principal and the time from now', () => {
    const derived = repositoryPolicy('team/app', {
      Effect: 'Allow',
      Principal: '*',
      Action: 'ecr:BatchGetImage',
      Condition: {
        StringEquals: { 'aws:PrincipalAccount': HOME, 'aws:PrincipalType': 'User', 'aws:username': 'alice' },
        ArnLike: { 'aws:PrincipalArn': `arn:aws:iam::${HOME}:user/*` },
        DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' },
        NumericGreaterThan: { 'aws:EpochTime': '1700000000' },
      },
    });
    const at = (principal: RequestPrincipal, now: Date) => ask({ principal, action: 'ecr:BatchGetImage', now }, { resource: [derived] }).decision;
    expect(at(user('alice'), new Date('2026-01-01T00:00:00Z'))).toBe('Allow');
    expect(at(user('bob'), new Date('2026-01-01T00:00:00Z'))).toBe('ImplicitDeny');
    expect(at(user('alice'), new Date('2031-01-01T00:00:00Z'))).toBe('ImplicitDeny');
    expect(at(user('alice'), new Date('2023-01-01T00:00:00Z'))).toBe('ImplicitDeny');
    // The principal keys cannot be overridden by the caller's context.
    const spoofed = ask(
      { principal: user('bob'), action: 'ecr:BatchGetImage', now: new Date('2026-01-01T00:00:00Z'), context: { 'aws:username': 'alice' } },
      { resource: [derived] },
    );
    expect(spoofed.decision).toBe('ImplicitDeny');
  });
});

describe('policy variables', () => {
  const ownRepositories = (version: string) =>
    policy('identity', 'own', [{ Effect: 'Allow', Action: 'ecr:*', Resource: `arn:aws:ecr:*:${HOME}:repository/\${aws:username}/*` }], version);

  it('scope a Resource to the caller in 2012-10-17 policies', () => {
    const policies = { identity: [ownRepositories('2012-10-17')] };
    expect(ask({ principal: user('alice'), action: 'ecr:PutImage', resource: repository('alice/app') }, policies).decision).toBe('Allow');
    expect(ask({ principal: user('alice'), action: 'ecr:PutImage', resource: repository('bob/app') }, policies).decision).toBe('ImplicitDeny');
  });

  it('are plain text in 2008-10-17 policies', () => {
    const policies = { identity: [ownRepositories('2008-10-17')] };
    expect(ask({ principal: user('alice'), action: 'ecr:PutImage', resource: repository('alice/app') }, policies).decision).toBe('ImplicitDeny');
    expect(ask({ principal: user('alice'), action: 'ecr:PutImage', resource: repository('${aws:username}/app') }, policies).decision).toBe('Allow');
  });

  it('make a statement inapplicable when they have no value, and say so', () => {
    const role: RequestPrincipal = { type: 'AssumedRole', account: HOME, arn: `arn:aws:sts::${HOME}:assumed-role/ci/run-1` };
    const result = ask({ principal: role, action: 'ecr:PutImage', resource: repository('alice/app') }, { identity: [ownRepositories('2012-10-17')] });
    expect(result.decision).toBe('ImplicitDeny');
    expect(result.explain()).toContain('policy variable ${aws:username} has no value in this request');
  });
});

describe('assumed roles', () => {
  it('are named by their role ARN in a resource policy', () => {
    const role: RequestPrincipal = { type: 'AssumedRole', account: HOME, arn: `arn:aws:sts::${HOME}:assumed-role/deployer/session` };
    const byRole = repositoryPolicy('team/app', { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${HOME}:role/ci/deployer` }, Action: 'ecr:*' });
    expect(ask({ principal: role, action: 'ecr:PutImage' }, { resource: [byRole] }).decision).toBe('Allow');
    const otherRole: RequestPrincipal = { ...role, arn: `arn:aws:sts::${HOME}:assumed-role/reader/session` };
    expect(ask({ principal: otherRole, action: 'ecr:PutImage' }, { resource: [byRole] }).decision).toBe('ImplicitDeny');
  });
});
