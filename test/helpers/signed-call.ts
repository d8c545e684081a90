import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { TEST_ROOT_CREDENTIALS } from './server.js';

/**
 * One ECR API call as raw JSON on the wire, signed with SigV4 as the SDKs sign it: for
 * tests that look at exactly what the server answers rather than at what an SDK makes of it.
 */
export async function signedCall(
  url: string,
  operation: string,
  input: object,
  credentials: { accessKeyId: string; secretAccessKey: string } = TEST_ROOT_CREDENTIALS,
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const endpoint = new URL(url);
  const body = JSON.stringify(input);
  const signer = new SignatureV4({ credentials, region: 'us-east-1', service: 'ecr', sha256: Sha256 });
  const signed = await signer.sign({
    method: 'POST',
    protocol: endpoint.protocol,
    hostname: endpoint.hostname,
    port: Number(endpoint.port),
    path: '/',
    headers: {
      host: endpoint.host,
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AmazonEC2ContainerRegistry_V20150921.${operation}`,
    },
    body,
  });
  const response = await fetch(`${endpoint.origin}/`, { method: 'POST', headers: signed.headers as Record<string, string>, body });
  return { status: response.status, headers: response.headers, json: (await response.json()) as Record<string, unknown> };
}
