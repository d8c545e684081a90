import http from 'node:http';
import { CreateRepositoryCommand, GetAuthorizationTokenCommand } from '@aws-sdk/client-ecr';
import { describe, expect, it } from 'vitest';
import { useEcrServer } from '../helpers/ecr-client.js';
import { sha256 } from '../helpers/oci-client.js';
import { type TestServer } from '../helpers/server.js';

/** A request with an explicit Host header, as a client resolving `<account>.dkr.ecr.…` would send it. */
function request(server: TestServer, host: string, method: string, path: string, body?: string): Promise<{ status: number; body: string }> {
  const url = new URL(server.url);
  return new Promise((resolve, reject) => {
    const outgoing = http.request({ host: url.hostname, port: url.port, method, path, headers: { Host: host } }, (response) => {
      let text = '';
      response.on('data', (chunk) => (text += String(chunk)));
      response.on('end', () => resolve({ status: response.statusCode!, body: text }));
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}

describe('registries addressed as ECR addresses them', () => {
  const env = useEcrServer({ config: { registryDomain: 'registry.example.test' } });

  it('names repositories and the login endpoint <account>.dkr.ecr.<region>.<domain>', async () => {
    const { repository } = await env.ecr.send(new CreateRepositoryCommand({ repositoryName: 'team/app' }));
    expect(repository!.repositoryUri).toBe('000000000000.dkr.ecr.us-east-1.registry.example.test/team/app');
    const { authorizationData } = await env.ecr.send(new GetAuthorizationTokenCommand({}));
    expect(authorizationData![0]!.proxyEndpoint).toBe('http://000000000000.dkr.ecr.us-east-1.registry.example.test');
  });

  it('serves each account its own registry by the Host it is addressed as; other hosts are the default account', async () => {
    const other = '111111111111.dkr.ecr.us-east-1.registry.example.test';
    const content = 'only in account 111111111111';
    const digest = sha256(content);
    const pushed = await request(env.server, other, 'POST', `/v2/shared/name/blobs/uploads/?digest=${digest}`, content);
    expect(pushed.status).toBe(201);

    expect((await request(env.server, other, 'GET', `/v2/shared/name/blobs/${digest}`)).body).toBe(content);
    expect((await request(env.server, '000000000000.dkr.ecr.us-east-1.registry.example.test', 'GET', `/v2/shared/name/blobs/${digest}`)).status).toBe(404);
    expect((await request(env.server, new URL(env.server.url).host, 'GET', `/v2/shared/name/blobs/${digest}`)).status).toBe(404);
    const catalog = JSON.parse((await request(env.server, other, 'GET', '/v2/_catalog')).body) as { repositories: string[] };
    expect(catalog.repositories).toEqual(['shared/name']);
    const defaultCatalog = JSON.parse((await request(env.server, 'localhost', 'GET', '/v2/_catalog')).body) as { repositories: string[] };
    expect(defaultCatalog.repositories).toEqual(['team/app']);
  });
});
