/**
 * Requests captured off a real socket: sent by the AWS CLI itself, and by node:http with
 * repeated header lines. The capturing server answers 400 and the captured request is then
 * verified exactly as an edge would pass it on.
 */
import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createSigV4Verifier,
  headersFromRawHeaders,
  type SigV4Error,
  type SignedRequest,
} from '../../../src/aws/sigv4/index.js';
import { ACCESS_KEY_ID, IDENTITY, REGION, SECRET_ACCESS_KEY, SERVICE, keyLookup, signWithHeader } from './signing.js';

interface CapturingServer {
  url: string;
  requests: SignedRequest[];
  close(): Promise<void>;
}

const servers: CapturingServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** Records every request as the verifier wants it, and answers with an ECR-style 400. */
async function startCapturingServer(): Promise<CapturingServer> {
  const requests: SignedRequest[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const target = req.url ?? '/';
      const question = target.indexOf('?');
      requests.push({
        method: req.method ?? 'GET',
        rawPath: question < 0 ? target : target.slice(0, question),
        rawQuery: question < 0 ? '' : target.slice(question + 1),
        headers: headersFromRawHeaders(req.rawHeaders),
        body: Buffer.concat(chunks),
        now: new Date(),
      });
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ __type: 'ValidationException', message: 'captured by the test server' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const capturing: CapturingServer = {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  servers.push(capturing);
  return capturing;
}

function verifier() {
  return createSigV4Verifier({ region: REGION, service: SERVICE, lookupAccessKey: keyLookup().lookup });
}

const awsCliAvailable = spawnSync('aws', ['--version'], { stdio: 'ignore' }).status === 0;

/** Runs the AWS CLI against the server with fixed credentials and no retries; resolves with its exit code. */
function runAwsCli(endpoint: string, args: string[], extraEnv: Record<string, string> = {}): Promise<number | null> {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_ACCESS_KEY_ID: ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY: SECRET_ACCESS_KEY,
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_CONFIG_FILE: '/nonexistent/aws-config',
    AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_MAX_ATTEMPTS: '1',
    AWS_RETRY_MODE: 'standard',
    AWS_PAGER: '',
    ...extraEnv,
  };
  return new Promise((resolve, reject) => {
    const child = spawn('aws', [...args, '--endpoint-url', endpoint, '--output', 'json'], { env, stdio: 'ignore' });
    child.once('error', reject);
    child.once('exit', (code) => resolve(code));
  });
}

describe.skipIf(!awsCliAvailable)('requests signed by the AWS CLI', () => {
  it('verifies ecr describe-repositories', async () => {
    const server = await startCapturingServer();
    const exitCode = await runAwsCli(server.url, ['ecr', 'describe-repositories']);
    expect(exitCode).not.toBe(0);
    expect(server.requests).toHaveLength(1);
    const request = server.requests[0]!;
    expect(request.headers['x-amz-target']).toEqual(['AmazonEC2ContainerRegistry_V20150921.DescribeRepositories']);
    const result = await verifier().verify(request);
    expect(result).toMatchObject({ accessKeyId: ACCESS_KEY_ID, identity: IDENTITY, form: 'header' });
    expect(result.signedHeaders).toContain('host');
  });

  it('verifies a call with parameters and temporary credentials, and refuses it changed', async () => {
    const server = await startCapturingServer();
    await runAwsCli(server.url, ['ecr', 'create-repository', '--repository-name', 'team/app', '--image-tag-mutability', 'IMMUTABLE'], {
      AWS_SESSION_TOKEN: 'IQoJb3JpZ2luX2VjEXAMPLE/session+token=',
    });
    const request = server.requests[0]!;
    expect(JSON.parse(String(request.body))).toMatchObject({ repositoryName: 'team/app' });
    const result = await verifier().verify(request);
    expect(result.sessionToken).toBe('IQoJb3JpZ2luX2VjEXAMPLE/session+token=');

    const otherBody = Buffer.from(String(request.body).replace('team/app', 'team/evil'));
    await expect(verifier().verify({ ...request, body: otherBody })).rejects.toMatchObject({
      awsType: 'InvalidSignatureException',
    } satisfies Partial<SigV4Error>);
    const wrongSecret = createSigV4Verifier({
      region: REGION,
      service: SERVICE,
      lookupAccessKey: async () => ({ ...IDENTITY, secretAccessKey: 'another secret' }),
    });
    await expect(wrongSecret.verify(request)).rejects.toMatchObject({ reason: 'signature-mismatch' });
  });

  it('refuses the CLI signing for another region', async () => {
    const server = await startCapturingServer();
    await runAwsCli(server.url, ['ecr', 'get-authorization-token', '--region', 'eu-central-1']);
    await expect(verifier().verify(server.requests[0]!)).rejects.toMatchObject({
      awsType: 'InvalidSignatureException',
      message: "Credential should be scoped to a valid region, not 'eu-central-1'. ",
    });
  });
});

describe('requests sent over HTTP by node:http', () => {
  it('verifies repeated header lines received as rawHeaders', async () => {
    const server = await startCapturingServer();
    const signed = await signWithHeader({
      method: 'POST',
      path: '/v2/team%2Fapp/',
      query: { q: 'a b' },
      headers: { 'x-amz-meta-list': 'first,second', 'content-type': 'application/json' },
      body: '{}',
    }, { signingDate: new Date() });
    const port = Number(new URL(server.url).port);
    const rawHeaders: string[] = [];
    for (const [name, value] of Object.entries(signed.headers)) {
      if (name === 'x-amz-meta-list') rawHeaders.push(name, 'first', name, ' second ');
      else if (name === 'host') rawHeaders.push('Host', '127.0.0.1:5000');
      else rawHeaders.push(name, String(value));
    }
    await new Promise<void>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, method: signed.method, path: `${signed.rawPath}?${signed.rawQuery}`, headers: rawHeaders },
        (res) => {
          res.resume();
          res.on('end', resolve);
        },
      );
      req.on('error', reject);
      req.end(signed.body as Buffer);
    });
    const received = server.requests[0]!;
    // The HTTP parser strips the optional whitespace around each value.
    expect(received.headers['x-amz-meta-list']).toEqual(['first', 'second']);
    await expect(verifier().verify(received)).resolves.toMatchObject({ accessKeyId: ACCESS_KEY_ID });
  });
});
