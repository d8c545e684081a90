/**
 * The four-rule lifecycle policy of the project's reference material (seed 004): untagged
 * images after 7 days, the latest 10 dev images, staging images after 30 days, the latest
 * 50 production images.
 */
export const SEED_POLICY = {
  rules: [
    {
      rulePriority: 1,
      description: 'expire untagged images after 7 days',
      selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 7 },
      action: { type: 'expire' },
    },
    {
      rulePriority: 2,
      description: 'keep only the latest 10 dev images',
      selection: { tagStatus: 'tagged', tagPrefixList: ['dev-', 'feature-'], countType: 'imageCountMoreThan', countNumber: 10 },
      action: { type: 'expire' },
    },
    {
      rulePriority: 3,
      description: 'expire non-production images after 30 days',
      selection: { tagStatus: 'tagged', tagPrefixList: ['staging-', 'test-'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 30 },
      action: { type: 'expire' },
    },
    {
      rulePriority: 4,
      description: 'keep the latest 50 production images',
      selection: { tagStatus: 'tagged', tagPrefixList: ['v'], countType: 'imageCountMoreThan', countNumber: 50 },
      action: { type: 'expire' },
    },
  ],
};
