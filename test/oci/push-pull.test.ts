import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDialects } from '../helpers/databases.js';
import { OciClient, sha256 } from '../helpers/oci-client.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe.each(testDialects())('push and pull on %s', (dialect) => {
  let server: TestServer;
  let client: OciClient;
  beforeAll(async () => {
    server = await startTestServer({ dialect });
    client = new OciClient(server.url);
  });
  afterAll(() => server.close());

  it('answers the base endpoint with the API version header', async () => {
    const response = await client.fetch('/v2/');
    expect(response.status).toBe(200);
    expect(response.headers.get('docker-distribution-api-version')).toBe('registry/2.0');
  });

  it('pushes an image and pulls back the same bytes by tag and by digest', async () => {
    const { digest, body } = await client.pushImage('team/app/api', 'v1', { layers: ['first layer', 'second layer'] });
    for (const reference of ['v1', digest]) {
      const response = await client.fetch(`/v2/team/app/api/manifests/${reference}`, {
        headers: { Accept: 'application/vnd.oci.image.manifest.v1+json' },
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('docker-content-digest')).toBe(digest);
      expect(response.headers.get('content-type')).toBe('application/vnd.oci.image.manifest.v1+json');
      expect(await response.text()).toBe(body);
    }
    const layer = await client.fetch(`/v2/team/app/api/blobs/${sha256('second layer')}`);
    expect(layer.status).toBe(200);
    expect(await layer.text()).toBe('second layer');
  });
});
