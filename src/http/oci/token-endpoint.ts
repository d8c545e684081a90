import type { FastifyInstance } from 'fastify';
import { RegistryError } from '../../registry/errors.js';
import { ociErrorBody } from './errors.js';
import { TOKEN_PATH, tokenOf, type DataPlaneGuard } from './guard.js';

/**
 * The Docker token endpoint that `/v2/`'s Bearer challenge points to: a client presents
 * its login (Basic `AWS:<login token>`) and receives a bearer token for `/v2/`. The bearer
 * token is the login token itself: what it may do is decided per request by policy.
 */
export async function tokenEndpointPlugin(app: FastifyInstance, options: { guard: DataPlaneGuard }): Promise<void> {
  app.get(TOKEN_PATH, async (request, reply) => {
    reply.header('Content-Type', 'application/json');
    if (options.guard.mode === 'disabled') {
      return reply.code(200).send(JSON.stringify({ token: 'anonymous', access_token: 'anonymous' }));
    }
    let caller;
    try {
      caller = options.guard.authenticate(request, undefined, 'GET');
    } catch (error) {
      if (!(error instanceof RegistryError)) throw error;
      return reply.code(401).send(ociErrorBody('UNAUTHORIZED', error.message));
    }
    const token = tokenOf(request.headers.authorization)!;
    const expiresIn = Math.max(0, Math.floor((caller.expiresAt - Date.now()) / 1000));
    return reply.code(200).send(JSON.stringify({ token, access_token: token, expires_in: expiresIn, issued_at: new Date().toISOString() }));
  });
}
