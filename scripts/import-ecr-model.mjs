#!/usr/bin/env node
// Refreshes models/ from the AWS service models that ship with botocore:
//   node scripts/import-ecr-model.mjs [botocore data dir]
// Documentation strings are dropped; everything else (operations, shapes, constraints,
// enums, errors, paginators) is kept exactly as published.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const dataDir =
  process.argv[2] ??
  path.join(execFileSync('python3', ['-c', 'import botocore,os;print(os.path.dirname(botocore.__file__))'], { encoding: 'utf8' }).trim(), 'data');
const outDir = path.join(path.dirname(new URL(import.meta.url).pathname), '..', 'models');

function withoutDocumentation(value) {
  if (Array.isArray(value)) return value.map(withoutDocumentation);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => key !== 'documentation' && key !== 'documentationUrl')
        .map(([key, inner]) => [key, withoutDocumentation(inner)]),
    );
  }
  return value;
}

for (const [service, version] of [['ecr', '2015-09-21'], ['ecr-public', '2020-10-30']]) {
  const dir = path.join(dataDir, service, version);
  const model = JSON.parse(zlib.gunzipSync(fs.readFileSync(path.join(dir, 'service-2.json.gz'))).toString('utf8'));
  const paginators = JSON.parse(fs.readFileSync(path.join(dir, 'paginators-1.json'), 'utf8'));
  const out = { ...withoutDocumentation(model), paginators: paginators.pagination };
  fs.writeFileSync(path.join(outDir, `${service}-${version}.json`), `${JSON.stringify(out, null, 1)}\n`);
  console.log(`${service} ${version}: ${Object.keys(model.operations).length} operations`);
}
