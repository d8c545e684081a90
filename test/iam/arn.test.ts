import { describe, expect, it } from 'vitest';
import { formatArn, matchesArnCondition, matchesResourcePattern, parseArn, repositoryArn } from '../../src/iam/arn.js';

describe('ARN parsing', () => {
  it('splits the six segments, keeping colons inside the resource part', () => {
    expect(parseArn('arn:aws:ecr:us-east-1:123456789012:repository/team/app')).toEqual({
      partition: 'aws',
      service: 'ecr',
      region: 'us-east-1',
      account: '123456789012',
      resource: 'repository/team/app',
    });
    expect(parseArn('arn:aws:logs:us-east-1:123456789012:log-group:name:*')?.resource).toBe('log-group:name:*');
    expect(parseArn('arn:aws:s3:::bucket')).toMatchObject({ region: '', account: '', resource: 'bucket' });
  });

  it('rejects text that is not an ARN', () => {
    expect(parseArn('*')).toBeUndefined();
    expect(parseArn('arn:aws:ecr:us-east-1')).toBeUndefined();
    expect(parseArn('urn:aws:ecr:us-east-1:123456789012:repository/x')).toBeUndefined();
    expect(parseArn('arn::ecr:us-east-1:123456789012:repository/x')).toBeUndefined();
  });

  it('formats what it parses', () => {
    const text = 'arn:aws:ecr:eu-west-1:123456789012:repository/a/b';
    expect(formatArn(parseArn(text)!)).toBe(text);
    expect(repositoryArn('eu-west-1', '123456789012', 'a/b')).toBe(text);
  });
});

describe('Resource element matching', () => {
  const app = 'arn:aws:ecr:us-east-1:123456789012:repository/team/app';

  it('matches ECR repository patterns', () => {
    expect(matchesResourcePattern('*', app)).toBe(true);
    expect(matchesResourcePattern(app, app)).toBe(true);
    expect(matchesResourcePattern('arn:aws:ecr:us-east-1:123456789012:repository/team/*', app)).toBe(true);
    expect(matchesResourcePattern('arn:aws:ecr:us-east-1:123456789012:repository/team/*', `${app}/nested`)).toBe(true);
    expect(matchesResourcePattern('arn:aws:ecr:us-east-1:123456789012:repository/other/*', app)).toBe(false);
    expect(matchesResourcePattern('arn:aws:ecr:*:123456789012:repository/*', app)).toBe(true);
    expect(matchesResourcePattern('arn:aws:ecr:us-east-1:210987654321:repository/*', app)).toBe(false);
  });

  it('is case-sensitive', () => {
    expect(matchesResourcePattern('arn:aws:ecr:us-east-1:123456789012:repository/Team/*', app)).toBe(false);
  });

  it('follows the IAM User Guide example arn:aws:s3:::amzn-s3-demo-bucket/*/test/*', () => {
    const pattern = 'arn:aws:s3:::amzn-s3-demo-bucket/*/test/*';
    const matching = [
      '1/test/object.jpg',
      '1/2/test/object.jpg',
      '1/2/test/3/object.jpg',
      '1/2/3/test/4/object.jpg',
      '1///test///object.jpg',
      '1/test/.jpg',
      '/test/object.jpg',
      '1/test/',
    ];
    const notMatching = ['1-test/object.jpg', 'test/object.jpg', '1/2/test.jpg'];
    for (const key of matching) expect(matchesResourcePattern(pattern, `arn:aws:s3:::amzn-s3-demo-bucket/${key}`)).toBe(true);
    for (const key of notMatching) expect(matchesResourcePattern(pattern, `arn:aws:s3:::amzn-s3-demo-bucket/${key}`)).toBe(false);
  });

  it('lets a * that ends a segment expand across colons, and keeps other wildcards inside their segment', () => {
    // "If the * wildcard is the last character of a resource ARN segment, it can expand to match beyond the colon boundaries."
    expect(matchesResourcePattern('arn:aws:ecr:*', app)).toBe(true);
    expect(matchesResourcePattern('arn:aws:ecr:*:repository/team/app', app)).toBe(true);
    expect(matchesResourcePattern('arn:aws:ecr:us-*-1:repository/team/app', app)).toBe(false);
    expect(matchesResourcePattern('arn:aws:ecr:u*2:repository/team/app', app)).toBe(false);
    expect(matchesResourcePattern('arn:aws:ecr:u*:repository/team/app', app)).toBe(true);
    expect(matchesResourcePattern('arn:aws:ecr:us-east-?:123456789012:repository/team/app', app)).toBe(true);
    expect(matchesResourcePattern('arn:aws:ecr:us-east-1?123456789012:repository/team/app', app)).toBe(false);
  });

  it('lets wildcards in the resource segment match colons', () => {
    expect(matchesResourcePattern('arn:aws:logs:us-east-1:123456789012:log-group:*', 'arn:aws:logs:us-east-1:123456789012:log-group:a:log-stream:b')).toBe(true);
    expect(matchesResourcePattern('arn:aws:logs:us-east-1:123456789012:log-group:a?log-stream:b', 'arn:aws:logs:us-east-1:123456789012:log-group:a:log-stream:b')).toBe(true);
  });
});

describe('ArnLike / ArnEquals matching', () => {
  it('matches each segment separately (IAM examples)', () => {
    const patterns = ['arn:aws:iam::*:role/*', 'arn:aws:ec2:*:*:instance/i-?????'];
    const matchesAny = (value: string) => patterns.some((pattern) => matchesArnCondition(pattern, value));
    expect(matchesAny('arn:aws:iam::123456789012:role/AdminRole')).toBe(true);
    expect(matchesAny('arn:aws:iam::123456789012:user/User')).toBe(false);
    expect(matchesAny('arn:aws:ec2:us-east-1:123456789012:instance/i-12345')).toBe(true);
    expect(matchesAny('arn:aws:ec2:us-east-1:123456789012:instance/i-123456')).toBe(false);
    expect(matchesArnCondition('arn:aws:sns:REGION:123456789012:TOPIC-ID', 'arn:aws:sns:REGION:123456789012:TOPIC-ID')).toBe(true);
  });

  it('never lets a wildcard span segments, so a pattern needs all six', () => {
    expect(matchesArnCondition('arn:aws:iam::*', 'arn:aws:iam::123456789012:role/x')).toBe(false);
    expect(matchesArnCondition('arn:*:role/x', 'arn:aws:iam::123456789012:role/x')).toBe(false);
    expect(matchesArnCondition('arn:aws:iam::123456789012:role/*', 'not-an-arn')).toBe(false);
  });

  it('is case-sensitive', () => {
    expect(matchesArnCondition('arn:aws:iam::*:role/admin', 'arn:aws:iam::123456789012:role/Admin')).toBe(false);
  });
});
