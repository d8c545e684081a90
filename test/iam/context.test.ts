import { describe, expect, it } from 'vitest';
import { parseDate } from '../../src/iam/condition-values.js';
import { RequestContext } from '../../src/iam/context.js';

describe('the request context', () => {
  it('looks keys up case-insensitively and keeps lists for multivalued keys', () => {
    const context = new RequestContext({ 'aws:SourceIp': '203.0.113.1', 'aws:TagKeys': ['a', 'b'] });
    expect(context.values('AWS:SOURCEIP')).toEqual(['203.0.113.1']);
    expect(context.values('aws:tagkeys')).toEqual(['a', 'b']);
    expect(context.values('aws:Missing')).toBeUndefined();
    expect(context.variable('aws:TagKeys')).toBeUndefined();
    expect(context.variable('aws:sourceip')).toBe('203.0.113.1');
  });

  it('answers ecr:ResourceTag/<key> and aws:ResourceTag/<key> from either', () => {
    expect(new RequestContext({ 'aws:ResourceTag/env': 'prod' }).values('ecr:ResourceTag/env')).toEqual(['prod']);
    expect(new RequestContext({ 'ecr:ResourceTag/env': 'prod' }).values('aws:ResourceTag/env')).toEqual(['prod']);
  });

  it('derives the principal keys of an IAM user', () => {
    const context = RequestContext.forRequest(
      { type: 'User', account: '123456789012', arn: 'arn:aws:iam::123456789012:user/division/team/alice', userId: 'AIDAEXAMPLE' },
      '210987654321',
      {},
      new Date('2026-03-04T05:06:07.890Z'),
    );
    expect(context.values('aws:PrincipalType')).toEqual(['User']);
    expect(context.values('aws:PrincipalAccount')).toEqual(['123456789012']);
    expect(context.values('aws:PrincipalArn')).toEqual(['arn:aws:iam::123456789012:user/division/team/alice']);
    expect(context.values('aws:username')).toEqual(['alice']);
    expect(context.values('aws:userid')).toEqual(['AIDAEXAMPLE']);
    expect(context.values('aws:ResourceAccount')).toEqual(['210987654321']);
    expect(context.values('aws:CurrentTime')).toEqual(['2026-03-04T05:06:07Z']);
    expect(context.values('aws:EpochTime')).toEqual([String(Math.floor(Date.parse('2026-03-04T05:06:07.890Z') / 1000))]);
  });

  it('gives the root user its account as aws:userid and no aws:username', () => {
    const context = RequestContext.forRequest({ type: 'Account', account: '123456789012', arn: 'arn:aws:iam::123456789012:root' }, '123456789012');
    expect(context.values('aws:PrincipalType')).toEqual(['Account']);
    expect(context.values('aws:userid')).toEqual(['123456789012']);
    expect(context.values('aws:username')).toBeUndefined();
  });

  it('keeps a caller-given time but not caller-given principal keys', () => {
    const context = RequestContext.forRequest({ type: 'Anonymous' }, '123456789012', {
      'aws:CurrentTime': '2020-01-01T00:00:00Z',
      'aws:PrincipalAccount': '999999999999',
    });
    expect(context.values('aws:CurrentTime')).toEqual(['2020-01-01T00:00:00Z']);
    expect(context.values('aws:PrincipalAccount')).toBeUndefined();
    expect(context.values('aws:PrincipalType')).toEqual(['Anonymous']);
  });
});

describe('date condition values', () => {
  it('read the W3C forms of ISO 8601 and epoch seconds as instants', () => {
    const instant = Date.UTC(2020, 0, 2, 3, 4, 5);
    expect(parseDate('2020-01-02T03:04:05Z')).toBe(instant);
    expect(parseDate('2020-01-02T03:04:05.000Z')).toBe(instant);
    expect(parseDate('2020-01-02T05:04:05+02:00')).toBe(instant);
    expect(parseDate('2020-01-01T22:04:05-0500')).toBe(instant);
    expect(parseDate('2020-01-02T03:04Z')).toBe(Date.UTC(2020, 0, 2, 3, 4));
    expect(parseDate('2020-01-02')).toBe(Date.UTC(2020, 0, 2));
    expect(parseDate('2020-01')).toBe(Date.UTC(2020, 0, 1));
    expect(parseDate(String(instant / 1000))).toBe(instant);
  });

  it('reject impossible dates and other text', () => {
    for (const text of ['2020-02-30', '2020-01-02T25:00:00Z', 'yesterday', '2020/01/02', '']) expect(parseDate(text), text).toBeUndefined();
  });
});
