import SqliteDatabase from 'better-sqlite3';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { sha256 } from '../helpers/oci-client.js';
import { spawnServer, type ServerProcess } from '../helpers/process.js';
import { ContentSource, filesIn, openRaw, streamDigest, streamRequest, type RawConnection } from './support.js';

const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const OCI_CONFIG = 'application/vnd.oci.image.config.v1+json';
const OCI_LAYER = 'application/vnd.oci.image.layer.v1.tar+gzip';
const MiB = 1024 * 1024;
/** How long to wait for the server to reach a state it must reach (generous: CI machines are busy). */
const WAIT = { timeout: 10_000, interval: 20 };

/** Images pushed concurrently in each round's burst. */
const IMAGES_PER_ROUND = 12;
/** A large single-request upload left half sent when the server dies. */
const LARGE_BLOB_BYTES = 32 * MiB;
const LARGE_BLOB_SENT = 12 * MiB;
/** A chunked upload: two chunks acknowledged, a third in flight when the server dies. */
const CHUNK_BYTES = 4 * MiB;
const CHUNKED_BLOB_BYTES = 4 * CHUNK_BYTES;
const CHUNK_IN_FLIGHT_SENT = 1 * MiB;

/**
 * Where each round kills the server: after the k-th acknowledged blob of the burst (blob
 * uploads in flight), or after the k-th acknowledged manifest (manifest PUTs in flight).
 */
const KILL_POINTS: { phase: 'blobs' | 'manifests'; after: number }[] = [
  { phase: 'blobs', after: 3 },
  { phase: 'manifests', after: 1 },
  { phase: 'manifests', after: 5 },
  { phase: 'manifests', after: IMAGES_PER_ROUND - 1 },
];

interface AcknowledgedManifest {
  name: string;
  tag: string;
  digest: string;
  body: string;
  blobs: { digest: string; size: number }[];
}

interface Image {
  name: string;
  tag: string;
  config: Buffer;
  layer: Buffer;
  body: string;
}

/** What a killed round left in flight, to be checked after the restart. */
interface InFlight {
  large: { name: string; source: ContentSource; digest: string };
  chunked: { name: string; location: string; source: ContentSource; digest: string; acknowledged: number; sent: number };
  /** Manifests pushed but not acknowledged: each either absent or whole after the restart. */
  unacknowledged: Image[];
}

function imageOf(round: number, index: number): Image {
  const name = `crash/app${index % 3}`;
  const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', round, index }));
  const layer = new ContentSource(`layer ${round}/${index}`, 64 * 1024 + index).slice(0, 64 * 1024 + index);
  const body = JSON.stringify({
    schemaVersion: 2,
    mediaType: OCI_MANIFEST,
    config: { mediaType: OCI_CONFIG, digest: sha256(config), size: config.length },
    layers: [{ mediaType: OCI_LAYER, digest: sha256(layer), size: layer.length }],
  });
  return { name, tag: `round${round}-image${index}`, config, layer, body };
}

async function uploadBlob(url: string, name: string, data: Buffer): Promise<Response> {
  const start = await fetch(`${url}/v2/${name}/blobs/uploads/`, { method: 'POST' });
  if (start.status !== 202) return start;
  const location = new URL(start.headers.get('location')!, url);
  location.searchParams.set('digest', sha256(data));
  return fetch(location, { method: 'PUT', headers: { 'Content-Type': 'application/octet-stream' }, body: data });
}

function putManifest(url: string, image: Image): Promise<Response> {
  return fetch(`${url}/v2/${image.name}/manifests/${image.tag}`, {
    method: 'PUT',
    headers: { 'Content-Type': OCI_MANIFEST },
    body: image.body,
  });
}

/** Writes `length` bytes of `source` from `start` to a raw connection, honouring backpressure. */
async function writeRange(connection: RawConnection, source: ContentSource, start: number, length: number): Promise<void> {
  for await (const chunk of source.stream(start, start + length)) {
    if (!connection.socket.write(chunk as Buffer)) await new Promise((resolve) => connection.socket.once('drain', resolve));
  }
}

function killNow(server: ServerProcess): void {
  server.child.kill('SIGKILL');
}

async function waitForExit(server: ServerProcess): Promise<void> {
  const { child } = server;
  if (child.exitCode === null && child.signalCode === null) await new Promise((resolve) => child.once('exit', resolve));
  expect(child.signalCode).toBe('SIGKILL');
}

/** Opens the metadata database read-only, as the dead process left it. */
function checkDatabase(dataDir: string): { uploads: number } {
  const database = new SqliteDatabase(path.join(dataDir, 'metadata.sqlite'), { readonly: true, fileMustExist: true });
  try {
    expect(database.pragma('integrity_check')).toEqual([{ integrity_check: 'ok' }]);
    expect(database.pragma('foreign_key_check')).toEqual([]);
    return database.prepare('select count(*) as uploads from uploads').get() as { uploads: number };
  } finally {
    database.close();
  }
}

/** Every committed blob file holds exactly the bytes its name promises: no partial blob ever appears. */
function checkBlobFiles(dataDir: string): string[] {
  const root = path.join(dataDir, 'blobs', 'sha256');
  const digests: string[] = [];
  for (const prefix of fs.existsSync(root) ? fs.readdirSync(root) : []) {
    for (const name of fs.readdirSync(path.join(root, prefix))) {
      const hash = createHash('sha256').update(fs.readFileSync(path.join(root, prefix, name))).digest('hex');
      expect(`${prefix}/${name}`).toBe(`${hash.slice(0, 2)}/${hash}`);
      digests.push(`sha256:${hash}`);
    }
  }
  return digests;
}

describe('crash safety of the server process', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-crash-'));
  const running: ServerProcess[] = [];
  afterAll(async () => {
    for (const server of running) await server.stop('SIGKILL');
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  async function start(env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
    const server = await spawnServer(['--data-dir', dataDir], env);
    running.push(server);
    return server;
  }

  const acknowledged: AcknowledgedManifest[] = [];
  const acknowledgedBlobs = new Map<string, { name: string; digest: string; size: number }>();

  async function verifyAcknowledged(url: string): Promise<void> {
    for (const manifest of acknowledged) {
      for (const reference of [manifest.tag, manifest.digest]) {
        const response = await fetch(`${url}/v2/${manifest.name}/manifests/${reference}`, { headers: { Accept: OCI_MANIFEST } });
        expect(response.status, `${manifest.name}:${reference}`).toBe(200);
        expect(response.headers.get('docker-content-digest')).toBe(manifest.digest);
        expect(await response.text()).toBe(manifest.body);
      }
      for (const blob of manifest.blobs) {
        expect(await streamDigest(`${url}/v2/${manifest.name}/blobs/${blob.digest}`)).toEqual({ status: 200, digest: blob.digest, size: blob.size });
      }
    }
    for (const blob of acknowledgedBlobs.values()) {
      expect(await streamDigest(`${url}/v2/${blob.name}/blobs/${blob.digest}`)).toEqual({ status: 200, digest: blob.digest, size: blob.size });
    }
  }

  /** Checks what the previous round left in flight, then finishes it: a partial blob is invisible and pushable again, a session resumes. */
  async function recover(url: string, inFlight: InFlight): Promise<void> {
    const { large, chunked } = inFlight;
    const head = await fetch(`${url}/v2/${large.name}/blobs/${large.digest}`, { method: 'HEAD' });
    expect(head.status).toBe(404);

    for (const image of inFlight.unacknowledged) {
      const response = await fetch(`${url}/v2/${image.name}/manifests/${sha256(image.body)}`);
      if (response.status === 200) expect(await response.text()).toBe(image.body);
      else expect(response.status).toBe(404);
    }

    // The session survives: it holds a prefix of the blob, at least what was acknowledged.
    const status = await fetch(`${url}${chunked.location}`);
    expect(status.status).toBe(204);
    const stored = Number(/^0-(\d+)$/.exec(status.headers.get('range') ?? '')?.[1]) + 1;
    expect(stored).toBeGreaterThanOrEqual(chunked.acknowledged);
    expect(stored).toBeLessThanOrEqual(chunked.sent);
    const rest = await streamRequest(
      `${url}${chunked.location}`,
      'PATCH',
      { 'Content-Range': `${stored}-${chunked.source.size - 1}`, 'Content-Length': chunked.source.size - stored },
      chunked.source.stream(stored),
    );
    expect(rest.status).toBe(202);
    const done = await streamRequest(`${url}${chunked.location}?digest=${chunked.digest}`, 'PUT', { 'Content-Length': 0 });
    expect(done.status).toBe(201);
    expect(await streamDigest(`${url}/v2/${chunked.name}/blobs/${chunked.digest}`)).toEqual({
      status: 200,
      digest: chunked.digest,
      size: chunked.source.size,
    });
    acknowledgedBlobs.set(`${chunked.name}@${chunked.digest}`, { name: chunked.name, digest: chunked.digest, size: chunked.source.size });

    // The blob whose upload was cut off is accepted whole afterwards.
    const pushed = await streamRequest(
      `${url}/v2/${large.name}/blobs/uploads/?digest=${large.digest}`,
      'POST',
      { 'Content-Length': large.source.size },
      large.source.stream(),
    );
    expect(pushed.status).toBe(201);
    expect(await streamDigest(`${url}/v2/${large.name}/blobs/${large.digest}`)).toEqual({ status: 200, digest: large.digest, size: large.source.size });
    acknowledgedBlobs.set(`${large.name}@${large.digest}`, { name: large.name, digest: large.digest, size: large.source.size });
  }

  /** Starts the round's slow uploads and leaves them in the middle. */
  async function leaveUploadsInFlight(server: ServerProcess, round: number): Promise<Omit<InFlight, 'unacknowledged'>> {
    const uploadsDir = path.join(dataDir, 'uploads');
    const name = 'crash/large';

    const largeSource = new ContentSource(`large ${round}`, LARGE_BLOB_BYTES);
    const largeDigest = await largeSource.digest();
    const existing = new Set(filesIn(uploadsDir));
    const large = await openRaw(
      server.host,
      `POST /v2/${name}/blobs/uploads/?digest=${largeDigest} HTTP/1.1\r\nHost: ${server.host}\r\nContent-Length: ${LARGE_BLOB_BYTES}\r\n\r\n`,
    );
    await writeRange(large, largeSource, 0, LARGE_BLOB_SENT);
    await vi.waitFor(() => {
      const fresh = filesIn(uploadsDir).filter((file) => !existing.has(file));
      expect(fresh).toHaveLength(1);
      expect(fs.statSync(path.join(uploadsDir, fresh[0]!)).size).toBe(LARGE_BLOB_SENT);
    }, WAIT);

    const chunkedSource = new ContentSource(`chunked ${round}`, CHUNKED_BLOB_BYTES);
    const started = await fetch(`${server.url}/v2/${name}/blobs/uploads/`, { method: 'POST' });
    expect(started.status).toBe(202);
    const location = new URL(started.headers.get('location')!, server.url).pathname;
    for (let offset = 0; offset < 2 * CHUNK_BYTES; offset += CHUNK_BYTES) {
      const response = await fetch(`${server.url}${location}`, {
        method: 'PATCH',
        headers: { 'Content-Range': `${offset}-${offset + CHUNK_BYTES - 1}` },
        body: chunkedSource.slice(offset, offset + CHUNK_BYTES),
      });
      expect(response.status).toBe(202);
    }
    const third = await openRaw(
      server.host,
      `PATCH ${location} HTTP/1.1\r\nHost: ${server.host}\r\nContent-Range: ${2 * CHUNK_BYTES}-${3 * CHUNK_BYTES - 1}\r\nContent-Length: ${CHUNK_BYTES}\r\n\r\n`,
    );
    await writeRange(third, chunkedSource, 2 * CHUNK_BYTES, CHUNK_IN_FLIGHT_SENT);
    const id = location.split('/').at(-1)!;
    await vi.waitFor(() => expect(fs.statSync(path.join(uploadsDir, id)).size).toBe(2 * CHUNK_BYTES + CHUNK_IN_FLIGHT_SENT), WAIT);

    return {
      large: { name, source: largeSource, digest: largeDigest },
      chunked: {
        name,
        location,
        source: chunkedSource,
        digest: await chunkedSource.digest(),
        acknowledged: 2 * CHUNK_BYTES,
        sent: 2 * CHUNK_BYTES + CHUNK_IN_FLIGHT_SENT,
      },
    };
  }

  /** Pushes a burst of images concurrently and kills the server at the kill point. */
  async function burstAndKill(server: ServerProcess, round: number, killPoint: (typeof KILL_POINTS)[number]): Promise<Image[]> {
    const images = Array.from({ length: IMAGES_PER_ROUND }, (_, index) => imageOf(round, index));
    let blobAcks = 0;
    let manifestAcks = 0;

    const pushBlobs = async (image: Image) => {
      for (const blob of [image.config, image.layer]) {
        const response = await uploadBlob(server.url, image.name, blob);
        if (response.status !== 201) throw new Error(`blob upload answered ${response.status}`);
        acknowledgedBlobs.set(`${image.name}@${sha256(blob)}`, { name: image.name, digest: sha256(blob), size: blob.length });
        if (++blobAcks === killPoint.after && killPoint.phase === 'blobs') killNow(server);
      }
    };

    if (killPoint.phase === 'blobs') {
      await Promise.allSettled(images.map(pushBlobs));
      expect(blobAcks).toBeGreaterThanOrEqual(killPoint.after);
      return [];
    }
    for (const image of images) await pushBlobs(image);
    const unacknowledged = new Set(images);
    await Promise.allSettled(
      images.map(async (image) => {
        const response = await putManifest(server.url, image);
        if (response.status !== 201) throw new Error(`manifest PUT answered ${response.status}`);
        unacknowledged.delete(image);
        acknowledged.push({
          name: image.name,
          tag: image.tag,
          digest: sha256(image.body),
          body: image.body,
          blobs: [image.config, image.layer].map((blob) => ({ digest: sha256(blob), size: blob.length })),
        });
        if (++manifestAcks === killPoint.after) killNow(server);
      }),
    );
    expect(manifestAcks).toBeGreaterThanOrEqual(killPoint.after);
    return [...unacknowledged];
  }

  let inFlight: InFlight | undefined;

  for (const [round, killPoint] of KILL_POINTS.entries()) {
    it(`round ${round}: restarts whole, then dies by SIGKILL after ${killPoint.after} acknowledged ${killPoint.phase} with uploads in flight`, async () => {
      const server = await start();
      await verifyAcknowledged(server.url);
      if (inFlight) await recover(server.url, inFlight);

      const uploads = await leaveUploadsInFlight(server, round);
      const unacknowledged = await burstAndKill(server, round, killPoint);
      await waitForExit(server);

      checkDatabase(dataDir);
      const blobFiles = checkBlobFiles(dataDir);
      expect(blobFiles).not.toContain(uploads.large.digest);
      expect(blobFiles).not.toContain(uploads.chunked.digest);
      inFlight = { ...uploads, unacknowledged };
    });
  }

  it('after the last kill, serves every acknowledged manifest and blob whole and recovers the uploads in flight', async () => {
    expect(acknowledged.length).toBeGreaterThanOrEqual(KILL_POINTS.filter((point) => point.phase === 'manifests').reduce((sum, point) => sum + point.after, 0));
    const server = await start();
    await verifyAcknowledged(server.url);
    await recover(server.url, inFlight!);
    // A session given up after its first chunk: its row and bytes are left for the sweeper too
    // (sessions that never received bytes, as the killed bursts leave them, have no row).
    const abandoned = await fetch(`${server.url}/v2/crash/large/blobs/uploads/`, { method: 'POST' });
    expect(abandoned.status).toBe(202);
    const chunk = await fetch(new URL(abandoned.headers.get('location')!, server.url), {
      method: 'PATCH',
      headers: { 'Content-Range': '0-8' },
      body: 'abandoned',
    });
    expect(chunk.status).toBe(202);
    await server.stop('SIGTERM');
    expect(server.child.exitCode).toBe(0);
    checkDatabase(dataDir);
  });

  it('removes what the crashes left in uploads once idle past the upload timeout, and nothing else', async () => {
    const uploadsDir = path.join(dataDir, 'uploads');
    expect(filesIn(uploadsDir).length).toBeGreaterThan(0);
    expect(checkDatabase(dataDir).uploads).toBeGreaterThan(0);
    const blobsBefore = checkBlobFiles(dataDir);
    const sweeper = await start({ STOWAGE_UPLOAD_TIMEOUT_SECONDS: '1', STOWAGE_MAINTENANCE_INTERVAL_SECONDS: '0.2' });
    await vi.waitFor(
      () => {
        expect(filesIn(uploadsDir)).toEqual([]);
        expect(checkDatabase(dataDir).uploads).toBe(0);
      },
      { timeout: 15_000, interval: 100 },
    );
    await verifyAcknowledged(sweeper.url);
    await sweeper.stop('SIGTERM');
    checkDatabase(dataDir);
    expect(checkBlobFiles(dataDir).sort()).toEqual(blobsBefore.sort());
  });
});
