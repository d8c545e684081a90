/**
 * The `/v2/` URL space, parsed from the raw path. Repository names may contain `/`, so
 * each route is anchored at its fixed suffix; the name is validated by the domain.
 */
export type OciRoute =
  | { kind: 'base' }
  | { kind: 'catalog' }
  | { kind: 'tags'; name: string }
  | { kind: 'manifest'; name: string; reference: string }
  | { kind: 'uploads'; name: string }
  | { kind: 'upload'; name: string; id: string }
  | { kind: 'blob'; name: string; digest: string }
  | { kind: 'referrers'; name: string; digest: string }
  /** Stowage's extension: an image's SBOM (see sbom-handlers.ts). */
  | { kind: 'sbom'; name: string; reference: string };

const PATTERNS: [RegExp, (match: RegExpMatchArray) => OciRoute][] = [
  [/^\/v2\/?$/, () => ({ kind: 'base' })],
  [/^\/v2\/_catalog$/, () => ({ kind: 'catalog' })],
  [/^\/v2\/(.+)\/tags\/list$/, (m) => ({ kind: 'tags', name: m[1]! })],
  [/^\/v2\/(.+)\/manifests\/([^/]+)$/, (m) => ({ kind: 'manifest', name: m[1]!, reference: m[2]! })],
  [/^\/v2\/(.+)\/blobs\/uploads\/?$/, (m) => ({ kind: 'uploads', name: m[1]! })],
  [/^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/, (m) => ({ kind: 'upload', name: m[1]!, id: m[2]! })],
  [/^\/v2\/(.+)\/blobs\/([^/]+)$/, (m) => ({ kind: 'blob', name: m[1]!, digest: m[2]! })],
  [/^\/v2\/(.+)\/referrers\/([^/]+)$/, (m) => ({ kind: 'referrers', name: m[1]!, digest: m[2]! })],
  [/^\/v2\/(.+)\/_stowage\/sbom\/([^/]+)$/, (m) => ({ kind: 'sbom', name: m[1]!, reference: m[2]! })],
];

/** Resolves a raw path (no query) to a route, or undefined. Percent-escapes never match. */
export function matchOciRoute(path: string): OciRoute | undefined {
  if (path.includes('%')) return undefined;
  for (const [pattern, build] of PATTERNS) {
    const match = path.match(pattern);
    if (match) return build(match);
  }
  return undefined;
}

export function splitUrl(url: string): { path: string; query: URLSearchParams } {
  const question = url.indexOf('?');
  return question < 0
    ? { path: url, query: new URLSearchParams() }
    : { path: url.slice(0, question), query: new URLSearchParams(url.slice(question + 1)) };
}
