/**
 * Installed Ruby gems (RubyGems), from the specifications RubyGems writes into a gem home
 * (`/usr/local/bundle`, `/usr/lib/ruby/gems/3.2.0`, `vendor/bundle/ruby/3.2.0`, …):
 * `specifications/<name>-<version>[-<platform>].gemspec`, and the default gems shipped with
 * Ruby in `specifications/default/`.
 *
 * The name and version come from the generated Ruby code (`s.name = "rack".freeze`,
 * `s.version = "3.0.8"`, older `%q{…}` literals), else from its `# stub: <name> <version>`
 * line, else from the file name (`nokogiri-1.15.4-x86_64-linux.gemspec`: name `nokogiri`,
 * version `1.15.4`). The Ruby code is never run. Not covered: Gemfile.lock, and gems vendored
 * without a specification.
 */
import type { LanguagePackage } from './package.js';

const SUFFIX = '.gemspec';

export function wantsRuby(path: string): boolean {
  const segments = path.split('/');
  const name = segments.at(-1)!;
  if (!name.endsWith(SUFFIX) || name.length === SUFFIX.length) return false;
  const parent = segments.at(-2);
  return parent === 'specifications' || (parent === 'default' && segments.at(-3) === 'specifications');
}

/** `name-1.2.3` or `name-1.2.3-platform` (a gem name may hold dashes and digits; a version starts with a digit). */
export function parseGemFileName(fileName: string): { name: string; version: string } | undefined {
  const base = fileName.endsWith(SUFFIX) ? fileName.slice(0, -SUFFIX.length) : fileName;
  const m = /^(.+?)-(\d+(?:\.[0-9A-Za-z]+)*)(?:-(.+))?$/.exec(base);
  return m ? { name: m[1]!, version: m[2]! } : undefined;
}

/** A string literal assigned to `<var>.<attribute>` in a generated gemspec: "…", '…' or %q{…}. */
function assigned(text: string, attribute: string): string | undefined {
  const literal = String.raw`(?:"([^"\n]*)"|'([^'\n]*)'|%q\{([^}\n]*)\})`;
  const m = new RegExp(String.raw`^[ \t]*\w+\.${attribute}[ \t]*=[ \t]*${literal}`, 'm').exec(text);
  if (!m) return undefined;
  const value = (m[1] ?? m[2] ?? m[3] ?? '').trim();
  return value === '' ? undefined : value;
}

function stub(text: string): { name?: string; version?: string } {
  const m = /^#[ \t]*stub:[ \t]*(\S+)(?:[ \t]+(\S+))?/m.exec(text);
  if (!m) return {};
  return { name: m[1]!, ...(m[2] ? { version: m[2] } : {}) };
}

export function parseGemspec(text: string, fileName: string, location: string): LanguagePackage | undefined {
  const fromStub = stub(text);
  const fromFile = parseGemFileName(fileName);
  const name = assigned(text, 'name') ?? fromStub.name ?? fromFile?.name;
  const version = assigned(text, 'version') ?? fromStub.version ?? fromFile?.version;
  return name && version ? { ecosystem: 'RubyGems', name, version, location } : undefined;
}

export function catalogRuby(files: Map<string, Buffer>): LanguagePackage[] {
  const found: LanguagePackage[] = [];
  for (const [path, content] of files) {
    if (!wantsRuby(path)) continue;
    const fileName = path.slice(path.lastIndexOf('/') + 1);
    const pkg = parseGemspec(content.toString('utf8'), fileName, `/${path}`);
    if (pkg) found.push(pkg);
  }
  return found;
}
