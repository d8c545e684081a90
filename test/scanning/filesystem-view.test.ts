import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { collectFiles, RetainedTooLargeError, type ExtractableEntry, type Extractor } from '../../src/scanning/filesystem-view.js';
import { FileTooLargeError, LayerFormatError, normalizeLayerPath, readLayer } from '../../src/scanning/layer-reader.js';
import { catalogDpkg, wantsDpkg } from '../../src/scanning/catalogers/dpkg.js';
import { catalogApk, wantsApk } from '../../src/scanning/catalogers/apk.js';
import { findOsRelease, wantsOsRelease } from '../../src/scanning/os-release.js';
import { DOCKER_GZIP, GZIP as GZIP_TYPE, TAR, ZSTD, asAsync, gzLayer, layer, tarOf, withMemoryPeak, zstdAvailable, zstdCompress, type TestEntry } from './layers.js';

const pkg = (name: string, version: string, extra = '') =>
  `Package: ${name}\nStatus: install ok installed\nArchitecture: amd64\nVersion: ${version}\n${extra}Description: the ${name} package\n it spans lines\n Package: not-a-package\n .\n Version: 9.9\n`;

const STATUS_3 = [
  pkg('libc6', '2.36-9+deb12u4', 'Source: glibc\n'),
  pkg('bash', '5.2.15-2+b2', 'Source: bash (5.2.15-2)\n'),
  pkg('tzdata', '2024a-0+deb12u1'),
].join('\n');
const STATUS_2 = [pkg('libc6', '2.36-9+deb12u4', 'Source: glibc\n'), pkg('bash', '5.2.15-2+b2', 'Source: bash (5.2.15-2)\n')].join('\n');

const OS_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nVERSION_CODENAME=bookworm\nID=debian\n';

const base: TestEntry[] = [
  { name: 'etc/', type: 'directory' },
  { name: 'etc/os-release', type: 'symlink', linkname: '../usr/lib/os-release' },
  { name: 'etc/keep.conf', content: 'keep 1' },
  { name: 'etc/gone.conf', content: 'gone' },
  { name: 'usr/lib/os-release', content: OS_RELEASE },
  { name: 'var/lib/dpkg/status', content: STATUS_3 },
  { name: 'opt/app/a.txt', content: 'a' },
  { name: 'opt/app/sub/b.txt', content: 'b' },
  { name: 'opt/other/c.txt', content: 'c' },
];
const rewriteStatus: TestEntry[] = [{ name: 'var/lib/dpkg/status', content: STATUS_2 }];
const whiteouts: TestEntry[] = [
  { name: 'etc/.wh.gone.conf', content: '' },
  { name: 'opt/app/new.txt', content: 'new' }, // before the opaque marker in the archive: still survives
  { name: 'opt/app/.wh..wh..opq', content: '' },
  { name: 'opt/.wh.other', content: '' },
];

const wantAll = (p: string) => p.startsWith('etc/') || p.startsWith('opt/') || p.startsWith('usr/lib/') || wantsDpkg(p);

function view(files: Map<string, Buffer>): Record<string, string> {
  return Object.fromEntries([...files].map(([k, v]) => [k, v.toString('utf8')]));
}

describe('collectFiles', () => {
  it('merges layers with rewrites, whiteouts, opaque directories and symlinks', async () => {
    const layers = [await gzLayer(base), await gzLayer(rewriteStatus, DOCKER_GZIP), await gzLayer(whiteouts)];
    const files = await collectFiles(asAsync(layers), wantAll);
    expect(view(files)).toEqual({
      'etc/keep.conf': 'keep 1',
      'etc/os-release': OS_RELEASE, // through the symlink ../usr/lib/os-release
      'opt/app/new.txt': 'new',
      'usr/lib/os-release': OS_RELEASE,
      'var/lib/dpkg/status': STATUS_2,
    });
    expect(findOsRelease(files)).toMatchObject({ id: 'debian', versionId: '12', versionCodename: 'bookworm' });
    expect(catalogDpkg(files).map((p) => p.name)).toEqual(['libc6', 'bash']);
    // Everything wanted was already read in the first pass.
    expect(layers.map((l) => l.opens)).toEqual([1, 1, 1]);
  });

  it('shows a file re-added above its whiteout, and what each prefix of layers shows', async () => {
    const readd = await gzLayer([{ name: 'etc/gone.conf', content: 'back' }, { name: 'opt/other/d.txt', content: 'd' }]);
    const layers = [await gzLayer(base), await gzLayer(whiteouts), readd];
    const files = await collectFiles(layers, (p) => p.startsWith('etc/') || p.startsWith('opt/'));
    expect(view(files)).toMatchObject({ 'etc/gone.conf': 'back', 'opt/other/d.txt': 'd' });
    expect(files.has('opt/other/c.txt')).toBe(false);
    const baseOnly = await collectFiles([await gzLayer(base)], (p) => p.startsWith('opt/'));
    expect([...baseOnly.keys()]).toEqual(['opt/app/a.txt', 'opt/app/sub/b.txt', 'opt/other/c.txt']);
  });

  it('keeps a same-layer entry beside its whiteout, and replaces a lower directory with a file', async () => {
    const layers = [
      await gzLayer([{ name: 'x/y', content: 'lower' }, { name: 'z', content: 'lower z' }]),
      await gzLayer([{ name: 'z', content: 'upper z' }, { name: '.wh.z', content: '' }, { name: 'x', content: 'x is a file now' }]),
    ];
    expect(view(await collectFiles(layers, () => true))).toEqual({ x: 'x is a file now', z: 'upper z' });
    // And back: a directory over a lower file (here a symlink) replaces it.
    const back = [
      await gzLayer([{ name: 'data/f', content: 'f' }, { name: 'd', type: 'symlink', linkname: 'data' }]),
      await gzLayer([{ name: 'd/g', content: 'g' }]),
    ];
    expect(view(await collectFiles(back, (p) => p.startsWith('d')))).toEqual({ 'd/g': 'g', 'data/f': 'f' });
  });

  it('follows hard links and symlinks only within the image, reading unwanted targets in a second pass', async () => {
    const l1 = await gzLayer([
      { name: 'data/real.txt', content: 'real' },
      { name: 'want/hard', type: 'link', linkname: 'data/real.txt' },
      { name: 'want/abs', type: 'symlink', linkname: '/data/real.txt' },
      { name: 'want/escape', type: 'symlink', linkname: '../../../../data/real.txt' },
      { name: 'want/dangling', type: 'symlink', linkname: 'nowhere' },
      { name: 'want/loop', type: 'symlink', linkname: 'loop' },
      { name: 'dirlink', type: 'symlink', linkname: 'data' },
      { name: 'want/viadir', type: 'symlink', linkname: '../dirlink/real.txt' },
    ]);
    const files = await collectFiles([l1], (p) => p.startsWith('want/'));
    // The escaping link is clamped at the root, like a chroot: it reads the image's own /data/real.txt.
    expect(view(files)).toEqual({ 'want/abs': 'real', 'want/escape': 'real', 'want/hard': 'real', 'want/viadir': 'real' });
    expect(l1.opens).toBe(2);
  });

  it('ignores entries that escape the root and normalizes ./ and / prefixes', async () => {
    const skipped: string[] = [];
    const l = await gzLayer([
      { name: '../../etc/passwd', content: 'evil' },
      { name: 'a/../../etc/shadow', content: 'evil' },
      { name: './etc/hosts', content: 'hosts' },
      { name: '/etc/hostname', content: 'name' },
      { name: 'etc/./x/../group', content: 'group' },
    ]);
    const files = await collectFiles([l], () => true, { onSkip: (raw) => skipped.push(raw) });
    expect(view(files)).toEqual({ 'etc/group': 'group', 'etc/hostname': 'name', 'etc/hosts': 'hosts' });
    expect(skipped).toEqual(['../../etc/passwd', 'a/../../etc/shadow']);
    expect(normalizeLayerPath('../x')).toBeNull();
    expect(normalizeLayerPath('./a//b/')).toBe('a/b');
  });

  it('refuses a wanted file over the size cap, and streams past unwanted big files', async () => {
    const big = Buffer.alloc(4096, 'x');
    const l = await gzLayer([{ name: 'big.bin', content: big }, { name: 'small.txt', content: 'ok' }]);
    expect(view(await collectFiles([l], (p) => p === 'small.txt', { maxFileSize: 1024 }))).toEqual({ 'small.txt': 'ok' });
    await expect(collectFiles([l], () => true, { maxFileSize: 1024 })).rejects.toThrow(FileTooLargeError);
    await expect(collectFiles([l], () => true, { maxFileSize: 1024 })).rejects.toThrow(/big\.bin is 4096 bytes, over the 1024-byte limit/);
  });

  it('reads an Alpine layer', async () => {
    const installed = [
      'C:Q1abc=\nP:musl\nV:1.2.4_git20230717-r4\nA:x86_64\nS:383152\nT:the musl c library\no:musl\nF:lib\nR:libc.musl-x86_64.so.1\n',
      'P:busybox-binsh\nV:1.36.1-r15\nA:x86_64\no:busybox\nF:bin\nR:sh\n',
    ].join('\n');
    const l = await gzLayer([
      { name: 'etc/os-release', content: 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.19.1\nPRETTY_NAME="Alpine Linux v3.19"\n' },
      { name: 'lib/apk/db/installed', content: installed },
    ]);
    const files = await collectFiles([l], (p) => wantsApk(p) || wantsOsRelease(p));
    expect(findOsRelease(files)).toMatchObject({ id: 'alpine', versionId: '3.19.1', prettyName: 'Alpine Linux v3.19' });
    expect(catalogApk(files)).toEqual([
      { ecosystem: 'alpine', name: 'musl', version: '1.2.4_git20230717-r4', arch: 'x86_64', sourceName: 'musl', location: '/lib/apk/db/installed' },
      { ecosystem: 'alpine', name: 'busybox-binsh', version: '1.36.1-r15', arch: 'x86_64', sourceName: 'busybox', location: '/lib/apk/db/installed' },
    ]);
  });

  it('reads uncompressed layers, and finds gzip from magic bytes whatever the media type says', async () => {
    const raw = await tarOf([{ name: 'etc/a', content: 'A' }]);
    const gz = zlib.gzipSync(await tarOf([{ name: 'etc/b', content: 'B' }]));
    const files = await collectFiles([layer(raw, TAR), layer(gz, 'application/octet-stream'), layer(gz, TAR)], () => true);
    expect(view(files)).toEqual({ 'etc/a': 'A', 'etc/b': 'B' });
  });

  it('rejects what is not a layer', async () => {
    const raw = await tarOf([{ name: 'a', content: 'A' }]);
    await expect(collectFiles([layer(raw, 'application/vnd.oci.image.config.v1+json')], () => true)).rejects.toThrow(LayerFormatError);
    await expect(collectFiles([layer(raw, 'application/vnd.oci.image.layer.v1.tar+gzip+encrypted')], () => true)).rejects.toThrow(/encrypted/);
    await expect(collectFiles([layer(zlib.gzipSync(raw).subarray(0, 40), TAR)], () => true)).rejects.toThrow();
  });

  const haveZstd = zstdAvailable();
  // CI installs zstd (.ci/run): there the test runs, and fails without it.
  const skipZstd = !haveZstd && process.env.CI !== 'true';
  if (skipZstd) console.log('zstd layer test skipped: no `zstd` command to make test data');
  it.skipIf(skipZstd)('reads zstd layers (fzstd, streaming)', async () => {
    const big = Buffer.alloc(3 * 1024 * 1024, 'z');
    const data = zstdCompress(await tarOf([{ name: 'filler.bin', content: big }, { name: 'etc/z', content: 'Z' }]));
    const files = await collectFiles([layer(data, ZSTD)], (p) => p === 'etc/z');
    expect(view(files)).toEqual({ 'etc/z': 'Z' });
  });

  it('stops reading a layer when the consumer stops', async () => {
    const l = await gzLayer([{ name: 'a', content: 'A' }, { name: 'b', content: 'B' }]);
    const blob = await l.open();
    for await (const entry of readLayer(blob, 'application/vnd.oci.image.layer.v1.tar+gzip')) {
      expect(entry.path).toBe('a');
      expect((await entry.read()).toString()).toBe('A');
      break;
    }
    expect(blob.destroyed).toBe(true);
  });
});

describe('memory', () => {
  it('streams a large layer without holding it', async () => {
    const { PassThrough } = await import('node:stream');
    const tar = (await import('tar-stream')).default;
    const SIZE = 96 * 1024 * 1024;
    const source = {
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      async open() {
        const pack = tar.pack();
        const out = new PassThrough();
        pack.pipe(zlib.createGzip({ level: 1 })).pipe(out);
        void (async () => {
          const w = pack.entry({ name: 'huge.bin', size: SIZE });
          const chunk = Buffer.alloc(1024 * 1024, 7);
          for (let i = 0; i < SIZE / chunk.length; i++) {
            if (!w.write(chunk)) await new Promise<void>((r) => w.once('drain', () => r()));
          }
          w.end(() => {});
          pack.entry({ name: 'etc/small' }, 's');
          pack.finalize();
        })();
        return out;
      },
    };
    const { result: files, peak } = await withMemoryPeak(() => collectFiles([source], (p) => p === 'etc/small'));
    expect(view(files)).toEqual({ 'etc/small': 's' });
    expect(peak).toBeLessThan(48 * 1024 * 1024);
  });
});

describe('collectFiles extracts', () => {
  /** An extractor keeping the first `n` bytes of files under x/, recording what it was offered. */
  function heads(n: number, offered: ExtractableEntry[] = []): Extractor {
    return (entry) => {
      offered.push(entry);
      if (!entry.path.startsWith('x/')) return undefined;
      return async (content) => {
        for await (const chunk of content as AsyncIterable<Buffer>) return Buffer.from(chunk.subarray(0, n));
        return undefined;
      };
    };
  }
  const big = (fill: string) => Buffer.alloc(256 * 1024, fill);

  it('stores extracts like content, offering only regular files that are not wanted', async () => {
    const offered: ExtractableEntry[] = [];
    const l = await gzLayer([
      { name: 'x/', type: 'directory' },
      { name: 'x/a.bin', content: big('a'), mode: 0o755 },
      { name: 'x/wanted.txt', content: 'whole' },
      { name: 'x/link', type: 'symlink', linkname: 'a.bin' },
      { name: 'y/other', content: 'o' },
      { name: 'z/after', content: 'after' },
    ]);
    const files = await collectFiles([l], (p) => p === 'x/wanted.txt' || p === 'z/after', { extract: heads(3, offered), maxFileSize: 1024 });
    expect(view(files)).toEqual({ 'x/a.bin': 'aaa', 'x/wanted.txt': 'whole', 'z/after': 'after' });
    expect(offered).toEqual([
      { path: 'x/a.bin', size: 256 * 1024, mode: 0o755 },
      { path: 'y/other', size: 1, mode: 0o644 },
    ]);
  });

  it('applies whiteouts, opaque directories and replacements to extracts', async () => {
    const layers = [
      await gzLayer([
        { name: 'x/gone', content: big('g') },
        { name: 'x/d/inner', content: big('i') },
        { name: 'x/keep', content: big('k') },
        { name: 'x/replaced', content: big('1') },
        { name: 'x/hidden', content: big('h') },
      ]),
      await gzLayer([
        { name: 'x/.wh.gone', content: '' },
        { name: 'x/d/.wh..wh..opq', content: '' },
        { name: 'x/replaced', content: big('2') },
        { name: 'x/hidden', type: 'symlink', linkname: 'keep' },
      ]),
    ];
    expect(view(await collectFiles(layers, () => false, { extract: heads(2) }))).toEqual({ 'x/keep': 'kk', 'x/replaced': '22' });
    // A file the extractor keeps nothing of still hides the lower extract at its path.
    const nothing: Extractor = (e) => (e.path === 'x/keep' ? async () => undefined : heads(2)(e));
    const upper = await gzLayer([{ name: 'x/keep', content: big('K') }]);
    expect(view(await collectFiles([layers[0]!, upper], () => false, { extract: nothing }))).toEqual({
      'x/d/inner': 'ii',
      'x/gone': 'gg',
      'x/hidden': 'hh',
      'x/replaced': '11',
    });
  });

  it('shows an extract at its hard links, not its symlinks; a wanted link reads the whole file', async () => {
    const layers = [
      await gzLayer([
        { name: 'x/real', content: big('r') },
        { name: 'x/same-layer', type: 'link', linkname: 'x/real' },
        { name: 'x/sym', type: 'symlink', linkname: 'real' },
      ]),
      await gzLayer([
        { name: 'x/upper-layer', type: 'link', linkname: 'x/real' },
        { name: 'w/wanted', type: 'symlink', linkname: '../x/real' },
      ]),
    ];
    const files = await collectFiles(layers, (p) => p === 'w/wanted', { extract: heads(2), maxFileSize: 1024 * 1024 });
    expect(view(files)).toEqual({ 'w/wanted': 'r'.repeat(256 * 1024), 'x/real': 'rr', 'x/same-layer': 'rr', 'x/upper-layer': 'rr' });
    expect(layers.map((l) => l.opens)).toEqual([2, 2]);
    // A hard link made in the target's own layer is that file: replacing the name later leaves the link's content.
    const replaced = [layers[0]!, await gzLayer([{ name: 'x/real', content: big('n') }])];
    expect(view(await collectFiles(replaced, () => false, { extract: heads(2) }))).toEqual({ 'x/real': 'nn', 'x/same-layer': 'rr' });
  });

  it('tells onSkip about a failed extract and goes on with the layer, whatever the extractor read', async () => {
    const skipped: string[] = [];
    const extract: Extractor = (e) => {
      if (e.path === 'x/throws') return async () => Promise.reject(new Error('not a kind this reads'));
      if (e.path === 'x/partial') {
        return async (content) => {
          content.read(); // starts reading, then fails part way
          await new Promise((r) => setTimeout(r, 5));
          throw new Error('gave up');
        };
      }
      if (e.path === 'x/at-once' || e.path === 'x/tiny') {
        return async (content) => {
          content.read(); // a pull in flight, then an immediate failure
          throw new Error('at once');
        };
      }
      if (e.path === 'x/destroys') {
        return async (content) => {
          content.destroy();
          return Buffer.from('kept anyway');
        };
      }
      return heads(1)(e);
    };
    const l = await gzLayer([
      { name: 'x/throws', content: big('t') },
      { name: 'x/partial', content: big('p') },
      { name: 'x/at-once', content: big('o') },
      { name: 'x/tiny', content: 't' },
      { name: 'x/destroys', content: big('d') },
      { name: 'x/fine', content: big('f') },
      { name: 'etc/after', content: 'after' },
    ]);
    const files = await collectFiles([l], (p) => p === 'etc/after', { extract, onSkip: (path, reason) => skipped.push(`${path}: ${reason}`) });
    expect(view(files)).toEqual({ 'etc/after': 'after', 'x/destroys': 'kept anyway', 'x/fine': 'f' });
    expect(skipped).toEqual([
      'x/throws: not extracted: not a kind this reads',
      'x/partial: not extracted: gave up',
      'x/at-once: not extracted: at once',
      'x/tiny: not extracted: at once',
    ]);
  });

  it('still fails on a corrupt layer while extracting', async () => {
    const data = zlib.gzipSync(await tarOf([{ name: 'x/a', content: big('a') }, { name: 'x/b', content: big('b') }]));
    const truncated = layer(data.subarray(0, data.length - 200), TAR);
    const readAll: Extractor = () => async (content) => {
      let n = 0;
      for await (const chunk of content as AsyncIterable<Buffer>) n += chunk.length;
      return Buffer.from(String(n));
    };
    // The decompressor's own error, as without extracts: not swallowed as a failed extract.
    await expect(collectFiles([truncated], () => false, { extract: readAll })).rejects.toThrow(/unexpected end of file/);
    expect(view(await collectFiles([layer(data, TAR)], () => false, { extract: readAll }))).toEqual({ 'x/a': '262144', 'x/b': '262144' });
  });

  it('skips oversized wanted files that skipOversized allows, and fails on the others', async () => {
    const l = await gzLayer([
      { name: 'lock/big.json', content: Buffer.alloc(4096, 'j') },
      { name: 'lock/small.json', content: '{}' },
      { name: 'os/big', content: Buffer.alloc(4096, 'o') },
    ]);
    const skipped: string[] = [];
    const files = await collectFiles([l], (p) => p.startsWith('lock/'), { maxFileSize: 1024, skipOversized: (p) => p.startsWith('lock/'), onSkip: (p) => skipped.push(p) });
    expect(view(files)).toEqual({ 'lock/small.json': '{}' });
    expect(skipped).toEqual(['lock/big.json']);
    await expect(collectFiles([l], () => true, { maxFileSize: 1024, skipOversized: (p) => p.startsWith('lock/') })).rejects.toThrow(/os\/big is 4096 bytes/);
    // Through a link: the link's own path decides.
    const linked = await gzLayer([{ name: 'data/big', content: Buffer.alloc(4096, 'b') }, { name: 'lock/link', type: 'symlink', linkname: '../data/big' }]);
    expect(view(await collectFiles([linked], (p) => p.startsWith('lock/'), { maxFileSize: 1024, skipOversized: (p) => p.startsWith('lock/') }))).toEqual({});
    await expect(collectFiles([linked], (p) => p.startsWith('lock/'), { maxFileSize: 1024 })).rejects.toThrow(FileTooLargeError);
  });

  it('holds some wanted files to a smaller size limit than the others', async () => {
    const l = await gzLayer([
      { name: 'db/packages', content: Buffer.alloc(4096, 'd') },
      { name: 'lock/big.json', content: Buffer.alloc(2048, 'j') },
    ]);
    const skipped: string[] = [];
    const limits = { maxFileSize: 8192, fileSizeLimit: (p: string) => (p.startsWith('lock/') ? 1024 : undefined), skipOversized: (p: string) => p.startsWith('lock/') };
    const files = await collectFiles([l], () => true, { ...limits, onSkip: (p) => skipped.push(p) });
    expect(Object.keys(view(files))).toEqual(['db/packages']);
    expect(skipped).toEqual(['lock/big.json']);
  });

  it('fails once the files it keeps would hold more than maxRetainedBytes, counting what upper layers replace as gone', async () => {
    const file = (name: string, fill: string) => ({ name, content: Buffer.alloc(400_000, fill) });
    const three = await gzLayer([file('lock/a.json', 'a'), file('lock/b.json', 'b'), file('lock/c.json', 'c')]);
    await expect(collectFiles([three], () => true, { maxRetainedBytes: 1_000_000 })).rejects.toThrow(RetainedTooLargeError);
    // The same path rewritten by every layer keeps one copy.
    const layers = await Promise.all(['a', 'b', 'c', 'd'].map((fill) => gzLayer([file('var/lib/dpkg/status', fill)])));
    const files = await collectFiles(layers, () => true, { maxRetainedBytes: 1_000_000 });
    expect(files.get('var/lib/dpkg/status')![0]).toBe('d'.charCodeAt(0));
  });
});

describe('readLayer streams', () => {
  it('hands over content as a stream that may stop anywhere', async () => {
    const l = await gzLayer([
      { name: 'a', content: Buffer.alloc(200 * 1024, 'a') },
      { name: 'b', content: 'B' },
      { name: 'c', content: Buffer.alloc(100 * 1024, 'c') },
      { name: 'd', content: 'D' },
    ]);
    const seen: string[] = [];
    let stale: import('node:stream').Readable | undefined;
    for await (const entry of readLayer(await l.open(), GZIP_TYPE)) {
      if (entry.path === 'a') {
        const stream = entry.stream();
        const first = (await stream[Symbol.asyncIterator]().next()).value as Buffer;
        seen.push(`a:${first.subarray(0, 2).toString()}`);
        await expect(entry.read()).rejects.toThrow(/already read/);
        stale = stream;
      } else if (entry.path === 'c') {
        entry.stream(); // asked for, never read
      } else {
        seen.push(`${entry.path}:${(await entry.read()).toString()}`);
      }
    }
    expect(seen).toEqual(['a:aa', 'b:B', 'd:D']);
    await expect(async () => {
      for await (const _ of stale!) void _;
    }).rejects.toThrow(/no longer available/);
  });
});
