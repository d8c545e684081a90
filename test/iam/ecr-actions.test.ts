import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  ECR_ACTIONS,
  ECR_API_ACTIONS,
  ECR_PERMISSION_ONLY_ACTIONS,
  actionForOperation,
  canonicalEcrAction,
} from '../../src/iam/ecr-actions.js';

/** The operation names of ECR's botocore service model on this machine, when botocore is installed. */
function botocoreOperations(): string[] | undefined {
  try {
    const directory = execFileSync('python3', ['-c', 'import botocore,os;print(os.path.dirname(botocore.__file__))'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    const model = path.join(directory, 'data/ecr/2015-09-21/service-2.json.gz');
    if (!fs.existsSync(model)) return undefined;
    const parsed = JSON.parse(gunzipSync(fs.readFileSync(model)).toString('utf8')) as { operations: Record<string, unknown> };
    return Object.keys(parsed.operations);
  } catch {
    return undefined;
  }
}

const operations = botocoreOperations();

describe('ECR actions', () => {
  it.skipIf(operations === undefined)('are the operations of the botocore ECR model, prefixed with ecr:', () => {
    expect([...ECR_API_ACTIONS].sort()).toEqual(operations!.map((operation) => `ecr:${operation}`).sort());
  });

  it('are unique, sorted and prefixed', () => {
    expect(new Set(ECR_ACTIONS).size).toBe(ECR_ACTIONS.length);
    expect([...ECR_ACTIONS]).toEqual([...ECR_ACTIONS].sort());
    for (const action of ECR_ACTIONS) expect(action).toMatch(/^ecr:[A-Z][A-Za-z]+$/);
    for (const action of ECR_PERMISSION_ONLY_ACTIONS) expect(ECR_API_ACTIONS as readonly string[]).not.toContain(action);
  });

  it('map operations to actions and recognize actions in any case', () => {
    expect(actionForOperation('BatchGetImage')).toBe('ecr:BatchGetImage');
    expect(actionForOperation('ReplicateImage')).toBeUndefined();
    expect(actionForOperation('NoSuchOperation')).toBeUndefined();
    expect(canonicalEcrAction('ECR:putimage')).toBe('ecr:PutImage');
    expect(canonicalEcrAction('ecr:ReplicateImage')).toBe('ecr:ReplicateImage');
    expect(canonicalEcrAction('ecr:Nothing')).toBeUndefined();
  });
});
