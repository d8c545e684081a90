import { describe, expect, it } from 'vitest';
import { PolicyValidationError } from '../../src/iam/errors.js';
import { parsePolicyDocument, validatePolicyDocument, type PolicyKind } from '../../src/iam/policy-document.js';

/** The error message a document gets, or undefined when it is accepted. */
function problem(document: unknown, kind: PolicyKind = 'repository'): string | undefined {
  try {
    const text = typeof document === 'string' ? document : JSON.stringify(document);
    parsePolicyDocument(text, kind);
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(PolicyValidationError);
    return (error as Error).message;
  }
}

const pullStatement = {
  Sid: 'AllowPull',
  Effect: 'Allow',
  Principal: { AWS: 'arn:aws:iam::123456789012:root' },
  Action: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
};

function repositoryPolicy(statement: Record<string, unknown>): unknown {
  return { Version: '2012-10-17', Statement: [statement] };
}

describe('parsing policy documents', () => {
  it('reads an ECR repository policy from the ECR User Guide', () => {
    const document = parsePolicyDocument(
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'AllowPushPull',
            Effect: 'Allow',
            Principal: { AWS: ['arn:aws:iam::123456789012:user/push-pull-user-1', 'arn:aws:iam::123456789012:user/push-pull-user-2'] },
            Action: [
              'ecr:BatchGetImage',
              'ecr:BatchCheckLayerAvailability',
              'ecr:CompleteLayerUpload',
              'ecr:GetDownloadUrlForLayer',
              'ecr:InitiateLayerUpload',
              'ecr:PutImage',
              'ecr:UploadLayerPart',
            ],
          },
        ],
      }),
      'repository',
    );
    expect(document).toMatchObject({ kind: 'repository', version: '2012-10-17' });
    expect(document.statements).toHaveLength(1);
    const [statement] = document.statements;
    expect(statement).toMatchObject({ index: 0, sid: 'AllowPushPull', effect: 'Allow', action: { negated: false } });
    expect(statement!.action.patterns).toHaveLength(7);
    expect(statement!.principal).toEqual({
      negated: false,
      principals: {
        everyone: false,
        aws: ['arn:aws:iam::123456789012:user/push-pull-user-1', 'arn:aws:iam::123456789012:user/push-pull-user-2'],
        service: [],
        federated: [],
        canonicalUser: [],
      },
    });
    expect(statement!.resource).toBeUndefined();
  });

  it('accepts a single statement object, string elements and a missing Version (which means 2008-10-17)', () => {
    const document = parsePolicyDocument(
      JSON.stringify({ Statement: { Effect: 'Deny', Principal: '*', NotAction: 'ecr:BatchGetImage' } }),
      'repository',
    );
    expect(document.version).toBe('2008-10-17');
    expect(document.statements[0]).toMatchObject({ effect: 'Deny', action: { negated: true, patterns: ['ecr:BatchGetImage'] } });
    expect(document.statements[0]!.principal!.principals.everyone).toBe(true);
  });

  it('reads an identity policy with Resource, NotResource and conditions', () => {
    const document = parsePolicyDocument(
      JSON.stringify({
        Version: '2012-10-17',
        Id: 'team-access',
        Statement: [
          { Effect: 'Allow', Action: 'ecr:*', Resource: 'arn:aws:ecr:us-east-1:123456789012:repository/team/*' },
          {
            Effect: 'Deny',
            Action: 'ecr:*',
            NotResource: ['arn:aws:ecr:*:123456789012:repository/*'],
            Condition: { 'ForAnyValue:StringLike': { 'aws:TagKeys': ['secret*', 'private'] }, NumericLessThan: { 'ctx:n': 5 }, Bool: { 'aws:SecureTransport': false } },
          },
        ],
      }),
      'identity',
    );
    expect(document.id).toBe('team-access');
    expect(document.statements[1]!.resource).toEqual({ negated: true, patterns: ['arn:aws:ecr:*:123456789012:repository/*'] });
    expect(document.statements[1]!.conditions).toEqual([
      { operatorName: 'ForAnyValue:StringLike', operator: 'StringLike', setOperator: 'ForAnyValue', ifExists: false, key: 'aws:TagKeys', values: ['secret*', 'private'] },
      { operatorName: 'NumericLessThan', operator: 'NumericLessThan', ifExists: false, key: 'ctx:n', values: ['5'] },
      { operatorName: 'Bool', operator: 'Bool', ifExists: false, key: 'aws:SecureTransport', values: ['false'] },
    ]);
  });

  it('accepts the principal forms ECR policies use', () => {
    for (const principal of [
      '*',
      { AWS: '*' },
      { AWS: '123456789012' },
      { AWS: ['arn:aws:iam::123456789012:root', 'arn:aws:iam::210987654321:user/path/to/ci'] },
      { AWS: 'arn:aws:iam::123456789012:role/ci' },
      { AWS: 'arn:aws:sts::123456789012:assumed-role/ci/session-1' },
      { Service: 'replication.ecr.amazonaws.com' },
      { Service: ['codebuild.amazonaws.com', 'lambda.amazonaws.com'] },
    ]) {
      expect(problem(repositoryPolicy({ ...pullStatement, Principal: principal })), JSON.stringify(principal)).toBeUndefined();
    }
  });

  it('validates an already parsed value too', () => {
    expect(validatePolicyDocument(repositoryPolicy(pullStatement), 'registry').kind).toBe('registry');
  });
});

describe('policy validation errors', () => {
  it('says when the text is not JSON or not an object', () => {
    expect(problem('{"Version": "2012-10-17",')).toMatch(/^policy text is not valid JSON: /);
    expect(problem('[]')).toBe('policy document must be a JSON object');
    expect(problem('"policy"')).toBe('policy document must be a JSON object');
  });

  it('names an unknown top-level element', () => {
    expect(problem({ Version: '2012-10-17', Statement: [pullStatement], Statements: [] })).toBe(
      'unknown top-level element "Statements" (expected Version, Id and Statement) (did you mean "Statement"?)',
    );
  });

  it('rejects a bad Version', () => {
    expect(problem({ Version: '2012-10-18', Statement: [pullStatement] })).toBe('Version must be "2012-10-17" or "2008-10-17", got "2012-10-18"');
    expect(problem({ Version: 2012, Statement: [pullStatement] })).toBe('Version must be "2012-10-17" or "2008-10-17", got 2012');
  });

  it('requires statements', () => {
    expect(problem({ Version: '2012-10-17' })).toBe('Statement is missing');
    expect(problem({ Version: '2012-10-17', Statement: [] })).toBe('Statement must contain at least one statement');
    expect(problem({ Version: '2012-10-17', Statement: 'Allow' })).toBe('Statement must be an object or an array of objects');
    expect(problem({ Version: '2012-10-17', Statement: [pullStatement, 'x'] })).toBe('Statement[1]: must be an object');
  });

  it('requires an Effect of exactly Allow or Deny', () => {
    const { Effect: _effect, ...withoutEffect } = pullStatement;
    expect(problem(repositoryPolicy(withoutEffect))).toBe('Statement[0]: Effect is missing (expected "Allow" or "Deny")');
    expect(problem(repositoryPolicy({ ...pullStatement, Effect: 'allow' }))).toBe('Statement[0]: Effect must be "Allow" or "Deny", got "allow"');
  });

  it('rejects both Action and NotAction, and neither', () => {
    expect(problem(repositoryPolicy({ ...pullStatement, NotAction: 'ecr:PutImage' }))).toBe(
      'Statement[0]: has both Action and NotAction; a statement takes one or the other',
    );
    const { Action: _action, ...withoutAction } = pullStatement;
    expect(problem(repositoryPolicy(withoutAction))).toBe('Statement[0]: must specify Action or NotAction');
  });

  it('rejects malformed actions', () => {
    expect(problem(repositoryPolicy({ ...pullStatement, Action: 'BatchGetImage' }))).toBe(
      'Statement[0].Action: "BatchGetImage" is not an action: expected "*" or "<service>:<action>", e.g. "ecr:BatchGetImage" or "ecr:Batch*"',
    );
    expect(problem(repositoryPolicy({ ...pullStatement, Action: [] }))).toBe('Statement[0].Action: must not be an empty array');
    expect(problem(repositoryPolicy({ ...pullStatement, Action: ['ecr:PutImage', 7] }))).toBe('Statement[0].Action: must be a string or an array of strings');
    expect(problem(repositoryPolicy({ ...pullStatement, Action: 'ecr:Put:Image' }))).toContain('is not an action');
  });

  it('rejects malformed resources, and wildcards in the service part', () => {
    expect(problem(repositoryPolicy({ ...pullStatement, Resource: 'repository/team/*' }))).toContain(
      'Statement[0].Resource: "repository/team/*" must be "*" or an ARN',
    );
    expect(problem(repositoryPolicy({ ...pullStatement, Resource: 'arn:aws:ec*:us-east-1:123456789012:repository/x' }))).toContain(
      'the service part cannot contain wildcards',
    );
    expect(problem(repositoryPolicy({ ...pullStatement, Resource: 'arn:aws:ecr:*:*:repository/*', NotResource: '*' }))).toBe(
      'Statement[0]: has both Resource and NotResource; a statement takes one or the other',
    );
  });

  it('rejects unknown statement elements with a suggestion', () => {
    expect(problem(repositoryPolicy({ ...pullStatement, Actions: 'ecr:PutImage' }))).toBe(
      'Statement[0]: unknown element "Actions" (expected Sid, Effect, Principal, NotPrincipal, Action, NotAction, Resource, NotResource, Condition) (did you mean "Action"?)',
    );
  });

  it('rejects duplicate Sids', () => {
    expect(problem({ Version: '2012-10-17', Statement: [pullStatement, pullStatement] })).toBe(
      'Statement[1]: Sid "AllowPull" is already used by Statement[0]; Sids must be unique within a policy',
    );
  });

  it('keeps Principal out of identity policies and requires it in resource policies', () => {
    const identityStatement = { Effect: 'Allow', Action: 'ecr:*', Resource: '*' };
    expect(problem({ Statement: [{ ...identityStatement, Principal: '*' }] }, 'identity')).toBe(
      'Statement[0]: an identity policy must not specify Principal: it applies to the identity it is attached to',
    );
    expect(problem({ Statement: [{ ...identityStatement, NotPrincipal: { AWS: '123456789012' } }] }, 'identity')).toContain(
      'must not specify NotPrincipal',
    );
    expect(problem({ Statement: [identityStatement] }, 'repository')).toBe(
      'Statement[0]: a repository policy statement must specify Principal or NotPrincipal',
    );
    expect(problem({ Statement: [identityStatement] }, 'registry')).toBe('Statement[0]: a registry policy statement must specify Principal or NotPrincipal');
    expect(problem({ Statement: [{ ...identityStatement, Principal: '*', NotPrincipal: '*' }] }, 'repository')).toContain(
      'has both Principal and NotPrincipal',
    );
  });

  it('requires Resource in identity policies only', () => {
    expect(problem({ Statement: [{ Effect: 'Allow', Action: 'ecr:*' }] }, 'identity')).toBe(
      'Statement[0]: an identity policy statement must specify Resource or NotResource',
    );
    expect(problem({ Statement: [{ Effect: 'Allow', Action: 'ecr:*', Principal: '*' }] }, 'repository')).toBeUndefined();
  });

  it('allows only letters and digits in identity policy Sids', () => {
    expect(problem({ Statement: [{ Sid: 'Allow-Pull', Effect: 'Allow', Action: 'ecr:*', Resource: '*' }] }, 'identity')).toBe(
      'Statement[0]: Sid "Allow-Pull" must contain only letters and digits',
    );
    expect(problem(repositoryPolicy({ ...pullStatement, Sid: 'Allow pull for CI' }))).toBeUndefined();
  });

  it('rejects malformed principals', () => {
    const withPrincipal = (principal: unknown) => problem(repositoryPolicy({ ...pullStatement, Principal: principal }));
    expect(withPrincipal('123456789012')).toContain('Statement[0].Principal: must be "*" or an object');
    expect(withPrincipal({ Aws: '123456789012' })).toBe(
      'Statement[0].Principal: unknown principal type "Aws" (expected AWS, Service, Federated or CanonicalUser) (did you mean "AWS"?)',
    );
    expect(withPrincipal({ AWS: 'arn:aws:iam::123456789012:user/*' })).toContain('wildcards are only allowed as "*" alone');
    expect(withPrincipal({ AWS: '12345' })).toContain('invalid AWS principal "12345"');
    expect(withPrincipal({ AWS: 'arn:aws:iam::123456789012:group/devs' })).toContain('invalid AWS principal');
    expect(withPrincipal({ AWS: [] })).toBe('Statement[0].Principal: AWS must be a string or a non-empty array of strings');
    expect(withPrincipal({})).toBe('Statement[0].Principal: must name at least one principal');
  });

  it('rejects unknown condition operators and malformed condition blocks', () => {
    const withCondition = (condition: unknown) => problem(repositoryPolicy({ ...pullStatement, Condition: condition }));
    expect(withCondition({ StringEqual: { 'aws:username': 'x' } })).toBe(
      'Statement[0].Condition: unknown condition operator "StringEqual" (did you mean "StringEquals"?)',
    );
    expect(withCondition(['StringEquals'])).toContain('Statement[0].Condition: must be an object');
    expect(withCondition({ StringEquals: 'aws:username' })).toBe(
      'Statement[0].Condition.StringEquals: must be an object mapping condition keys to values',
    );
    expect(withCondition({ StringEquals: { username: 'x' } })).toBe(
      'Statement[0].Condition.StringEquals: condition key "username" must have a service prefix, e.g. "aws:SourceIp" or "ecr:ResourceTag/team"',
    );
    expect(withCondition({ StringEquals: { 'aws:username': { name: 'x' } } })).toBe(
      'Statement[0].Condition.StringEquals["aws:username"]: must be a string, number or boolean, or an array of them',
    );
  });

  it('rejects condition values of the wrong type for the operator', () => {
    const withCondition = (condition: unknown) => problem(repositoryPolicy({ ...pullStatement, Condition: condition }));
    expect(withCondition({ NumericLessThan: { 's3:max-keys': 'ten' } })).toBe(
      'Statement[0].Condition.NumericLessThan["s3:max-keys"]: "ten" is not a number',
    );
    expect(withCondition({ DateGreaterThan: { 'aws:CurrentTime': '2020-13-01' } })).toContain('"2020-13-01" is not an ISO 8601 date-time');
    expect(withCondition({ IpAddress: { 'aws:SourceIp': '203.0.113.0/33' } })).toContain('is not an IPv4 or IPv6 address or CIDR block');
    expect(withCondition({ Bool: { 'aws:SecureTransport': 'yes' } })).toBe('Statement[0].Condition.Bool["aws:SecureTransport"]: "yes" must be "true" or "false"');
    expect(withCondition({ Null: { 'aws:TokenIssueTime': 'maybe' } })).toContain('must be "true" or "false"');
    expect(withCondition({ NullIfExists: { 'aws:TokenIssueTime': 'true' } })).toBe(
      'Statement[0].Condition: the Null operator cannot take the IfExists suffix',
    );
  });
});
