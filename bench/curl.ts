import { spawn } from 'node:child_process';
import { commandVersion, trackChild, which } from './system.js';

/**
 * Blob transfers through curl. The large pushes and pulls measure the registry, not the
 * client: a Node client moving hundreds of megabytes per second spends as much CPU as the
 * server (allocating and collecting its chunks), and on a small machine it competes with
 * the server for the cores. curl streams files with little CPU, and both registries are
 * driven by the same client.
 */
export function curlInstalled(): boolean {
  return which('curl') !== undefined;
}

export function curlVersion(): string | undefined {
  return commandVersion('curl', ['--version']);
}

export interface CurlResult {
  status: number;
  /** Response headers, lower-cased names. */
  headers: Record<string, string>;
  /** Bytes of the response body (discarded). */
  downloaded: number;
}

/** Marks the end of the response headers in curl's output, before the transfer summary. */
const SUMMARY = '\n--curl-summary--';

/**
 * One request with curl: the body, if any, uploaded from `uploadFile` (`-T`: streamed, with
 * its length as Content-Length), the response body discarded.
 */
export function curlRequest(
  method: string,
  url: string,
  options: { headers?: Record<string, string | number>; uploadFile?: string } = {},
): Promise<CurlResult> {
  const args = ['--silent', '--show-error', '--http1.1', '--request', method, '--output', '/dev/null', '--dump-header', '-'];
  args.push('--write-out', `${SUMMARY} %{size_download}\n`);
  // No "Expect: 100-continue" round trip before the body, for either registry.
  args.push('--header', 'Expect:');
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push('--header', `${name}: ${value}`);
  if (options.uploadFile !== undefined) args.push('--upload-file', options.uploadFile);
  args.push(url);
  return new Promise((resolve, reject) => {
    const child = spawn('curl', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    trackChild(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
    child.once('error', reject);
    child.once('close', (code) => {
      const text = Buffer.concat(out).toString('latin1');
      if (code !== 0) {
        reject(new Error(`curl ${method} ${url} exited with ${code}: ${Buffer.concat(err).toString('utf8').trim()}`));
        return;
      }
      const cut = text.lastIndexOf(SUMMARY);
      const lines = text.slice(0, cut).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      resolve({
        status: Number(/^HTTP\/[\d.]+ (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0),
        headers,
        downloaded: Number(text.slice(cut + SUMMARY.length).trim()),
      });
    });
  });
}
