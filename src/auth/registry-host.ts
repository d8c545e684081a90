/**
 * Which account's registry a `/v2/` request addresses. As on ECR, a host name that starts
 * with a 12-digit account id (`123456789012.dkr.ecr.us-east-1.example.com`) names that
 * account's registry; any other host (a bare name or IP, `localhost:5000`) is the default
 * account's registry.
 */
export function registryIdForHost(host: string | undefined, defaultAccountId: string): string {
  const match = host?.match(/^(\d{12})\./);
  return match ? match[1]! : defaultAccountId;
}

/**
 * The host name clients use for an account's registry: with a registry domain configured,
 * ECR's form `<account>.dkr.ecr.<region>.<domain>` (what `repositoryUri` and
 * `proxyEndpoint` show); without one, the host the client addressed.
 */
export function registryHostFor(registryId: string, options: { registryDomain?: string; region: string; requestHost: string }): string {
  return options.registryDomain ? `${registryId}.dkr.ecr.${options.region}.${options.registryDomain}` : options.requestHost;
}
