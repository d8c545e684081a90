import type { ByteRange } from '../storage/blobs/blob-store.js';
import { getAccountSetting } from '../storage/meta/account-settings.js';
import { findLinkedBlob, linkFromRepository, unlinkBlob } from '../storage/meta/blobs.js';
import { openBlobContent, type BlobContent } from './blob-content.js';
import type { RegistryContext } from './context.js';
import { parseDigest, type Digest } from './digest.js';
import { RegistryError } from './errors.js';
import { refreshLinksInBackground } from './link-touches.js';
import { assertRepositoryName } from './names.js';
import type { Repositories } from './repositories.js';

export interface BlobInfo {
  digest: Digest;
  size: number;
}

/** Reading, deleting and mounting blobs as a repository sees them. */
export class Blobs {
  constructor(
    private readonly context: RegistryContext,
    private readonly repositories: Repositories,
  ) {}

  async stat(name: string, digestText: string): Promise<BlobInfo> {
    const { digest, size } = await this.linked(name, digestText);
    return { digest, size };
  }

  /** The linked blob, and whether its bytes are kept inline; the link counts as touched. */
  private async linked(name: string, digestText: string): Promise<BlobInfo & { inline: boolean }> {
    const digest = parseDigest(digestText);
    const repository = await this.repositories.get(name);
    const blob = await findLinkedBlob(this.context.database.db, repository.id, digest);
    if (!blob) throw new RegistryError('BLOB_UNKNOWN', `blob ${digest} unknown to repository ${name}`, { digest });
    // The client now relies on the blob being here (it may skip uploading it): garbage
    // collection must spare the link for a grace period from now.
    refreshLinksInBackground(this.context, repository.id, [blob]);
    return { digest, size: blob.size, inline: blob.inline };
  }

  /**
   * Opens a blob for reading. `selectRange` sees the blob's size and picks the inclusive
   * range to read (undefined for all of it); a range outside the blob is refused.
   */
  async open(
    name: string,
    digestText: string,
    selectRange?: (size: number) => ByteRange | undefined,
  ): Promise<BlobInfo & { range: ByteRange | undefined; content: BlobContent }> {
    const { inline, ...blob } = await this.linked(name, digestText);
    const range = selectRange?.(blob.size);
    if (range && (range.start > range.end || range.end >= blob.size)) {
      throw new RegistryError('RANGE_NOT_SATISFIABLE', `range ${range.start}-${range.end} outside blob of ${blob.size} bytes`, {
        size: blob.size,
      });
    }
    const content = await openBlobContent(this.context, { ...blob, inline }, range);
    if (!content) throw new RegistryError('BLOB_UNKNOWN', `blob ${blob.digest} content is missing`, { digest: blob.digest });
    return { ...blob, range, content };
  }

  async delete(name: string, digestText: string): Promise<void> {
    const digest = parseDigest(digestText);
    const repository = await this.repositories.get(name);
    if (!(await unlinkBlob(this.context.database.db, repository.id, digest))) {
      throw new RegistryError('BLOB_UNKNOWN', `blob ${digest} unknown to repository ${name}`, { digest });
    }
  }

  /**
   * Makes a blob of repository `from` visible in `name` without moving bytes. Resolves to
   * undefined when the blob cannot be mounted (the caller falls back to an upload), also
   * when the account turned blob mounting off (account setting BLOB_MOUNTING).
   */
  async mount(name: string, digestText: string, from: string): Promise<BlobInfo | undefined> {
    const digest = parseDigest(digestText);
    assertRepositoryName(from);
    const db = this.context.database.db;
    if ((await getAccountSetting(db, this.context.registryId, 'BLOB_MOUNTING')) === 'DISABLED') return undefined;
    let source;
    try {
      source = await this.repositories.get(from);
    } catch {
      return undefined;
    }
    if (!(await findLinkedBlob(db, source.id, digest))) return undefined;
    const target = await this.repositories.forPush(name);
    // Checked again where the link is made, under a lock on PostgreSQL: a garbage collection
    // may have removed the source's link, and the blob with it, since the look-up above.
    const database = this.context.database;
    const blob = await database.transaction((trx) =>
      linkFromRepository(trx, source.id, target.id, digest, this.context.now(), database.dialect === 'postgres'),
    );
    return blob && { digest, size: blob.size };
  }
}
