import { PassThrough, Readable } from 'node:stream';
import zlib from 'node:zlib';
import fc from 'fast-check';
import tar from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { collectFiles } from '../../src/scanning/filesystem-view.js';
import { DEFAULT_MAX_FILE_SIZE } from '../../src/scanning/layer-reader.js';
import {
  BuildInfoError,
  decodeGoBuildInfo,
  extractGoBuildInfo,
  MAX_BUILD_INFO_SIZE,
} from '../../src/scanning/catalogers/go-buildinfo.js';
import { catalogGo, goPackagesOf, parseModInfo, stdlibVersion } from '../../src/scanning/catalogers/go.js';
import { catalogLanguagePackages, collectLanguageFiles, languageExtractor } from '../../src/scanning/catalogers/language.js';
import { GO_MAGIC, SERVER_MODINFO, elfFile, goBuildInfoBlob, uvarint } from './language-fixtures.js';
import { gzLayer, withMemoryPeak } from './layers.js';

const SERVER_PACKAGES = (location: string) => [
  { ecosystem: 'Go', name: 'example.com/shop', version: 'v1.4.2', location },
  { ecosystem: 'Go', name: 'github.com/google/uuid', version: 'v1.6.0', location },
  { ecosystem: 'Go', name: 'golang.org/x/net', version: 'v0.23.0', location },
  { ecosystem: 'Go', name: 'stdlib', version: '1.21.5', location },
];

function chunked(data: Buffer, sizes: number[]): Buffer[] {
  const chunks: Buffer[] = [];
  let at = 0;
  for (let i = 0; at < data.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length] ?? 1);
    chunks.push(data.subarray(at, at + size));
    at += size;
  }
  return chunks;
}

describe('Go build info in a stream', () => {
  const blob = goBuildInfoBlob('go1.21.5', SERVER_MODINFO);
  // A magic at an unaligned offset (as in a binary that links debug/buildinfo) comes first and is passed over.
  const decoy = Buffer.concat([GO_MAGIC, Buffer.from([8, 2]), Buffer.alloc(16)]);
  const binary = elfFile(4096, [
    { offset: 1003, bytes: decoy },
    { offset: 2048, bytes: blob },
  ]);

  it('finds the aligned build info and keeps just it, however the stream is cut', async () => {
    expect(await extractGoBuildInfo(Readable.from([binary]))).toEqual(blob);
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 12 }), async (sizes) => {
        const extract = await extractGoBuildInfo(Readable.from(chunked(binary, sizes)));
        expect(extract).toEqual(blob);
      }),
      { numRuns: 150 },
    );
    // Every split point around the magic and the strings, one byte at a time.
    for (let cut = 1990; cut < 2048 + blob.length + 2; cut++) {
      expect(await extractGoBuildInfo(Readable.from([binary.subarray(0, cut), binary.subarray(cut)]))).toEqual(blob);
    }
  });

  it('decodes the version and the module text between the sentinels', () => {
    expect(decodeGoBuildInfo(blob)).toEqual({ goVersion: 'go1.21.5', modInfo: SERVER_MODINFO });
    expect(decodeGoBuildInfo(goBuildInfoBlob('go1.22.1', ''))).toEqual({ goVersion: 'go1.22.1', modInfo: '' });
    // Unframed module text (no sentinels) reads as none, as Go reads it.
    const header = goBuildInfoBlob('go1.22.1', '').subarray(0, 32);
    const unframed = Buffer.concat([header, uvarint(8), Buffer.from('go1.22.1'), uvarint(5), Buffer.from('mod\tx')]);
    expect(decodeGoBuildInfo(unframed)).toEqual({ goVersion: 'go1.22.1', modInfo: '' });
  });

  it('passes over files that are not ELF or carry no build info', async () => {
    const script = Buffer.concat([Buffer.from('#!/bin/sh\n'), Buffer.alloc(2038), blob]);
    expect(await extractGoBuildInfo(Readable.from([script]))).toBeUndefined();
    expect(await extractGoBuildInfo(Readable.from([elfFile(8192, [{ offset: 1003, bytes: decoy }])]))).toBeUndefined();
    expect(await extractGoBuildInfo(Readable.from([Buffer.from([0x7f, 0x45])]))).toBeUndefined();
    expect(await extractGoBuildInfo(Readable.from([]))).toBeUndefined();
  });

  it('rejects the pre-1.18 pointer format, and build info cut short or oversized', async () => {
    const old = elfFile(4096, [{ offset: 2048, bytes: goBuildInfoBlob('go1.16.15', SERVER_MODINFO, { inline: false }) }]);
    await expect(extractGoBuildInfo(Readable.from([old]))).rejects.toThrow(/pre-1\.18 pointer format/);
    const cut = elfFile(2048 + 100, [{ offset: 2048, bytes: blob.subarray(0, 100) }]);
    await expect(extractGoBuildInfo(Readable.from([cut]))).rejects.toThrow(/cut short/);
    const huge = Buffer.concat([blob.subarray(0, 32), uvarint(MAX_BUILD_INFO_SIZE + 1)]);
    await expect(extractGoBuildInfo(Readable.from([elfFile(4096, [{ offset: 2048, bytes: huge }])]))).rejects.toThrow(BuildInfoError);
  });

  it('never throws while decoding arbitrary bytes after the magic', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.boolean(), (tail, inline) => {
        const header = Buffer.alloc(18);
        GO_MAGIC.copy(header);
        header[15] = inline ? 2 : 0;
        const value = decodeGoBuildInfo(Buffer.concat([header, Buffer.from(tail)]));
        if (value !== undefined) expect(typeof value.goVersion).toBe('string');
      }),
    );
  });
});

describe('Go modules from build info', () => {
  it('reports the main module, dependencies as replaced, and stdlib', () => {
    expect(goPackagesOf('go1.21.5', SERVER_MODINFO, '/usr/local/bin/api')).toEqual(SERVER_PACKAGES('/usr/local/bin/api'));
    expect(parseModInfo(SERVER_MODINFO)).toMatchObject({
      mainPackage: 'example.com/shop/cmd/api',
      main: { path: 'example.com/shop', version: 'v1.4.2' },
      deps: [
        { path: 'github.com/google/uuid', version: 'v1.6.0' },
        { path: 'golang.org/x/net', version: 'v0.17.0', replace: { path: 'golang.org/x/net', version: 'v0.23.0' } },
        { path: 'github.com/shop/internal', version: 'v0.0.0-00010101000000-000000000000', replace: { path: '../internal', version: '' } },
      ],
    });
  });

  it('leaves out a (devel) main module, and takes a replacement module path', () => {
    const text = 'path\tcmd/tool\nmod\tcmd/tool\t(devel)\t\ndep\tgopkg.in/yaml.v3\tv3.0.0\th1:x=\n=>\tgithub.com/fork/yaml\tv3.0.1\th1:y=\n';
    expect(goPackagesOf('go1.20.14', text, '/t')).toEqual([
      { ecosystem: 'Go', name: 'github.com/fork/yaml', version: 'v3.0.1', location: '/t' },
      { ecosystem: 'Go', name: 'stdlib', version: '1.20.14', location: '/t' },
    ]);
  });

  it('reads the Go version without its prefix or experiments', () => {
    expect(stdlibVersion('go1.21.5')).toBe('1.21.5');
    expect(stdlibVersion('go1.22.0 X:boringcrypto')).toBe('1.22.0');
    expect(stdlibVersion('go1.21rc2')).toBe('1.21rc2');
    expect(stdlibVersion('devel go1.23-e8ee1dc4f9 Tue Jan 2 2024')).toBeUndefined();
    expect(goPackagesOf('devel +abc', '', '/x')).toEqual([]);
  });

  it('catalogs only extracted build info', () => {
    const files = new Map([
      ['usr/local/bin/api', goBuildInfoBlob('go1.21.5', SERVER_MODINFO)],
      ['usr/bin/env', Buffer.from('not build info')],
      ['usr/bin/short', GO_MAGIC],
    ]);
    expect(catalogGo(files)).toEqual(SERVER_PACKAGES('/usr/local/bin/api'));
  });
});

describe('Go executables in layers', () => {
  it('streams a binary far over the file size cap and keeps only its build info', async () => {
    const blob = goBuildInfoBlob('go1.21.5', SERVER_MODINFO);
    const offset = DEFAULT_MAX_FILE_SIZE + 1024 * 1024 + 16 * 37; // aligned, beyond 8 MiB
    const size = offset + blob.length + 2 * 1024 * 1024;
    const server = elfFile(size, [
      { offset: 4 * 1024 * 1024 + 5, bytes: GO_MAGIC },
      { offset, bytes: blob },
    ]);
    const old = elfFile(8192, [{ offset: 4096, bytes: goBuildInfoBlob('go1.16.15', SERVER_MODINFO, { inline: false }) }]);
    const notExecutable = elfFile(8192, [{ offset: 4096, bytes: goBuildInfoBlob('go1.21.0', SERVER_MODINFO) }]);
    const layers = [
      await gzLayer([
        { name: 'usr/local/bin/api', content: server, mode: 0o755 },
        { name: 'usr/local/bin/legacy', content: old, mode: 0o755 },
        { name: 'usr/lib/libgo-data.so', content: notExecutable, mode: 0o644 },
        { name: 'usr/local/bin/run.sh', content: '#!/bin/sh\nexec api\n', mode: 0o755 },
      ]),
    ];
    const skipped: Array<[string, string]> = [];
    const files = await collectLanguageFiles(layers, { onSkip: (path, reason) => skipped.push([path, reason]) });
    expect([...files.keys()]).toEqual(['usr/local/bin/api']);
    expect(files.get('usr/local/bin/api')).toEqual(blob);
    expect(skipped).toEqual([['usr/local/bin/legacy', 'not extracted: Go build info in the pre-1.18 pointer format is not read']]);
    expect(catalogLanguagePackages(files)).toEqual(SERVER_PACKAGES('/usr/local/bin/api'));
  });

  it('drops a binary deleted by a whiteout, and shows the one that replaces it', async () => {
    const v1 = elfFile(8192, [{ offset: 4096, bytes: goBuildInfoBlob('go1.20.1', 'mod\tex.com/tool\tv1.0.0\th1:a=\n') }]);
    const v2 = elfFile(8192, [{ offset: 4096, bytes: goBuildInfoBlob('go1.21.0', 'mod\tex.com/tool\tv2.0.0\th1:b=\n') }]);
    const layers = [
      await gzLayer([
        { name: 'bin/tool', content: v1, mode: 0o755 },
        { name: 'bin/gone', content: v1, mode: 0o755 },
        { name: 'opt/old/tool', content: v1, mode: 0o755 },
      ]),
      await gzLayer([
        { name: 'bin/.wh.gone', content: '' },
        { name: 'opt/.wh.old', content: '' },
        { name: 'bin/tool', content: v2, mode: 0o755 },
      ]),
    ];
    const files = await collectLanguageFiles(layers);
    expect(catalogLanguagePackages(files)).toEqual([
      { ecosystem: 'Go', name: 'ex.com/tool', version: 'v2.0.0', location: '/bin/tool' },
      { ecosystem: 'Go', name: 'stdlib', version: '1.21.0', location: '/bin/tool' },
    ]);
  });

  it('keeps memory flat while streaming a 96 MiB binary', async () => {
    const SIZE = 96 * 1024 * 1024;
    const blob = goBuildInfoBlob('go1.21.5', SERVER_MODINFO);
    const blobAt = 80 * 1024 * 1024 + 16 * 1001;
    const source = {
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      async open() {
        const pack = tar.pack();
        const out = new PassThrough();
        pack.pipe(zlib.createGzip({ level: 1 })).pipe(out);
        void (async () => {
          const w = pack.entry({ name: 'usr/local/bin/api', size: SIZE, mode: 0o755 });
          const MiB = 1024 * 1024;
          for (let at = 0; at < SIZE; at += MiB) {
            const chunk = Buffer.alloc(MiB);
            if (at === 0) elfFile(64, []).copy(chunk);
            if (blobAt >= at && blobAt < at + MiB) blob.copy(chunk, blobAt - at);
            if (!w.write(chunk)) await new Promise<void>((r) => w.once('drain', () => r()));
          }
          w.end(() => {});
          pack.finalize();
        })();
        return out;
      },
    };
    const { result: files, peak } = await withMemoryPeak(() => collectFiles([source], () => false, { extract: languageExtractor() }));
    expect(files.get('usr/local/bin/api')).toEqual(blob);
    expect(peak).toBeLessThan(48 * 1024 * 1024);
  });
});
