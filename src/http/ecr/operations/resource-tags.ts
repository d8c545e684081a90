import { AwsError } from '../errors.js';
import type { Operation, OperationContext } from '../operation.js';
import { invalid } from './repositories.js';

/** `arn:<partition>:ecr:<region>:<account>:repository/<name>`: the only taggable ECR resource. */
const REPOSITORY_ARN = /^arn:[^:]+:ecr:([^:]*):(\d{12}):repository\/(.+)$/;

/**
 * The repository a resource ARN names, in the registry the request acts on. A request is
 * authorized against the caller's own registry, so an ARN of another account's repository
 * is refused rather than followed.
 */
function repositoryOfArn(context: OperationContext, operation: string): string {
  const arn = context.input.resourceArn as string;
  const match = REPOSITORY_ARN.exec(arn);
  if (!match || match[1] !== context.region) throw invalid("Invalid parameter at 'resourceArn' failed to satisfy constraint: 'Invalid ARN'");
  if (match[2] !== context.registry.context.registryId) {
    throw new AwsError(
      'AccessDeniedException',
      `User: ${context.caller.arn} is not authorized to perform: ecr:${operation} on resource: ${arn} because no resource-based policy allows the ecr:${operation} action`,
    );
  }
  return match[3]!;
}

const tagResource: Operation = async (context) => {
  const name = repositoryOfArn(context, 'TagResource');
  const tags = context.input.tags as { Key: string; Value: string }[];
  await context.registry.repositories.tagResource(
    name,
    tags.map((tag) => ({ key: tag.Key, value: tag.Value })),
  );
  return {};
};

const untagResource: Operation = async (context) => {
  const name = repositoryOfArn(context, 'UntagResource');
  await context.registry.repositories.untagResource(name, context.input.tagKeys as string[]);
  return {};
};

const listTagsForResource: Operation = async (context) => {
  const name = repositoryOfArn(context, 'ListTagsForResource');
  const tags = await context.registry.repositories.resourceTags(name);
  return { tags: tags.map((tag) => ({ Key: tag.key, Value: tag.value })) };
};

export const resourceTagOperations: Record<string, Operation> = {
  TagResource: tagResource,
  UntagResource: untagResource,
  ListTagsForResource: listTagsForResource,
};
