import type { RepositoryDetails, ResourceTag } from '../../../registry/repositories.js';
import type { RepositorySettings, TagMutability, TagMutabilityExclusion } from '../../../registry/repository-settings.js';
import { AwsError } from '../errors.js';
import type { Operation, OperationContext } from '../operation.js';
import { decodeNextToken, page } from '../pagination.js';

/** ECR's `Repository` shape. */
export function repositoryShape(context: OperationContext, repository: RepositoryDetails): Record<string, unknown> {
  const registryId = context.registry.context.registryId;
  const shape: Record<string, unknown> = {
    repositoryArn: `arn:aws:ecr:${context.region}:${registryId}:repository/${repository.name}`,
    registryId,
    repositoryName: repository.name,
    repositoryUri: `${context.registryHost}/${repository.name}`,
    createdAt: new Date(repository.createdAt),
    imageTagMutability: repository.imageTagMutability,
    imageScanningConfiguration: { scanOnPush: repository.scanOnPush },
    encryptionConfiguration: repository.kmsKey
      ? { encryptionType: repository.encryptionType, kmsKey: repository.kmsKey }
      : { encryptionType: repository.encryptionType },
  };
  if (repository.tagMutabilityExclusions.length > 0) shape.imageTagMutabilityExclusionFilters = repository.tagMutabilityExclusions;
  return shape;
}

type Input = Record<string, unknown>;

/** Tag mutability with its exclusion filters, checked together as ECR does. */
function tagMutabilityOf(input: Input): Pick<RepositorySettings, 'imageTagMutability' | 'tagMutabilityExclusions'> | undefined {
  const mutability = input.imageTagMutability as TagMutability | undefined;
  const exclusions = (input.imageTagMutabilityExclusionFilters as TagMutabilityExclusion[] | undefined) ?? [];
  if (mutability === undefined) {
    if (exclusions.length > 0) throw invalid('imageTagMutabilityExclusionFilters can only be used with MUTABLE_WITH_EXCLUSION or IMMUTABLE_WITH_EXCLUSION');
    return undefined;
  }
  const withExclusion = mutability.endsWith('_WITH_EXCLUSION');
  if (withExclusion && exclusions.length === 0) throw invalid(`imageTagMutabilityExclusionFilters are required with ${mutability}`);
  if (!withExclusion && exclusions.length > 0) throw invalid(`imageTagMutabilityExclusionFilters cannot be used with ${mutability}`);
  return { imageTagMutability: mutability, tagMutabilityExclusions: exclusions };
}

function encryptionOf(input: Input): Pick<RepositorySettings, 'encryptionType' | 'kmsKey'> | undefined {
  const encryption = input.encryptionConfiguration as { encryptionType: RepositorySettings['encryptionType']; kmsKey?: string } | undefined;
  if (!encryption) return undefined;
  if (encryption.encryptionType === 'AES256' && encryption.kmsKey) throw invalid('kmsKey can only be specified with encryptionType KMS or KMS_DSSE');
  return { encryptionType: encryption.encryptionType, kmsKey: encryption.kmsKey ?? null };
}

function resourceTagsOf(input: Input, member = 'tags'): ResourceTag[] {
  const tags = (input[member] as { Key: string; Value: string }[] | undefined) ?? [];
  return tags.map((tag) => ({ key: tag.Key, value: tag.Value }));
}

export function invalid(message: string): AwsError {
  return new AwsError('InvalidParameterException', message);
}

const createRepository: Operation = async (context) => {
  const { input, registry } = context;
  const settings: Partial<RepositorySettings> = {
    ...tagMutabilityOf(input),
    ...encryptionOf(input),
  };
  const scanning = input.imageScanningConfiguration as { scanOnPush?: boolean } | undefined;
  if (scanning?.scanOnPush !== undefined) settings.scanOnPush = scanning.scanOnPush;
  const repository = await registry.repositories.create(input.repositoryName as string, settings, resourceTagsOf(input));
  return { repository: repositoryShape(context, repository) };
};

const DEFAULT_PAGE_SIZE = 100;

const describeRepositories: Operation = async (context) => {
  const { input, registry } = context;
  const names = input.repositoryNames as string[] | undefined;
  if (names && (input.maxResults !== undefined || input.nextToken !== undefined)) {
    throw invalid('maxResults and nextToken cannot be used together with repositoryNames');
  }
  const limit = (input.maxResults as number | undefined) ?? DEFAULT_PAGE_SIZE;
  const after = decodeNextToken(input.nextToken);
  if (names) {
    const repositories = await registry.repositories.describe({ names, limit: names.length });
    return { repositories: repositories.map((repository) => repositoryShape(context, repository)) };
  }
  const rows = await registry.repositories.describe({ after, limit: limit + 1 });
  const { items, nextToken } = page(rows, limit, (repository) => repository.name);
  return { repositories: items.map((repository) => repositoryShape(context, repository)), ...(nextToken ? { nextToken } : {}) };
};

const deleteRepository: Operation = async (context) => {
  const { input, registry } = context;
  const repository = await registry.repositories.delete(input.repositoryName as string, { force: input.force === true });
  return { repository: repositoryShape(context, repository) };
};

const putImageTagMutability: Operation = async ({ input, registry }) => {
  const mutability = tagMutabilityOf(input)!;
  await registry.repositories.updateSettings(input.repositoryName as string, mutability);
  const answer: Record<string, unknown> = {
    registryId: registry.context.registryId,
    repositoryName: input.repositoryName,
    imageTagMutability: mutability.imageTagMutability,
  };
  if (mutability.tagMutabilityExclusions.length > 0) answer.imageTagMutabilityExclusionFilters = mutability.tagMutabilityExclusions;
  return answer;
};

const putImageScanningConfiguration: Operation = async ({ input, registry }) => {
  const scanning = input.imageScanningConfiguration as { scanOnPush?: boolean };
  await registry.repositories.updateSettings(input.repositoryName as string, { scanOnPush: scanning.scanOnPush === true });
  return {
    registryId: registry.context.registryId,
    repositoryName: input.repositoryName,
    imageScanningConfiguration: { scanOnPush: scanning.scanOnPush === true },
  };
};

export const repositoryOperations: Record<string, Operation> = {
  CreateRepository: createRepository,
  DescribeRepositories: describeRepositories,
  DeleteRepository: deleteRepository,
  PutImageTagMutability: putImageTagMutability,
  PutImageScanningConfiguration: putImageScanningConfiguration,
};
