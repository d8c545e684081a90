import { ECRClient } from '@aws-sdk/client-ecr';
import { TEST_ROOT_CREDENTIALS } from './server.js';

/** The AWS SDK's ECR client pointed at a test server, signing with the given key (the test administrator's by default). */
export function ecrClient(url: string, credentials: { accessKeyId: string; secretAccessKey: string } = TEST_ROOT_CREDENTIALS, region = 'us-east-1'): ECRClient {
  return new ECRClient({ endpoint: url, region, credentials, maxAttempts: 1 });
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
