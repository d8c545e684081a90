import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/** Download URLs are valid for an hour, as ECR's presigned layer URLs are. */
export const LAYER_DOWNLOAD_LIFETIME_SECONDS = 3600;

/** What a download URL grants: one blob of one repository, until `expires` (epoch seconds). */
export interface LayerDownloadGrant {
  registryId: string;
  repositoryName: string;
  digest: string;
  expires: number;
}

export type GrantCheck = 'valid' | 'expired' | 'forged';

/**
 * Signs and checks layer download grants with HMAC-SHA256. The grant travels in the URL, so
 * nothing is stored; whoever holds the URL may fetch the blob until it expires, without
 * other credentials, as with an S3 presigned URL.
 */
export class LayerDownloads {
  private readonly key: Buffer;

  constructor(key: Uint8Array = randomBytes(32)) {
    this.key = Buffer.from(key);
  }

  issue(grant: Omit<LayerDownloadGrant, 'expires'>, nowMs: number): LayerDownloadGrant & { signature: string } {
    const complete = { ...grant, expires: Math.floor(nowMs / 1000) + LAYER_DOWNLOAD_LIFETIME_SECONDS };
    return { ...complete, signature: this.sign(complete) };
  }

  check(grant: LayerDownloadGrant, signature: string, nowMs: number): GrantCheck {
    const expected = Buffer.from(this.sign(grant), 'utf8');
    const given = Buffer.from(signature, 'utf8');
    if (!Number.isSafeInteger(grant.expires) || expected.length !== given.length || !timingSafeEqual(expected, given)) return 'forged';
    return grant.expires * 1000 <= nowMs ? 'expired' : 'valid';
  }

  private sign(grant: LayerDownloadGrant): string {
    // Newline-separated: none of the fields can contain one, so no two grants sign alike.
    const text = ['v1', grant.registryId, grant.repositoryName, grant.digest, String(grant.expires)].join('\n');
    return createHmac('sha256', this.key).update(text).digest('base64url');
  }
}
