/**
 * `os-release(5)`: `KEY=value` lines, values in shell quoting (double quotes with `\"`, `\\`,
 * `\$`, `` \` `` escapes; single quotes literal; unquoted with backslash escapes; adjacent
 * pieces concatenated), `#` comments, blank lines.
 */
export interface OsRelease {
  id?: string;
  versionId?: string;
  versionCodename?: string;
  prettyName?: string;
  /** Every assignment, as parsed. */
  fields: Record<string, string>;
}

/** The paths to read, in order of preference (normalized, no leading `/`). */
export const OS_RELEASE_PATHS = ['etc/os-release', 'usr/lib/os-release'] as const;

export function wantsOsRelease(path: string): boolean {
  return (OS_RELEASE_PATHS as readonly string[]).includes(path);
}

function unquote(raw: string): string | null {
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const c = raw[i]!;
    if (c === "'") {
      const end = raw.indexOf("'", i + 1);
      if (end < 0) return null;
      out += raw.slice(i + 1, end);
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= raw.length) return null;
        const d = raw[i]!;
        if (d === '"') {
          i++;
          break;
        }
        if (d === '\\' && i + 1 < raw.length && '"\\$`\n'.includes(raw[i + 1]!)) {
          if (raw[i + 1] !== '\n') out += raw[i + 1];
          i += 2;
          continue;
        }
        out += d;
        i++;
      }
    } else if (c === '\\') {
      if (i + 1 < raw.length) out += raw[i + 1];
      i += 2;
    } else if (c === ' ' || c === '\t') {
      // Unquoted whitespace ends the value; what follows can only be a comment.
      const rest = raw.slice(i).trimStart();
      if (rest !== '' && !rest.startsWith('#')) return null;
      break;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

export function parseOsRelease(text: string): OsRelease {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(trimmed);
    if (!m) continue;
    const value = unquote(m[2]!);
    if (value !== null) fields[m[1]!] = value;
  }
  const result: OsRelease = { fields };
  if (fields.ID !== undefined) result.id = fields.ID;
  if (fields.VERSION_ID !== undefined) result.versionId = fields.VERSION_ID;
  if (fields.VERSION_CODENAME !== undefined) result.versionCodename = fields.VERSION_CODENAME;
  if (fields.PRETTY_NAME !== undefined) result.prettyName = fields.PRETTY_NAME;
  return result;
}

/** The image's os-release from collected files: `/etc/os-release`, else `/usr/lib/os-release`. */
export function findOsRelease(files: Map<string, Buffer>): OsRelease | undefined {
  for (const path of OS_RELEASE_PATHS) {
    const content = files.get(path);
    if (content) return parseOsRelease(content.toString('utf8'));
  }
  return undefined;
}
