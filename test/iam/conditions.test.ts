import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  CONDITION_OPERATORS,
  evaluateCondition,
  parseOperatorName,
  type ConditionClause,
  type ConditionOperator,
} from '../../src/iam/conditions.js';
import { RequestContext, type RequestContextValues } from '../../src/iam/context.js';

function clause(operatorName: string, key: string, values: string | string[]): ConditionClause {
  const parsed = parseOperatorName(operatorName);
  if (typeof parsed === 'string') throw new Error(parsed);
  return { operatorName, ...parsed, key, values: typeof values === 'string' ? [values] : values };
}

/** Whether the condition holds for a request with this context. */
function holds(operatorName: string, key: string, values: string | string[], context: RequestContextValues): boolean {
  const outcome = evaluateCondition(clause(operatorName, key, values), new RequestContext(context), true);
  if (outcome.kind === 'unresolved') throw new Error(`unresolved ${outcome.missingKey}`);
  return outcome.kind === 'met';
}

/** A policy value each operator accepts, and a request value that satisfies the positive form. */
const SAMPLES: Record<ConditionOperator, { policy: string; matching: string; other: string }> = {
  StringEquals: { policy: 'alice', matching: 'alice', other: 'bob' },
  StringNotEquals: { policy: 'alice', matching: 'alice', other: 'bob' },
  StringEqualsIgnoreCase: { policy: 'alice', matching: 'ALICE', other: 'bob' },
  StringNotEqualsIgnoreCase: { policy: 'alice', matching: 'ALICE', other: 'bob' },
  StringLike: { policy: 'al*', matching: 'alice', other: 'bob' },
  StringNotLike: { policy: 'al*', matching: 'alice', other: 'bob' },
  NumericEquals: { policy: '10', matching: '10', other: '11' },
  NumericNotEquals: { policy: '10', matching: '10', other: '11' },
  NumericLessThan: { policy: '10', matching: '9', other: '10' },
  NumericLessThanEquals: { policy: '10', matching: '10', other: '11' },
  NumericGreaterThan: { policy: '10', matching: '11', other: '10' },
  NumericGreaterThanEquals: { policy: '10', matching: '10', other: '9' },
  DateEquals: { policy: '2020-01-01T00:00:00Z', matching: '2020-01-01T00:00:00Z', other: '2020-01-01T00:00:01Z' },
  DateNotEquals: { policy: '2020-01-01T00:00:00Z', matching: '2020-01-01T00:00:00Z', other: '2020-01-01T00:00:01Z' },
  DateLessThan: { policy: '2020-01-01T00:00:00Z', matching: '2019-12-31T23:59:59Z', other: '2020-01-01T00:00:00Z' },
  DateLessThanEquals: { policy: '2020-01-01T00:00:00Z', matching: '2020-01-01T00:00:00Z', other: '2020-01-01T00:00:01Z' },
  DateGreaterThan: { policy: '2020-01-01T00:00:00Z', matching: '2020-01-01T00:00:01Z', other: '2020-01-01T00:00:00Z' },
  DateGreaterThanEquals: { policy: '2020-01-01T00:00:00Z', matching: '2020-01-01T00:00:00Z', other: '2019-12-31T23:59:59Z' },
  Bool: { policy: 'true', matching: 'true', other: 'false' },
  BinaryEquals: { policy: 'QmluYXJ5VmFsdWVJbkJhc2U2NA==', matching: 'QmluYXJ5VmFsdWVJbkJhc2U2NA==', other: 'b3RoZXI=' },
  IpAddress: { policy: '203.0.113.0/24', matching: '203.0.113.7', other: '198.51.100.7' },
  NotIpAddress: { policy: '203.0.113.0/24', matching: '203.0.113.7', other: '198.51.100.7' },
  ArnEquals: { policy: 'arn:aws:iam::*:role/*', matching: 'arn:aws:iam::123456789012:role/x', other: 'arn:aws:iam::123456789012:user/x' },
  ArnLike: { policy: 'arn:aws:iam::*:role/*', matching: 'arn:aws:iam::123456789012:role/x', other: 'arn:aws:iam::123456789012:user/x' },
  ArnNotEquals: { policy: 'arn:aws:iam::*:role/*', matching: 'arn:aws:iam::123456789012:role/x', other: 'arn:aws:iam::123456789012:user/x' },
  ArnNotLike: { policy: 'arn:aws:iam::*:role/*', matching: 'arn:aws:iam::123456789012:role/x', other: 'arn:aws:iam::123456789012:user/x' },
  Null: { policy: 'false', matching: 'anything', other: 'anything' },
};

const NEGATED = new Set<ConditionOperator>([
  'StringNotEquals',
  'StringNotEqualsIgnoreCase',
  'StringNotLike',
  'NumericNotEquals',
  'DateNotEquals',
  'NotIpAddress',
  'ArnNotEquals',
  'ArnNotLike',
]);

describe('condition operators, with the IAM User Guide examples', () => {
  it('StringEquals is case-sensitive: only john matches "john"', () => {
    expect(holds('StringEquals', 'aws:username', 'john', { 'aws:username': 'john' })).toBe(true);
    expect(holds('StringEquals', 'aws:username', 'john', { 'aws:username': 'John' })).toBe(false);
    expect(holds('StringEquals', 'aws:PrincipalTag/job-category', 'iamuser-admin', { 'aws:PrincipalTag/job-category': 'iamuser-admin' })).toBe(true);
  });

  it('StringEqualsIgnoreCase matches john and John', () => {
    expect(holds('StringEqualsIgnoreCase', 'aws:username', 'john', { 'aws:username': 'John' })).toBe(true);
    expect(holds('StringNotEqualsIgnoreCase', 'aws:username', 'john', { 'aws:username': 'JOHN' })).toBe(false);
  });

  it('StringEquals does not treat * as a wildcard; StringLike does', () => {
    expect(holds('StringEquals', 's3:prefix', 'home/*', { 's3:prefix': 'home/alice' })).toBe(false);
    expect(holds('StringLike', 's3:prefix', 'home/*', { 's3:prefix': 'home/alice' })).toBe(true);
    expect(holds('StringNotLike', 's3:prefix', 'home/*', { 's3:prefix': 'home/alice' })).toBe(false);
  });

  it('StringLike with a policy variable: {"s3:prefix": ["", "home/", "home/${aws:username}/"]}', () => {
    const values = ['', 'home/', 'home/${aws:username}/'];
    expect(holds('StringLike', 's3:prefix', values, { 's3:prefix': 'home/alice/', 'aws:username': 'alice' })).toBe(true);
    expect(holds('StringLike', 's3:prefix', values, { 's3:prefix': '', 'aws:username': 'alice' })).toBe(true);
    expect(holds('StringLike', 's3:prefix', values, { 's3:prefix': 'home/bob/', 'aws:username': 'alice' })).toBe(false);
  });

  it('NumericLessThanEquals {"s3:max-keys": "10"}', () => {
    expect(holds('NumericLessThanEquals', 's3:max-keys', '10', { 's3:max-keys': '10' })).toBe(true);
    expect(holds('NumericLessThanEquals', 's3:max-keys', '10', { 's3:max-keys': '9.5' })).toBe(true);
    expect(holds('NumericLessThanEquals', 's3:max-keys', '10', { 's3:max-keys': '11' })).toBe(false);
    expect(holds('NumericLessThanEquals', 's3:max-keys', '10', { 's3:max-keys': 'ten' })).toBe(false);
  });

  it('DateGreaterThan {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}', () => {
    expect(holds('DateGreaterThan', 'aws:TokenIssueTime', '2020-01-01T00:00:01Z', { 'aws:TokenIssueTime': '2020-01-01T00:00:02Z' })).toBe(true);
    expect(holds('DateGreaterThan', 'aws:TokenIssueTime', '2020-01-01T00:00:01Z', { 'aws:TokenIssueTime': '2020-01-01T00:00:01Z' })).toBe(false);
  });

  it('dates compare as instants across ISO 8601 forms, time zones and epoch seconds', () => {
    expect(holds('DateEquals', 'aws:CurrentTime', '2020-01-01T01:00:00+01:00', { 'aws:CurrentTime': '2020-01-01T00:00:00Z' })).toBe(true);
    expect(holds('DateEquals', 'aws:CurrentTime', '2020-01-01', { 'aws:CurrentTime': '2020-01-01T00:00:00.000Z' })).toBe(true);
    expect(holds('DateEquals', 'aws:EpochTime', '2020-01-01T00:00:00Z', { 'aws:EpochTime': '1577836800' })).toBe(true);
    expect(holds('DateLessThan', 'aws:CurrentTime', '1577836800', { 'aws:CurrentTime': '2019-12-31T23:59:59Z' })).toBe(true);
    expect(holds('DateLessThan', 'aws:CurrentTime', '2013-06-30T00:00:00Z', { 'aws:CurrentTime': 'not a date' })).toBe(false);
  });

  it('Bool {"aws:SecureTransport": "false"} matches plain HTTP requests only', () => {
    expect(holds('Bool', 'aws:SecureTransport', 'false', { 'aws:SecureTransport': 'false' })).toBe(true);
    expect(holds('Bool', 'aws:SecureTransport', 'false', { 'aws:SecureTransport': 'true' })).toBe(false);
    expect(holds('Bool', 'aws:SecureTransport', 'false', {})).toBe(false);
    expect(holds('BoolIfExists', 'aws:SecureTransport', 'false', {})).toBe(true);
  });

  it('BinaryEquals compares base64 values exactly', () => {
    expect(holds('BinaryEquals', 'key', 'QmluYXJ5VmFsdWVJbkJhc2U2NA==', { key: 'QmluYXJ5VmFsdWVJbkJhc2U2NA==' })).toBe(true);
    expect(holds('BinaryEquals', 'key', 'QmluYXJ5VmFsdWVJbkJhc2U2NA==', { key: 'qmluyxj5vmfsdwvjbkjhc2u2na==' })).toBe(false);
  });

  it('IpAddress with IPv4 and IPv6 ranges: ["203.0.113.0/24", "2001:DB8:1234:5678::/64"]', () => {
    const ranges = ['203.0.113.0/24', '2001:DB8:1234:5678::/64'];
    expect(holds('IpAddress', 'aws:SourceIp', ranges, { 'aws:SourceIp': '203.0.113.255' })).toBe(true);
    expect(holds('IpAddress', 'aws:SourceIp', ranges, { 'aws:SourceIp': '2001:db8:1234:5678:abcd::1' })).toBe(true);
    expect(holds('IpAddress', 'aws:SourceIp', ranges, { 'aws:SourceIp': '203.0.114.1' })).toBe(false);
    expect(holds('IpAddress', 'aws:SourceIp', ranges, { 'aws:SourceIp': '2001:db8:1234:5679::1' })).toBe(false);
    expect(holds('NotIpAddress', 'aws:SourceIp', ranges, { 'aws:SourceIp': '198.51.100.1' })).toBe(true);
    expect(holds('IpAddress', 'aws:SourceIp', '203.0.113.9', { 'aws:SourceIp': '203.0.113.9' })).toBe(true);
    expect(holds('IpAddress', 'aws:SourceIp', '203.0.113.9', { 'aws:SourceIp': '203.0.113.10' })).toBe(false);
    expect(holds('IpAddress', 'aws:SourceIp', '0.0.0.0/0', { 'aws:SourceIp': 'garbage' })).toBe(false);
  });

  it('ArnEquals {"aws:SourceArn": "arn:aws:sns:REGION:123456789012:TOPIC-ID"}', () => {
    const topic = 'arn:aws:sns:REGION:123456789012:TOPIC-ID';
    expect(holds('ArnEquals', 'aws:SourceArn', topic, { 'aws:SourceArn': topic })).toBe(true);
    expect(holds('ArnEquals', 'aws:SourceArn', topic, { 'aws:SourceArn': `${topic}-2` })).toBe(false);
    expect(holds('ArnNotLike', 'aws:PrincipalArn', 'arn:aws:iam::*:role/*', { 'aws:PrincipalArn': 'arn:aws:iam::123456789012:user/u' })).toBe(true);
  });

  it('Null {"aws:TokenIssueTime": "true"} holds when the key is missing', () => {
    expect(holds('Null', 'aws:TokenIssueTime', 'true', {})).toBe(true);
    expect(holds('Null', 'aws:TokenIssueTime', 'true', { 'aws:TokenIssueTime': '2020-01-01T00:00:00Z' })).toBe(false);
    expect(holds('Null', 'aws:TokenIssueTime', 'false', { 'aws:TokenIssueTime': '2020-01-01T00:00:00Z' })).toBe(true);
    expect(holds('Null', 'aws:TagKeys', 'true', { 'aws:TagKeys': [] })).toBe(true);
  });

  it('StringLikeIfExists {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}', () => {
    const types = ['t1.*', 't2.*', 'm3.*'];
    expect(holds('StringLikeIfExists', 'ec2:InstanceType', types, {})).toBe(true);
    expect(holds('StringLikeIfExists', 'ec2:InstanceType', types, { 'ec2:InstanceType': 't2.micro' })).toBe(true);
    expect(holds('StringLikeIfExists', 'ec2:InstanceType', types, { 'ec2:InstanceType': 'm5.large' })).toBe(false);
  });

  it('reads condition key names case-insensitively (aws:SourceIP is AWS:SourceIp)', () => {
    expect(holds('IpAddress', 'AWS:SourceIP', '203.0.113.0/24', { 'aws:SourceIp': '203.0.113.1' })).toBe(true);
  });
});

describe('missing keys', () => {
  it('make positive operators false, negated ones true, and …IfExists true', () => {
    for (const operator of CONDITION_OPERATORS) {
      if (operator === 'Null') continue;
      const { policy } = SAMPLES[operator];
      expect(holds(operator, 'aws:Absent', policy, {}), operator).toBe(NEGATED.has(operator));
      expect(holds(`${operator}IfExists`, 'aws:Absent', policy, {}), `${operator}IfExists`).toBe(true);
    }
  });
});

describe('several values for one key', () => {
  it('are ORed for positive operators and NORed for negated ones', () => {
    const values = ['alice', 'bob'];
    expect(holds('StringEquals', 'aws:username', values, { 'aws:username': 'bob' })).toBe(true);
    expect(holds('StringEquals', 'aws:username', values, { 'aws:username': 'carol' })).toBe(false);
    expect(holds('StringNotEquals', 'aws:username', values, { 'aws:username': 'bob' })).toBe(false);
    expect(holds('StringNotEquals', 'aws:username', values, { 'aws:username': 'carol' })).toBe(true);
  });

  it('a plain operator on a multivalued key: positive if any request value matches, negated if none does', () => {
    const context = { 'aws:TagKeys': ['team', 'cost'] };
    expect(holds('StringEquals', 'aws:TagKeys', 'team', context)).toBe(true);
    expect(holds('StringEquals', 'aws:TagKeys', 'owner', context)).toBe(false);
    expect(holds('StringNotEquals', 'aws:TagKeys', 'team', context)).toBe(false);
    expect(holds('StringNotEquals', 'aws:TagKeys', 'owner', context)).toBe(true);
  });

  it('for every operator pair, the negated form is the complement of the positive one when the key is present', () => {
    const pairs: [ConditionOperator, ConditionOperator][] = [
      ['StringEquals', 'StringNotEquals'],
      ['StringEqualsIgnoreCase', 'StringNotEqualsIgnoreCase'],
      ['StringLike', 'StringNotLike'],
      ['NumericEquals', 'NumericNotEquals'],
      ['DateEquals', 'DateNotEquals'],
      ['IpAddress', 'NotIpAddress'],
      ['ArnLike', 'ArnNotLike'],
      ['ArnEquals', 'ArnNotEquals'],
    ];
    for (const [positive, negated] of pairs) {
      const sample = SAMPLES[positive];
      fc.assert(
        fc.property(
          fc.subarray([sample.policy, SAMPLES[negated].policy, sample.other], { minLength: 1 }),
          fc.constantFrom(sample.matching, sample.other),
          (values, request) => {
            const context = { 'ctx:key': request };
            expect(holds(negated, 'ctx:key', values, context)).toBe(!holds(positive, 'ctx:key', values, context));
          },
        ),
      );
    }
  });

  it('each sample request value satisfies its operator and the other does not', () => {
    for (const operator of CONDITION_OPERATORS) {
      if (operator === 'Null') continue;
      const { policy, matching, other } = SAMPLES[operator];
      const negated = NEGATED.has(operator);
      expect(holds(operator, 'ctx:key', policy, { 'ctx:key': matching }), operator).toBe(!negated);
      expect(holds(operator, 'ctx:key', policy, { 'ctx:key': other }), operator).toBe(negated);
    }
  });
});

describe('set operators on multivalued keys', () => {
  const tagKeys = ['environment', 'cost-center'];

  it('ForAllValues:StringEquals holds when every request value is in the policy, or there are none', () => {
    expect(holds('ForAllValues:StringEquals', 'aws:TagKeys', tagKeys, { 'aws:TagKeys': ['environment', 'cost-center'] })).toBe(true);
    expect(holds('ForAllValues:StringEquals', 'aws:TagKeys', tagKeys, { 'aws:TagKeys': ['environment'] })).toBe(true);
    expect(holds('ForAllValues:StringEquals', 'aws:TagKeys', tagKeys, { 'aws:TagKeys': ['environment', 'dept'] })).toBe(false);
    expect(holds('ForAllValues:StringEquals', 'aws:TagKeys', tagKeys, {})).toBe(true);
    expect(holds('ForAllValues:StringEquals', 'aws:TagKeys', tagKeys, { 'aws:TagKeys': [] })).toBe(true);
  });

  it('ForAnyValue:StringEquals holds when some request value is in the policy; false when the key is missing', () => {
    expect(holds('ForAnyValue:StringEquals', 'aws:TagKeys', tagKeys, { 'aws:TagKeys': ['environment', 'dept'] })).toBe(true);
    expect(holds('ForAnyValue:StringEquals', 'aws:TagKeys', tagKeys, { 'aws:TagKeys': ['dept'] })).toBe(false);
    expect(holds('ForAnyValue:StringEquals', 'aws:TagKeys', tagKeys, {})).toBe(false);
  });

  it('ForAllValues:StringNotLike {"aws:TagKeys": "key1*"} (the Deny example of the IAM User Guide)', () => {
    const check = (context: RequestContextValues) => holds('ForAllValues:StringNotLike', 'aws:TagKeys', 'key1*', context);
    expect(check({ 'aws:TagKeys': ['key1:legal'] })).toBe(false);
    expect(check({ 'aws:TagKeys': ['key1:hr', 'key1:personnel'] })).toBe(false);
    expect(check({ 'aws:TagKeys': ['key2:audit'] })).toBe(true);
    expect(check({})).toBe(true);
  });

  it('agree with set algebra: ForAllValues is "subset of", ForAnyValue is "intersects"', () => {
    const word = fc.constantFrom('a', 'b', 'c', 'd');
    fc.assert(
      fc.property(fc.uniqueArray(word, { minLength: 1 }), fc.uniqueArray(word), (policy, request) => {
        const context = { 'aws:TagKeys': request };
        expect(holds('ForAllValues:StringEquals', 'aws:TagKeys', policy, context)).toBe(request.every((value) => policy.includes(value)));
        expect(holds('ForAnyValue:StringEquals', 'aws:TagKeys', policy, context)).toBe(request.some((value) => policy.includes(value)));
        expect(holds('ForAllValues:StringNotEquals', 'aws:TagKeys', policy, context)).toBe(request.every((value) => !policy.includes(value)));
        expect(holds('ForAnyValue:StringNotEquals', 'aws:TagKeys', policy, context)).toBe(request.some((value) => !policy.includes(value)));
      }),
    );
  });
});

describe('operator names', () => {
  it('split into set operator, operator and IfExists', () => {
    expect(parseOperatorName('ForAnyValue:StringLikeIfExists')).toEqual({ operator: 'StringLike', setOperator: 'ForAnyValue', ifExists: true });
    expect(parseOperatorName('NumericLessThan')).toEqual({ operator: 'NumericLessThan', ifExists: false });
  });

  it('explain what is wrong with a name that is not an operator', () => {
    expect(parseOperatorName('StringEqual')).toBe('unknown condition operator "StringEqual" (did you mean "StringEquals"?)');
    expect(parseOperatorName('stringequals')).toContain('did you mean "StringEquals"?');
    expect(parseOperatorName('ForEveryValue:StringEquals')).toContain('unknown condition set operator "ForEveryValue"');
    expect(parseOperatorName('NullIfExists')).toBe('the Null operator cannot take the IfExists suffix');
    expect(parseOperatorName('IfExists')).toContain('unknown condition operator');
  });
});

describe('policy variables in condition values', () => {
  it('are substituted for string and ARN operators only in 2012-10-17 policies', () => {
    const username = clause('StringEquals', 'aws:PrincipalTag/owner', '${aws:username}');
    const context = new RequestContext({ 'aws:username': 'alice', 'aws:PrincipalTag/owner': 'alice' });
    expect(evaluateCondition(username, context, true).kind).toBe('met');
    expect(evaluateCondition(username, context, false).kind).toBe('not-met');
  });

  it('leave the statement unresolved when the variable has no value and no default', () => {
    const username = clause('StringEquals', 'aws:PrincipalTag/owner', '${aws:username}');
    expect(evaluateCondition(username, new RequestContext({ 'aws:PrincipalTag/owner': 'x' }), true)).toEqual({
      kind: 'unresolved',
      missingKey: 'aws:username',
    });
    const withDefault = clause('StringEquals', 'aws:PrincipalTag/owner', "${aws:username, 'nobody'}");
    expect(evaluateCondition(withDefault, new RequestContext({ 'aws:PrincipalTag/owner': 'nobody' }), true).kind).toBe('met');
  });
});
