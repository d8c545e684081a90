import type { OciRoute } from '../http/oci/routes.js';

/**
 * The ECR action each `/v2/` request is authorized as, as ECR maps Docker's API onto its
 * own: pulls are BatchGetImage (manifests) and GetDownloadUrlForLayer (layers), pushes are
 * BatchCheckLayerAvailability, InitiateLayerUpload, UploadLayerPart, CompleteLayerUpload
 * and PutImage. `undefined`: authentication alone suffices (`GET /v2/`).
 */
export function dataPlaneAction(route: OciRoute, method: string): string | undefined {
  switch (route.kind) {
    case 'base':
      return undefined;
    case 'catalog':
      return 'ecr:DescribeRepositories';
    case 'tags':
      return 'ecr:ListImages';
    case 'referrers':
      return 'ecr:ListImageReferrers';
    case 'sbom':
      // Whoever may pull the image may read what it contains.
      return 'ecr:BatchGetImage';
    case 'manifest':
      if (method === 'PUT') return 'ecr:PutImage';
      if (method === 'DELETE') return 'ecr:BatchDeleteImage';
      return 'ecr:BatchGetImage';
    case 'blob':
      if (method === 'DELETE') return 'ecr:BatchDeleteImage';
      if (method === 'HEAD') return 'ecr:BatchCheckLayerAvailability';
      return 'ecr:GetDownloadUrlForLayer';
    case 'uploads':
      return 'ecr:InitiateLayerUpload';
    case 'upload':
      return method === 'PUT' ? 'ecr:CompleteLayerUpload' : 'ecr:UploadLayerPart';
  }
}
