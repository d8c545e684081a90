import { describe, expect, it } from 'vitest';
import { ECR_MODEL_FILE, loadServiceModel } from '../../src/aws/service-model.js';
import { validateInput } from '../../src/aws/validate-input.js';

const model = loadServiceModel(ECR_MODEL_FILE);

describe('validating against the ECR service model', () => {
  it('accepts a request that satisfies its shape', () => {
    expect(validateInput(model, 'CreateRepositoryRequest', { repositoryName: 'team/app', imageTagMutability: 'IMMUTABLE', tags: [{ Key: 'a', Value: 'b' }] })).toEqual([]);
  });

  it('reports missing required members, patterns, lengths, enums and ranges with their paths', () => {
    expect(validateInput(model, 'CreateRepositoryRequest', {})).toEqual([
      { kind: 'constraint', path: 'repositoryName', value: null, constraint: 'Member must not be null' },
    ]);
    const problems = validateInput(model, 'CreateRepositoryRequest', { repositoryName: 'A', imageTagMutability: 'SOMETIMES' });
    expect(problems.map((problem) => problem.kind === 'constraint' && problem.constraint)).toEqual([
      'Member must have length greater than or equal to 2',
      expect.stringMatching(/^Member must satisfy regular expression pattern: /),
      'Member must satisfy enum value set: [MUTABLE, IMMUTABLE, IMMUTABLE_WITH_EXCLUSION, MUTABLE_WITH_EXCLUSION]',
    ]);
    expect(validateInput(model, 'DescribeRepositoriesRequest', { maxResults: 1001 })).toEqual([
      { kind: 'constraint', path: 'maxResults', value: 1001, constraint: 'Member must have value less than or equal to 1000' },
    ]);
    expect(validateInput(model, 'BatchGetImageRequest', { repositoryName: 'a1', imageIds: [{ imageTag: '' }] })[0]).toMatchObject({ path: 'imageIds.1.member.imageTag' });
  });

  it('matches patterns against the whole value', () => {
    expect(validateInput(model, 'CreateRepositoryRequest', { repositoryName: 'ok/name' })).toEqual([]);
    expect(validateInput(model, 'CreateRepositoryRequest', { repositoryName: 'ok/name/' })).not.toEqual([]);
  });

  it('reports values of the wrong JSON type as not deserializable', () => {
    expect(validateInput(model, 'DescribeRepositoriesRequest', { maxResults: '10' })).toEqual([{ kind: 'serialization', path: 'maxResults', expected: 'integer' }]);
    expect(validateInput(model, 'DescribeRepositoriesRequest', { repositoryNames: 'one' })).toEqual([{ kind: 'serialization', path: 'repositoryNames', expected: 'list' }]);
  });

  it('ignores unknown members unless asked to report them', () => {
    expect(validateInput(model, 'DescribeRegistryResponse', { registryId: '000000000000', replicationConfiguration: { rules: [] }, extra: 1 })).toEqual([]);
    expect(
      validateInput(model, 'DescribeRegistryResponse', { registryId: '000000000000', replicationConfiguration: { rules: [] }, extra: 1 }, { rejectUnknownMembers: true }),
    ).toEqual([{ kind: 'constraint', path: 'extra', value: 1, constraint: 'Member is not defined by the shape' }]);
  });
});
