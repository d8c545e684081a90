/**
 * The IAM actions of Amazon ECR. The API actions are the operations of ECR's service model
 * (botocore 1.43.11, `data/ecr/2015-09-21/service-2.json`), each prefixed with `ecr:`. AWS does not
 * reject unknown actions in policies, so neither does the policy parser; this list is for
 * modules that map operations to actions and for tooling.
 */
export const ECR_API_ACTIONS = [
  'ecr:BatchCheckLayerAvailability',
  'ecr:BatchDeleteImage',
  'ecr:BatchGetImage',
  'ecr:BatchGetRepositoryScanningConfiguration',
  'ecr:CompleteLayerUpload',
  'ecr:CreatePullThroughCacheRule',
  'ecr:CreateRepository',
  'ecr:CreateRepositoryCreationTemplate',
  'ecr:DeleteLifecyclePolicy',
  'ecr:DeletePullThroughCacheRule',
  'ecr:DeleteRegistryPolicy',
  'ecr:DeleteRepository',
  'ecr:DeleteRepositoryCreationTemplate',
  'ecr:DeleteRepositoryPolicy',
  'ecr:DeleteSigningConfiguration',
  'ecr:DeregisterPullTimeUpdateExclusion',
  'ecr:DescribeImageReplicationStatus',
  'ecr:DescribeImageScanFindings',
  'ecr:DescribeImageSigningStatus',
  'ecr:DescribeImages',
  'ecr:DescribePullThroughCacheRules',
  'ecr:DescribeRegistry',
  'ecr:DescribeRepositories',
  'ecr:DescribeRepositoryCreationTemplates',
  'ecr:GetAccountSetting',
  'ecr:GetAuthorizationToken',
  'ecr:GetDownloadUrlForLayer',
  'ecr:GetLifecyclePolicy',
  'ecr:GetLifecyclePolicyPreview',
  'ecr:GetRegistryPolicy',
  'ecr:GetRegistryScanningConfiguration',
  'ecr:GetRepositoryPolicy',
  'ecr:GetSigningConfiguration',
  'ecr:InitiateLayerUpload',
  'ecr:ListImageReferrers',
  'ecr:ListImages',
  'ecr:ListPullTimeUpdateExclusions',
  'ecr:ListTagsForResource',
  'ecr:PutAccountSetting',
  'ecr:PutImage',
  'ecr:PutImageScanningConfiguration',
  'ecr:PutImageTagMutability',
  'ecr:PutLifecyclePolicy',
  'ecr:PutRegistryPolicy',
  'ecr:PutRegistryScanningConfiguration',
  'ecr:PutReplicationConfiguration',
  'ecr:PutSigningConfiguration',
  'ecr:RegisterPullTimeUpdateExclusion',
  'ecr:SetRepositoryPolicy',
  'ecr:StartImageScan',
  'ecr:StartLifecyclePolicyPreview',
  'ecr:TagResource',
  'ecr:UntagResource',
  'ecr:UpdateImageStorageClass',
  'ecr:UpdatePullThroughCacheRule',
  'ecr:UpdateRepositoryCreationTemplate',
  'ecr:UploadLayerPart',
  'ecr:ValidatePullThroughCacheRule',
] as const;

/**
 * Actions that authorize work with no API operation of their own: cross-account
 * replication and pull-through cache imports (ECR User Guide, "Private registry
 * permissions in Amazon ECR").
 */
export const ECR_PERMISSION_ONLY_ACTIONS = ['ecr:BatchImportUpstreamImage', 'ecr:ReplicateImage'] as const;

export type EcrApiAction = (typeof ECR_API_ACTIONS)[number];
export type EcrAction = EcrApiAction | (typeof ECR_PERMISSION_ONLY_ACTIONS)[number];

export const ECR_ACTIONS: readonly EcrAction[] = [...ECR_API_ACTIONS, ...ECR_PERMISSION_ONLY_ACTIONS].sort();

const BY_LOWER_CASE = new Map<string, EcrAction>(ECR_ACTIONS.map((action) => [action.toLowerCase(), action]));

/** The action an ECR JSON API operation needs, e.g. `BatchGetImage` → `ecr:BatchGetImage`. */
export function actionForOperation(operation: string): EcrApiAction | undefined {
  const action = `ecr:${operation}`;
  return (ECR_API_ACTIONS as readonly string[]).includes(action) ? (action as EcrApiAction) : undefined;
}

/** Whether `action` names an ECR action (IAM action names are case-insensitive); returns its canonical spelling. */
export function canonicalEcrAction(action: string): EcrAction | undefined {
  return BY_LOWER_CASE.get(action.toLowerCase());
}
