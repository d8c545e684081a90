import { z } from 'zod';
import { parseDigest, type Digest } from './digest.js';
import { RegistryError } from './errors.js';
import { IMAGE_MANIFEST_TYPES, INDEX_TYPES, isNonDistributable, MANIFEST_TYPES, MediaType } from './media-types.js';

const digestField = z.string().refine((value) => {
  try {
    parseDigest(value);
    return true;
  } catch {
    return false;
  }
}, 'invalid digest');

const descriptor = z.object({
  mediaType: z.string().min(1).max(255),
  digest: digestField,
  size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  urls: z.array(z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  artifactType: z.string().optional(),
  platform: z
    .object({ architecture: z.string(), os: z.string() })
    .passthrough()
    .optional(),
});

const imageManifest = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().min(1).optional(),
  config: descriptor,
  layers: z.array(descriptor),
  subject: descriptor.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

const index = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().min(1).optional(),
  manifests: z.array(descriptor),
  subject: descriptor.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

export type Descriptor = z.infer<typeof descriptor> & { digest: Digest };

/** What the registry needs to know of a manifest to store, check and serve it. */
export interface ParsedManifest {
  mediaType: string;
  kind: 'image' | 'index';
  artifactType: string | null;
  configMediaType: string | null;
  subject: Descriptor | null;
  /** Config and layers that must already be in the repository. */
  requiredBlobs: Descriptor[];
  /** Child manifests that must already be in the repository (indexes). */
  requiredManifests: Descriptor[];
  /** Sum of layer sizes (image manifests). */
  layerBytes: number;
  annotations: Record<string, string> | undefined;
}

/**
 * Parses and validates a manifest body. `contentType` is the request's Content-Type; the
 * body's own `mediaType`, when present, must agree with it.
 */
export function parseManifest(body: Uint8Array, contentType: string | undefined): ParsedManifest {
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch {
    throw new RegistryError('MANIFEST_INVALID', 'manifest is not valid JSON');
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new RegistryError('MANIFEST_INVALID', 'manifest must be a JSON object');
  }
  const declared = (document as { mediaType?: unknown }).mediaType;
  if (declared !== undefined && typeof declared !== 'string') {
    throw new RegistryError('MANIFEST_INVALID', 'manifest mediaType must be a string');
  }
  const headerType = normalizeContentType(contentType);
  if (headerType && declared && headerType !== declared) {
    throw new RegistryError('MANIFEST_INVALID', `Content-Type ${headerType} does not match manifest mediaType ${declared}`);
  }
  const mediaType = headerType ?? declared ?? inferMediaType(document);
  if (!MANIFEST_TYPES.has(mediaType)) {
    throw new RegistryError('MANIFEST_INVALID', `unsupported manifest media type ${mediaType}`);
  }
  return IMAGE_MANIFEST_TYPES.has(mediaType) ? parseImageManifest(document, mediaType) : parseIndex(document, mediaType);
}

function parseImageManifest(document: object, mediaType: string): ParsedManifest {
  const result = imageManifest.safeParse(document);
  if (!result.success) throw invalid(result.error);
  const manifest = result.data;
  const layers = manifest.layers as Descriptor[];
  return {
    mediaType,
    kind: 'image',
    artifactType: manifest.artifactType ?? null,
    configMediaType: manifest.config.mediaType,
    subject: (manifest.subject as Descriptor | undefined) ?? null,
    requiredBlobs: [manifest.config as Descriptor, ...layers.filter((layer) => !isNonDistributable(layer.mediaType))],
    requiredManifests: [],
    layerBytes: layers.reduce((sum, layer) => sum + layer.size, 0),
    annotations: manifest.annotations,
  };
}

function parseIndex(document: object, mediaType: string): ParsedManifest {
  const result = index.safeParse(document);
  if (!result.success) throw invalid(result.error);
  const manifest = result.data;
  return {
    mediaType,
    kind: 'index',
    artifactType: manifest.artifactType ?? null,
    configMediaType: null,
    subject: (manifest.subject as Descriptor | undefined) ?? null,
    requiredBlobs: [],
    requiredManifests: manifest.manifests as Descriptor[],
    layerBytes: 0,
    annotations: manifest.annotations,
  };
}

/** Without a declared type, an object with `manifests` is an index, else an image manifest. */
function inferMediaType(document: object): string {
  return 'manifests' in document ? MediaType.ociIndex : MediaType.ociManifest;
}

function normalizeContentType(contentType: string | undefined): string | undefined {
  const type = contentType?.split(';')[0]?.trim().toLowerCase();
  // Clients that send no meaningful type leave the decision to the body.
  if (!type || type === 'application/octet-stream' || type === 'application/json') return undefined;
  return type;
}

function invalid(error: z.ZodError): RegistryError {
  const issue = error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : 'manifest';
  return new RegistryError('MANIFEST_INVALID', `invalid manifest: ${where}: ${issue?.message ?? 'malformed'}`);
}

export { INDEX_TYPES };
