import { execFile, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { onTestFinished } from 'vitest';

/**
 * Building real images and driving real image tools (skopeo, umoci, podman, buildah,
 * containerd's ctr) for the end-to-end tests.
 */

const execFileAsync = promisify(execFile);

export const MediaTypes = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

const REF_NAME = 'org.opencontainers.image.ref.name';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
}

/** Runs a command and resolves with its exit code and output; never rejects for a non-zero exit. */
export async function tryRun(file: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  try {
    const { stdout, stderr } = await execFileAsync(file, args, {
      env: { ...process.env, ...options.env },
      cwd: options.cwd,
      timeout: options.timeoutMs ?? 60_000,
      maxBuffer: 64 * 1024 * 1024,
      encoding: 'utf8',
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { code?: number | string; stdout?: string; stderr?: string; killed?: boolean; signal?: string };
    if (typeof failure.code !== 'number') {
      // Not an exit status: the command could not be started, or it was killed (timeout).
      const why = failure.killed ? `killed by ${failure.signal ?? 'a signal'} (timeout?)` : failure.message;
      throw new Error(`${describeCommand(file, args)}: ${why}\nstderr: ${failure.stderr ?? ''}`);
    }
    return { code: failure.code, stdout: failure.stdout ?? '', stderr: failure.stderr ?? '' };
  }
}

/** Runs a command and resolves with its stdout; rejects with the command line, exit code and stderr. */
export async function run(file: string, args: string[], options: RunOptions = {}): Promise<string> {
  const result = await tryRun(file, args, options);
  if (result.code !== 0) {
    throw new Error(
      `${describeCommand(file, args)} exited with ${result.code}\n` +
        `stderr: ${result.stderr.trim()}\n` +
        `stdout: ${result.stdout.trim().slice(0, 4000)}`,
    );
  }
  return result.stdout;
}

/** Runs a command and resolves with its stdout as bytes (blobs, archives); rejects like `run`. */
export async function runForBytes(file: string, args: string[], options: RunOptions = {}): Promise<Buffer> {
  try {
    const { stdout } = await execFileAsync(file, args, {
      env: { ...process.env, ...options.env },
      cwd: options.cwd,
      timeout: options.timeoutMs ?? 60_000,
      maxBuffer: 256 * 1024 * 1024,
      encoding: 'buffer',
    });
    return stdout;
  } catch (error) {
    const failure = error as Error & { code?: number | string; stderr?: Buffer };
    throw new Error(`${describeCommand(file, args)} failed (${failure.code ?? failure.message})\nstderr: ${failure.stderr?.toString('utf8').trim() ?? ''}`);
  }
}

function describeCommand(file: string, args: string[]): string {
  return [file, ...args].map((part) => (/^[\w@%+=:,./-]+$/.test(part) ? part : JSON.stringify(part))).join(' ');
}

/** Where `command` is on PATH, or undefined. */
export function which(command: string): string | undefined {
  const result = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', command], { encoding: 'utf8' });
  const found = result.stdout.trim();
  return result.status === 0 && found ? found : undefined;
}

/**
 * Whether the tools a test file needs are installed. Missing tools skip the file locally with
 * the reason printed; under CI (CI=true) they are an error, since .ci/run installs them.
 */
export function toolsAvailable(...commands: string[]): boolean {
  const missing = commands.filter((command) => !which(command));
  if (missing.length === 0) return true;
  const reason = `not installed: ${missing.join(', ')} (Debian packages; see .ci/run)`;
  if (process.env.CI) throw new Error(`end-to-end tests need ${reason}`);
  console.warn(`skipping end-to-end tests: ${reason}`);
  return false;
}

/**
 * A fresh temporary directory removed when the current test finishes. Its name is lower case
 * hex: podman derives an image name from an `oci:` path, and image names must be lower case.
 */
export function scratchDir(prefix = 'stowage-e2e-'): string {
  const dir = path.join(os.tmpdir(), `${prefix}${randomBytes(8).toString('hex')}`);
  fs.mkdirSync(dir, { mode: 0o700 });
  onTestFinished(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function sha256Digest(data: Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

// ---------------------------------------------------------------------------------------------
// OCI image layouts

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  artifactType?: string;
  platform?: { architecture: string; os: string; variant?: string };
  annotations?: Record<string, string>;
}

export interface LayoutIndex {
  schemaVersion: 2;
  manifests: Descriptor[];
}

export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  artifactType?: string;
  config: Descriptor;
  layers: Descriptor[];
  subject?: Descriptor;
  annotations?: Record<string, string>;
}

export interface IndexManifest {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
}

export function blobPath(layout: string, digest: string): string {
  const [algorithm, hex] = digest.split(':');
  return path.join(layout, 'blobs', algorithm!, hex!);
}

export function readBlob(layout: string, digest: string): Buffer {
  return fs.readFileSync(blobPath(layout, digest));
}

/** Writes `data` as a blob of the layout and returns its digest. */
export function writeBlob(layout: string, data: Uint8Array | string): string {
  const digest = sha256Digest(data);
  const file = blobPath(layout, digest);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, data);
  return digest;
}

export function readLayoutIndex(layout: string): LayoutIndex {
  return JSON.parse(fs.readFileSync(path.join(layout, 'index.json'), 'utf8')) as LayoutIndex;
}

/** The descriptor that index.json names `tag`; throws when there is none. */
export function taggedDescriptor(layout: string, tag: string): Descriptor {
  const found = readLayoutIndex(layout).manifests.find((entry) => entry.annotations?.[REF_NAME] === tag);
  if (!found) throw new Error(`OCI layout ${layout} has no tag ${tag}`);
  return found;
}

/** Adds (or replaces) `tag` in the layout's index.json, pointing at `descriptor`. */
export function tagInLayout(layout: string, tag: string, descriptor: Descriptor): void {
  const index = readLayoutIndex(layout);
  index.manifests = index.manifests.filter((entry) => entry.annotations?.[REF_NAME] !== tag);
  index.manifests.push({ ...descriptor, annotations: { ...descriptor.annotations, [REF_NAME]: tag } });
  fs.writeFileSync(path.join(layout, 'index.json'), JSON.stringify(index));
}

export interface LocalManifest<T> {
  descriptor: Descriptor;
  digest: string;
  body: Buffer;
  manifest: T;
}

export function readManifest<T = ImageManifest>(layout: string, digest: string): LocalManifest<T> {
  const body = readBlob(layout, digest);
  const manifest = JSON.parse(body.toString('utf8')) as T;
  return { descriptor: { mediaType: mediaTypeOf(manifest), digest, size: body.length }, digest, body, manifest };
}

export function taggedManifest<T = ImageManifest>(layout: string, tag: string): LocalManifest<T> {
  const descriptor = taggedDescriptor(layout, tag);
  return { ...readManifest<T>(layout, descriptor.digest), descriptor: stripAnnotations(descriptor) };
}

function mediaTypeOf(manifest: unknown): string {
  const object = manifest as { mediaType?: string; manifests?: unknown };
  return object.mediaType ?? (object.manifests ? MediaTypes.ociIndex : MediaTypes.ociManifest);
}

function stripAnnotations(descriptor: Descriptor): Descriptor {
  const { annotations: _annotations, ...rest } = descriptor;
  return rest;
}

/** Every blob digest an image manifest needs: its config, then its layers. */
export function blobsOf(manifest: ImageManifest): string[] {
  return [manifest.config.digest, ...manifest.layers.map((layer) => layer.digest)];
}

export interface ImageSpec {
  /** One entry per layer: file path inside the image (relative) to its contents. */
  layers: Array<Record<string, string>>;
  architecture?: string;
  labels?: Record<string, string>;
  env?: string[];
}

/**
 * Builds a real multi-layer image with umoci in the OCI layout `layout` (created if absent)
 * under `tag`: `umoci new`, then per layer write the files into the unpacked bundle and
 * `umoci repack`, so every layer is a gzip tar diff of the previous one.
 */
export async function buildImage(layout: string, tag: string, spec: ImageSpec): Promise<LocalManifest<ImageManifest>> {
  if (!fs.existsSync(path.join(layout, 'index.json'))) {
    // umoci creates the layout directory itself; an empty one (a fresh scratch dir) is fine.
    if (fs.existsSync(layout) && fs.readdirSync(layout).length === 0) fs.rmdirSync(layout);
    await run('umoci', ['init', '--layout', layout]);
  }
  const image = `${layout}:${tag}`;
  await run('umoci', ['new', '--image', image]);
  const configArgs: string[] = [];
  if (spec.architecture) configArgs.push('--architecture', spec.architecture);
  for (const [key, value] of Object.entries(spec.labels ?? {})) configArgs.push('--config.label', `${key}=${value}`);
  for (const variable of spec.env ?? []) configArgs.push('--config.env', variable);
  if (configArgs.length > 0) await run('umoci', ['config', '--no-history', '--image', image, ...configArgs]);
  const bundle = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-bundle-'));
  fs.rmdirSync(bundle); // umoci unpack wants to create the bundle directory itself
  try {
    await run('umoci', ['unpack', '--rootless', '--image', image, bundle]);
    for (const files of spec.layers) {
      for (const [file, contents] of Object.entries(files)) {
        const target = path.join(bundle, 'rootfs', file);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, contents);
      }
      await run('umoci', ['repack', '--refresh-bundle', '--image', image, bundle]);
    }
  } finally {
    fs.rmSync(bundle, { recursive: true, force: true });
  }
  return taggedManifest<ImageManifest>(layout, tag);
}

/** Unpacks `tag` of the layout with umoci and returns the directory of its root filesystem. */
export async function unpackImage(layout: string, tag: string, into: string): Promise<string> {
  await run('umoci', ['unpack', '--rootless', '--image', `${layout}:${tag}`, into]);
  return path.join(into, 'rootfs');
}

export interface MultiArchImage {
  index: LocalManifest<IndexManifest>;
  platforms: Record<string, LocalManifest<ImageManifest>>;
}

/**
 * Builds one image per architecture with umoci (each with its own layers and config) and an
 * OCI image index over them, tagged `tag` in the layout.
 */
export async function buildMultiArchImage(layout: string, tag: string, platforms: Record<string, ImageSpec['layers']>): Promise<MultiArchImage> {
  const built: Record<string, LocalManifest<ImageManifest>> = {};
  for (const [architecture, layers] of Object.entries(platforms)) {
    built[architecture] = await buildImage(layout, `${tag}-${architecture}`, { architecture, layers });
  }
  const index: IndexManifest = {
    schemaVersion: 2,
    mediaType: MediaTypes.ociIndex,
    manifests: Object.entries(built).map(([architecture, image]) => ({
      mediaType: MediaTypes.ociManifest,
      digest: image.digest,
      size: image.body.length,
      platform: { architecture, os: 'linux' },
    })),
  };
  const body = JSON.stringify(index);
  const digest = writeBlob(layout, body);
  tagInLayout(layout, tag, { mediaType: MediaTypes.ociIndex, digest, size: Buffer.byteLength(body) });
  return { index: taggedManifest<IndexManifest>(layout, tag), platforms: built };
}

/**
 * Writes an OCI artifact into the layout under `tag`: an image manifest with `artifactType`,
 * the empty config and one layer per file, pointing at `subject`.
 */
export function writeArtifact(
  layout: string,
  tag: string,
  options: { artifactType: string; subject: Descriptor; files: Array<{ mediaType: string; content: string }>; annotations?: Record<string, string> },
): LocalManifest<ImageManifest> {
  const empty = '{}';
  const manifest: ImageManifest = {
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    artifactType: options.artifactType,
    config: { mediaType: MediaTypes.ociEmpty, digest: writeBlob(layout, empty), size: 2 },
    layers: options.files.map((file) => ({ mediaType: file.mediaType, digest: writeBlob(layout, file.content), size: Buffer.byteLength(file.content) })),
    subject: { mediaType: options.subject.mediaType, digest: options.subject.digest, size: options.subject.size },
  };
  if (options.annotations) manifest.annotations = options.annotations;
  const body = JSON.stringify(manifest);
  const digest = writeBlob(layout, body);
  tagInLayout(layout, tag, { mediaType: MediaTypes.ociManifest, digest, size: Buffer.byteLength(body), artifactType: options.artifactType });
  return taggedManifest<ImageManifest>(layout, tag);
}

// ---------------------------------------------------------------------------------------------
// skopeo

export function skopeo(args: string[], options?: RunOptions): Promise<string> {
  return run('skopeo', args, options);
}

/** `docker://host/name:tag` (or `@digest`) for skopeo. */
export function dockerRef(host: string, name: string, reference: string): string {
  return `docker://${host}/${name}${reference.includes(':') ? '@' : ':'}${reference}`;
}

/** The manifest bytes the registry serves for a reference, as skopeo fetches them. */
export async function inspectRaw(host: string, name: string, reference: string): Promise<Buffer> {
  return Buffer.from(await skopeo(['inspect', '--raw', '--tls-verify=false', dockerRef(host, name, reference)]), 'utf8');
}

export interface SkopeoInspect {
  Name: string;
  Digest: string;
  RepoTags: string[];
  Architecture: string;
  Os: string;
  Layers: string[];
  Labels: Record<string, string> | null;
  Env: string[] | null;
}

export async function inspect(host: string, name: string, reference: string, extra: string[] = []): Promise<SkopeoInspect> {
  return JSON.parse(await skopeo(['inspect', '--tls-verify=false', ...extra, dockerRef(host, name, reference)])) as SkopeoInspect;
}

export async function listTags(host: string, name: string): Promise<string[]> {
  const listed = JSON.parse(await skopeo(['list-tags', '--tls-verify=false', `docker://${host}/${name}`])) as { Tags: string[] };
  return listed.Tags;
}

// ---------------------------------------------------------------------------------------------
// podman and buildah

/**
 * Global flags that give podman or buildah a private image store in `dir`: the vfs driver
 * (no overlay mounts or fuse needed), its own graph root and run root, and for podman its
 * own temporary directory, no event log and cgroupfs.
 */
export function containerStorageFlags(tool: 'podman' | 'buildah', dir: string): string[] {
  // podman refuses a run root longer than 50 characters (conmon's socket paths must fit).
  if (path.join(dir, 'run').length > 50) throw new Error(`container storage directory ${dir} is too long for podman's run root`);
  const flags = ['--root', path.join(dir, 'root'), '--runroot', path.join(dir, 'run'), '--storage-driver', 'vfs'];
  if (tool === 'podman') flags.push('--tmpdir', path.join(dir, 'tmp'), '--events-backend', 'none', '--cgroup-manager', 'cgroupfs');
  return flags;
}
