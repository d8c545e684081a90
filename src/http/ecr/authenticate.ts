import type { FastifyRequest } from 'fastify';
import { AccessControl, accessDeniedMessage, type Caller } from '../../auth/access-control.js';
import { createSigV4Verifier, headersFromRawHeaders, isSigV4Error, type SigV4Verifier } from '../../aws/sigv4/index.js';
import type { Identities } from '../../identity/identities.js';
import { AwsError } from './errors.js';

/**
 * The control plane's guard: every request is signed with SigV4 by an active access key,
 * and the caller must be allowed the operation's ECR action on what it acts upon.
 */
export class ControlPlaneGuard {
  private readonly verifier: SigV4Verifier<{ secretAccessKey: string; caller: Caller }>;

  constructor(
    private readonly identities: Identities,
    private readonly accessControl: AccessControl,
    region: string,
  ) {
    this.verifier = createSigV4Verifier({
      region,
      service: 'ecr',
      lookupAccessKey: async (accessKeyId) => {
        const key = await identities.findAccessKey(accessKeyId);
        return key?.status === 'Active' ? { secretAccessKey: key.secretAccessKey, caller: key.principal } : undefined;
      },
    });
  }

  /** The verified caller, or the AWS error that refuses the request. */
  async authenticate(request: FastifyRequest, body: Buffer): Promise<Caller> {
    const url = request.raw.url ?? '/';
    const question = url.indexOf('?');
    try {
      const verified = await this.verifier.verify({
        method: request.method,
        rawPath: question < 0 ? url : url.slice(0, question),
        rawQuery: question < 0 ? '' : url.slice(question + 1),
        headers: headersFromRawHeaders(request.raw.rawHeaders),
        body,
        now: new Date(),
      });
      void this.identities.recordAccessKeyUse(verified.accessKeyId).catch(() => undefined);
      return verified.identity.caller;
    } catch (error) {
      if (isSigV4Error(error)) {
        // The message may echo what the client sent; the log keeps only the kind of failure.
        request.log.debug({ awsType: error.awsType, reason: error.reason }, 'request signature refused');
        throw new AwsError(error.awsType, error.message, error.statusCode);
      }
      throw error;
    }
  }

  /** Refuses with AccessDeniedException unless the caller may perform `action`. */
  async authorize(
    request: FastifyRequest,
    caller: Caller,
    action: string,
    target: { registryId: string; repositoryName?: string; requestTags?: { key: string; value: string }[] },
  ): Promise<void> {
    const result = await this.accessControl.decide({
      caller,
      action,
      registryId: target.registryId,
      repositoryName: target.repositoryName,
      requestTags: target.requestTags,
      sourceIp: request.ip,
      secureTransport: request.protocol === 'https',
    });
    if (result.decision !== 'Allow') throw new AwsError('AccessDeniedException', accessDeniedMessage(result));
  }
}
