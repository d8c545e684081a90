import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { AccessControl } from '../auth/access-control.js';
import type { Identities } from '../identity/identities.js';
import type { Registry } from '../registry/registry.js';
import { ControlPlaneGuard } from './ecr/authenticate.js';
import { ecrPlugin } from './ecr/plugin.js';
import { healthPlugin } from './health.js';
import { ociPlugin } from './oci/plugin.js';

/** Assembles the HTTP edge: one plugin per API surface. */
export async function buildApp(options: { registry: Registry; identities: Identities; logger: Logger; region: string }): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    // Per-request log lines cost more than a manifest GET itself.
    logController: new LogController({ disableRequestLogging: true }),
    exposeHeadRoutes: false,
    routerOptions: { maxParamLength: 4096 },
    return503OnClosing: true,
    // Blob bodies stream through the handlers; nothing is buffered by the framework.
    bodyLimit: 1,
  });
  await app.register(healthPlugin, { registry: options.registry });
  await app.register(ociPlugin, { registry: options.registry });
  const accessControl = new AccessControl(options.identities, options.registry, options.region);
  const guard = new ControlPlaneGuard(options.identities, accessControl, options.region);
  await app.register(ecrPlugin, { registry: options.registry, region: options.region, guard });
  return app;
}
