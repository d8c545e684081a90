import type { FastifyRequest } from 'fastify';
import type { AccessControl, Caller } from '../../auth/access-control.js';
import { dataPlaneAction } from '../../auth/data-plane-actions.js';
import type { LoginTokens } from '../../auth/login-tokens.js';
import { registryIdForHost } from '../../auth/registry-host.js';
import { RegistryError } from '../../registry/errors.js';
import type { OciRoute } from './routes.js';

export interface DataPlaneAccess {
  /** The account whose registry the request addresses. */
  registryId: string;
  /** The authenticated caller; undefined when authentication is disabled. */
  caller?: Caller;
}

export interface DataPlaneGuardOptions {
  /** `disabled` serves every request without credentials (a private development registry). */
  mode: 'required' | 'disabled';
  defaultAccountId: string;
  loginTokens: LoginTokens;
  accessControl: AccessControl;
  /** How long a decision is reused for the same caller, action and repository; 0 never. */
  decisionCacheMs: number;
}

/**
 * Guards `/v2/`: the caller proves itself with the login token of `GetAuthorizationToken`
 * (Basic `AWS:<token>`, or a Bearer token from the token endpoint), and every request is
 * authorized as the ECR action it is (see dataPlaneAction).
 */
export class DataPlaneGuard {
  private readonly decisions = new Map<string, { allowed: boolean; at: number }>();

  constructor(private readonly options: DataPlaneGuardOptions) {}

  get mode(): 'required' | 'disabled' {
    return this.options.mode;
  }

  async check(request: FastifyRequest, route: OciRoute, method: string): Promise<DataPlaneAccess> {
    const registryId = registryIdForHost(request.headers.host, this.options.defaultAccountId);
    if (this.options.mode === 'disabled') return { registryId };
    const name = 'name' in route ? route.name : undefined;
    const caller = this.authenticate(request, name, method);
    const action = dataPlaneAction(route, method);
    if (action && !(await this.allowed(request, caller, action, registryId, name))) {
      throw new RegistryError('DENIED', `User: ${caller.arn} is not authorized to perform: ${action} on ${name ? `repository ${name}` : 'this registry'}`);
    }
    return { registryId, caller };
  }

  /** Whether the caller may read a repository: a cross-repository mount needs it of its source. */
  async mayPull(request: FastifyRequest, access: DataPlaneAccess, name: string): Promise<boolean> {
    if (!access.caller) return true;
    return this.allowed(request, access.caller, 'ecr:GetDownloadUrlForLayer', access.registryId, name);
  }

  /** The caller a login token names, from the Authorization header; or 401 with the challenge. */
  authenticate(request: FastifyRequest, name: string | undefined, method: string): Caller & { expiresAt: number } {
    const token = tokenOf(request.headers.authorization);
    const caller = token === undefined ? undefined : this.options.loginTokens.verify(token, Date.now());
    if (caller) return caller;
    const scope = name ? `repository:${name}:${method === 'GET' || method === 'HEAD' ? 'pull' : 'pull,push'}` : undefined;
    throw new RegistryError(
      'UNAUTHORIZED',
      token === undefined ? 'authentication required' : 'the authorization token is invalid or has expired',
      { challenge: bearerChallenge(request, scope) },
    );
  }

  private async allowed(request: FastifyRequest, caller: Caller, action: string, registryId: string, name: string | undefined): Promise<boolean> {
    const key = `${caller.arn}|${action}|${registryId}|${name ?? ''}|${request.ip}`;
    const now = Date.now();
    const cached = this.decisions.get(key);
    if (cached && now - cached.at < this.options.decisionCacheMs) return cached.allowed;
    const result = await this.options.accessControl.decide({
      caller,
      action,
      registryId,
      repositoryName: name,
      sourceIp: request.ip,
      secureTransport: request.protocol === 'https',
    });
    const allowed = result.decision === 'Allow';
    if (this.options.decisionCacheMs > 0) {
      if (this.decisions.size >= 10_000) this.decisions.clear();
      this.decisions.set(key, { allowed, at: now });
    }
    return allowed;
  }
}

/** The token in `Basic base64(AWS:<token>)` or `Bearer <token>`. */
export function tokenOf(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const [scheme, value] = authorization.split(' ', 2);
  if (!value) return undefined;
  if (scheme!.toLowerCase() === 'bearer') return value.trim();
  if (scheme!.toLowerCase() !== 'basic') return undefined;
  const decoded = Buffer.from(value.trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon > 0 && decoded.slice(0, colon) === 'AWS' ? decoded.slice(colon + 1) : undefined;
}

export const TOKEN_PATH = '/auth/token';

function bearerChallenge(request: FastifyRequest, scope: string | undefined): string {
  const host = request.headers.host ?? 'localhost';
  const realm = `${request.protocol}://${host}${TOKEN_PATH}`;
  return `Bearer realm="${realm}",service="${host}"${scope ? `,scope="${scope}"` : ''}`;
}
