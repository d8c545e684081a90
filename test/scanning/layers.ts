import { spawnSync } from 'node:child_process';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import tar from 'tar-stream';
import type { LayerSource } from '../../src/scanning/filesystem-view.js';

export type TestEntry =
  | { name: string; content: string | Buffer; mode?: number }
  | { name: string; type: 'directory' }
  | { name: string; type: 'symlink' | 'link'; linkname: string };

export const GZIP = 'application/vnd.oci.image.layer.v1.tar+gzip';
export const DOCKER_GZIP = 'application/vnd.docker.image.rootfs.diff.tar.gzip';
export const TAR = 'application/vnd.oci.image.layer.v1.tar';
export const ZSTD = 'application/vnd.oci.image.layer.v1.tar+zstd';

export async function tarOf(entries: TestEntry[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const e of entries) {
    if ('content' in e) {
      await new Promise<void>((resolve, reject) =>
        pack.entry({ name: e.name, mode: e.mode ?? 0o644 }, e.content, (err) => (err ? reject(err) : resolve())),
      );
    } else if (e.type === 'directory') {
      pack.entry({ name: e.name, type: 'directory', mode: 0o755 });
    } else {
      pack.entry({ name: e.name, type: e.type, linkname: e.linkname });
    }
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export function zstdAvailable(): boolean {
  const r = spawnSync('zstd', ['--version'], { stdio: 'ignore' });
  return r.status === 0;
}

export function zstdCompress(data: Buffer): Buffer {
  const r = spawnSync('zstd', ['-q', '-c', '-3'], { input: data, maxBuffer: 256 * 1024 * 1024 });
  if (r.status !== 0) throw new Error(`zstd failed: ${r.stderr.toString()}`);
  return r.stdout;
}

/** A layer source over bytes, handed out in small chunks to exercise streaming. */
export function layer(bytes: Buffer, mediaType: string): LayerSource & { opens: number } {
  const source = {
    mediaType,
    opens: 0,
    async open() {
      source.opens++;
      const chunks: Buffer[] = [];
      for (let i = 0; i < bytes.length; i += 1000) chunks.push(bytes.subarray(i, i + 1000));
      return Readable.from(chunks);
    },
  };
  return source;
}

export async function gzLayer(entries: TestEntry[], mediaType = GZIP) {
  return layer(zlib.gzipSync(await tarOf(entries)), mediaType);
}

export async function* asAsync<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) yield item;
}

/** Runs `task` and resolves to its result and the most heap and buffer memory it held above the start (sampled every 5 ms). */
export async function withMemoryPeak<T>(task: () => Promise<T>): Promise<{ result: T; peak: number }> {
  const before = process.memoryUsage();
  let peak = 0;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    peak = Math.max(peak, m.heapUsed + m.arrayBuffers - before.heapUsed - before.arrayBuffers);
  }, 5);
  try {
    return { result: await task(), peak };
  } finally {
    clearInterval(timer);
  }
}
