import type { Operation } from '../operation.js';
import { AwsError } from '../errors.js';
import { decodeNextToken, encodeNextToken } from '../pagination.js';

/** Lifecycle policies and their previews (the policy language: src/lifecycle/policy.ts). */

const DEFAULT_PREVIEW_PAGE = 100;

const timestamp = (ms: number | null) => (ms === null ? undefined : new Date(ms));

const putLifecyclePolicy: Operation = async ({ input, registry }) => {
  const name = input.repositoryName as string;
  const lifecyclePolicyText = input.lifecyclePolicyText as string;
  await registry.lifecycle.put(name, lifecyclePolicyText);
  return { registryId: registry.context.registryId, repositoryName: name, lifecyclePolicyText };
};

const getLifecyclePolicy: Operation = async ({ input, registry }) => {
  const name = input.repositoryName as string;
  const policy = await registry.lifecycle.get(name);
  return { registryId: registry.context.registryId, repositoryName: name, lifecyclePolicyText: policy.text, lastEvaluatedAt: timestamp(policy.lastEvaluatedAt) };
};

const deleteLifecyclePolicy: Operation = async ({ input, registry }) => {
  const name = input.repositoryName as string;
  const policy = await registry.lifecycle.delete(name);
  return { registryId: registry.context.registryId, repositoryName: name, lifecyclePolicyText: policy.text, lastEvaluatedAt: timestamp(policy.lastEvaluatedAt) };
};

const startLifecyclePolicyPreview: Operation = async ({ input, registry }) => {
  const name = input.repositoryName as string;
  const lifecyclePolicyText = await registry.lifecycle.startPreview(name, input.lifecyclePolicyText as string | undefined);
  return { registryId: registry.context.registryId, repositoryName: name, lifecyclePolicyText, status: 'IN_PROGRESS' };
};

const getLifecyclePolicyPreview: Operation = async ({ input, registry }) => {
  const name = input.repositoryName as string;
  const imageIds = input.imageIds as { imageDigest?: string; imageTag?: string }[] | undefined;
  if (imageIds && (input.nextToken !== undefined || input.maxResults !== undefined)) {
    throw new AwsError('InvalidParameterException', "Invalid parameter at 'imageIds': maxResults and nextToken cannot be used together with imageIds");
  }
  const after = decodeNextToken(input.nextToken);
  const afterPosition = after === undefined ? undefined : Number(after);
  if (afterPosition !== undefined && !Number.isSafeInteger(afterPosition)) {
    throw new AwsError('InvalidParameterException', "Invalid parameter at 'nextToken' failed to satisfy constraint: 'The token is not valid'");
  }
  const filter = input.filter as { tagStatus?: 'TAGGED' | 'UNTAGGED' | 'ANY' } | undefined;
  const digests = imageIds ? await digestsOfIds(registry, name, imageIds) : undefined;
  const preview = await registry.lifecycle.preview(name, {
    afterPosition,
    limit: imageIds ? imageIds.length : ((input.maxResults as number | undefined) ?? DEFAULT_PREVIEW_PAGE),
    digests,
    tagStatus: filter?.tagStatus,
  });
  return {
    registryId: registry.context.registryId,
    repositoryName: name,
    lifecyclePolicyText: preview.policyText,
    status: preview.status,
    previewResults: preview.results.map((result) => ({
      imageTags: result.tags,
      imageDigest: result.digest,
      imagePushedAt: new Date(result.pushedAt),
      action: { type: 'EXPIRE' },
      appliedRulePriority: result.rulePriority,
      storageClass: 'STANDARD',
    })),
    ...(preview.nextPosition !== undefined ? { nextToken: encodeNextToken(String(preview.nextPosition)) } : {}),
    ...(preview.status === 'COMPLETE' ? { summary: { expiringImageTotalCount: preview.expiringCount ?? 0 } } : {}),
  };
};

/** The digests named by image ids: a digest as given, a tag resolved to the image it points at now. */
async function digestsOfIds(registry: Parameters<Operation>[0]['registry'], name: string, ids: { imageDigest?: string; imageTag?: string }[]): Promise<string[]> {
  const digests = new Set<string>();
  const tags = ids.flatMap((id) => (id.imageDigest === undefined && id.imageTag !== undefined ? [id.imageTag] : []));
  for (const id of ids) if (id.imageDigest !== undefined) digests.add(id.imageDigest);
  for (const imageTag of tags) {
    // A tag that names no image selects nothing.
    const [image] = await registry.images.describeIds(name, [{ imageTag }]).catch(() => []);
    if (image) digests.add(image.digest);
  }
  return [...digests];
}

export const lifecycleOperations: Record<string, Operation> = {
  PutLifecyclePolicy: putLifecyclePolicy,
  GetLifecyclePolicy: getLifecyclePolicy,
  DeleteLifecyclePolicy: deleteLifecyclePolicy,
  StartLifecyclePolicyPreview: startLifecyclePolicyPreview,
  GetLifecyclePolicyPreview: getLifecyclePolicyPreview,
};
