import { ECRClient } from '@aws-sdk/client-ecr';
import { afterAll, beforeAll } from 'vitest';
import { startTestServer, TEST_ROOT_CREDENTIALS, type TestServer } from './server.js';

/** The AWS SDK's ECR client pointed at a test server, signing with the given key (the test administrator's by default). */
export function ecrClient(url: string, credentials: { accessKeyId: string; secretAccessKey: string } = TEST_ROOT_CREDENTIALS, region = 'us-east-1'): ECRClient {
  return new ECRClient({ endpoint: url, region, credentials, maxAttempts: 1 });
}

/** A test server and an SDK client signed as its administrator, for the tests of one suite. */
export interface EcrTestEnvironment {
  readonly server: TestServer;
  readonly ecr: ECRClient;
}

/**
 * Starts a test server before the tests of the calling suite and stops it after them; the
 * returned object holds the server and an administrator's client once they run.
 */
export function useEcrServer(options: Parameters<typeof startTestServer>[0] = {}): EcrTestEnvironment {
  const environment = {} as { server: TestServer; ecr: ECRClient };
  beforeAll(async () => {
    environment.server = await startTestServer(options);
    environment.ecr = ecrClient(environment.server.url);
  });
  afterAll(async () => {
    environment.ecr?.destroy();
    await environment.server?.close();
  });
  return environment;
}

/** Runs `call` and resolves to the AWS error it fails with (its `name` is the exception type). */
export async function awsErrorOf(call: Promise<unknown>): Promise<{ name: string; message: string; $metadata: { httpStatusCode?: number } }> {
  try {
    await call;
  } catch (error) {
    return error as { name: string; message: string; $metadata: { httpStatusCode?: number } };
  }
  throw new Error('expected the call to fail');
}
