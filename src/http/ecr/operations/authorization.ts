import type { Operation } from '../operation.js';

/**
 * GetAuthorizationToken: the Docker login for `/v2/`, as ECR gives it — base64 of
 * `AWS:<token>`, valid for 12 hours, with the registry's endpoint.
 */
const getAuthorizationToken: Operation = async ({ caller, loginTokens, registryHost, scheme }) => {
  const { token, expiresAt } = loginTokens.issue(caller, Date.now());
  return {
    authorizationData: [
      {
        authorizationToken: Buffer.from(`AWS:${token}`, 'utf8').toString('base64'),
        expiresAt: new Date(expiresAt),
        proxyEndpoint: `${scheme}://${registryHost}`,
      },
    ],
  };
};

export const authorizationOperations: Record<string, Operation> = {
  GetAuthorizationToken: getAuthorizationToken,
};
