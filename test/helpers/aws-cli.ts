import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TEST_ROOT_CREDENTIALS } from './server.js';

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command without blocking this process (a server under test may run in it), collecting its output. */
export function runCommand(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += String(chunk)));
    child.stderr.on('data', (chunk) => (stderr += String(chunk)));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** An empty AWS CLI configuration directory, so that nothing configured on this machine takes part. */
export function emptyAwsConfigDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stowage-aws-cli-'));
  fs.writeFileSync(path.join(dir, 'config'), '');
  fs.writeFileSync(path.join(dir, 'credentials'), '');
  return dir;
}

/** The environment of `aws` as a user of the test administrator would set it, with `extra` added. */
export function awsCliEnvironment(configDir: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ACCESS_KEY_ID: TEST_ROOT_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_ROOT_CREDENTIALS.secretAccessKey,
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_CONFIG_FILE: path.join(configDir, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(configDir, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_PAGER: '',
    ...extra,
  };
}
