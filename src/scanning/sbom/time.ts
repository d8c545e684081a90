/**
 * `YYYY-MM-DDThh:mm:ssZ`, UTC to the second: the form SPDX 2.3 requires of `created`, used
 * for CycloneDX's `timestamp` too so that both formats state the same instant the same way.
 */
export function utcSeconds(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
