import type { Caller } from '../../auth/access-control.js';
import type { LoginTokens } from '../../auth/login-tokens.js';
import type { Registry } from '../../registry/registry.js';

/** What every control-plane operation receives. */
export interface OperationContext {
  /** The registry of the account the request acts on. */
  registry: Registry;
  /** Who is asking, verified. */
  caller: Caller;
  /** The validated request members. */
  input: Record<string, unknown>;
  region: string;
  /** Host and port the client addressed (download URLs come back to this server). */
  host: string;
  /** The registry's host name for `repositoryUri` and `proxyEndpoint` (see registryHostFor). */
  registryHost: string;
  /** `http` or `https`, as the client connected. */
  scheme: string;
  loginTokens: LoginTokens;
}

/** An operation answers a plain object; dates are sent as epoch seconds. */
export type Operation = (context: OperationContext) => Promise<Record<string, unknown>>;
