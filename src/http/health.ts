import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import type { Registry } from '../registry/registry.js';

/** Liveness and readiness for load balancers and orchestrators. */
export async function healthPlugin(app: FastifyInstance, options: { registry: Registry }): Promise<void> {
  app.get('/healthz', async (_request, reply) => reply.send({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    try {
      await sql`select 1`.execute(options.registry.context.database.db);
      return reply.send({ status: 'ready' });
    } catch {
      return reply.code(503).send({ status: 'database unavailable' });
    }
  });
}
