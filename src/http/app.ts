import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { AccessControl } from '../auth/access-control.js';
import { LoginTokens } from '../auth/login-tokens.js';
import type { Config } from '../config.js';
import type { Identities } from '../identity/identities.js';
import type { Registry } from '../registry/registry.js';
import { ControlPlaneGuard } from './ecr/authenticate.js';
import { ecrPlugin } from './ecr/plugin.js';
import { healthPlugin } from './health.js';
import { layerDownloadPlugin } from './layer-download.js';
import { DataPlaneGuard } from './oci/guard.js';
import { ociPlugin } from './oci/plugin.js';
import { tokenEndpointPlugin } from './oci/token-endpoint.js';

/** Assembles the HTTP edge: one plugin per API surface. */
export async function buildApp(options: { registry: Registry; identities: Identities; logger: Logger; config: Config }): Promise<FastifyInstance> {
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
  const { config, identities, registry } = options;
  const accessControl = new AccessControl(identities, registry, config.region);
  const loginTokens = new LoginTokens(identities.secrets.deriveKey('login tokens'));
  const dataPlaneGuard = new DataPlaneGuard({
    mode: config.dataPlaneAuth,
    defaultAccountId: config.accountId,
    loginTokens,
    accessControl,
    decisionCacheMs: config.authorizationCacheSeconds * 1000,
  });
  await app.register(ociPlugin, { registry, guard: dataPlaneGuard });
  await app.register(tokenEndpointPlugin, { guard: dataPlaneGuard });
  const controlPlaneGuard = new ControlPlaneGuard(identities, accessControl, config.region);
  await app.register(ecrPlugin, { registry, region: config.region, registryDomain: config.registryDomain, guard: controlPlaneGuard, loginTokens });
  await app.register(layerDownloadPlugin, { registry });
  return app;
}
