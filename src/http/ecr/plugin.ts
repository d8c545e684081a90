import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ECR_MODEL_FILE, loadServiceModel, type ServiceModel } from '../../aws/service-model.js';
import { validateInput, type InputProblem } from '../../aws/validate-input.js';
import type { Registry } from '../../registry/registry.js';
import { readBody } from '../read-body.js';
import type { LoginTokens } from '../../auth/login-tokens.js';
import { registryHostFor } from '../../auth/registry-host.js';
import type { ControlPlaneGuard } from './authenticate.js';
import { AwsError, serverError } from './errors.js';
import { ecrOperationError } from './domain-errors.js';
import type { Operation } from './operation.js';
import { ECR_OPERATIONS } from './operations/index.js';

const JSON_CONTENT_TYPE = 'application/x-amz-json-1.1';
/** Requests carry manifests (PutImage) and layer parts (UploadLayerPart, base64). */
const MAX_REQUEST_BYTES = 64 * 1024 * 1024;

/**
 * ECR's control plane: the AWS JSON 1.1 protocol on `POST /`, one operation per
 * `X-Amz-Target: AmazonEC2ContainerRegistry_V20150921.<Operation>`. Every request is
 * checked against the operation's input shape in the service model before it runs.
 */
export async function ecrPlugin(
  app: FastifyInstance,
  options: { registry: Registry; region: string; registryDomain?: string; guard: ControlPlaneGuard; loginTokens: LoginTokens },
): Promise<void> {
  const model = loadServiceModel(ECR_MODEL_FILE);
  const targetPrefix = `${model.metadata.targetPrefix}.`;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
  app.setErrorHandler((error, request, reply) => sendError(request, reply, error));

  app.post('/', async (request, reply) => {
    reply.header('x-amzn-RequestId', randomUUID());
    const target = String(request.headers['x-amz-target'] ?? '');
    const operationName = target.startsWith(targetPrefix) ? target.slice(targetPrefix.length) : undefined;
    const operation = operationName === undefined ? undefined : model.operations[operationName];
    if (!operationName || !operation) {
      request.raw.resume();
      throw new AwsError('UnknownOperationException', target ? `Unknown operation ${target}` : 'Missing X-Amz-Target header');
    }
    const body = await readBody(request.raw, MAX_REQUEST_BYTES, () => new AwsError('SerializationException', 'Request body too large', 413));
    const caller = await options.guard.authenticate(request, body);
    const input = parseInput(body);
    const problems = operation.input ? validateInput(model, operation.input.shape, input) : [];
    if (problems.length > 0) throw validationError(model, operationName, problems);

    const implementation: Operation | undefined = ECR_OPERATIONS[operationName];
    if (!implementation) throw new AwsError('UnsupportedOperationException', `${operationName} is not supported by this registry`);
    // An operation acts on the caller's own registry unless registryId names another account's.
    const registryId = typeof input.registryId === 'string' ? input.registryId : (accountOfResourceArn(input.resourceArn) ?? caller.accountId);
    await options.guard.authorize(request, caller, `ecr:${operationName}`, { registryId, ...targetOf(operationName, input) });
    try {
      const output = await implementation({
        registry: options.registry.forAccount(registryId),
        caller,
        input,
        region: options.region,
        host: request.headers.host ?? '',
        registryHost: registryHostFor(registryId, { registryDomain: options.registryDomain, region: options.region, requestHost: request.headers.host ?? '' }),
        scheme: request.protocol,
        loginTokens: options.loginTokens,
      });
      reply.code(200).header('Content-Type', JSON_CONTENT_TYPE).send(JSON.stringify(output, awsJsonValue));
    } catch (error) {
      throw ecrOperationError(error) ?? error;
    }
  });
}

/** The account in a repository ARN (TagResource and the like act on the ARN's registry). */
function accountOfResourceArn(arn: unknown): string | undefined {
  return typeof arn === 'string' ? arn.match(/^arn:[^:]+:ecr:[^:]*:(\d{12}):repository\//)?.[1] : undefined;
}

/** The repository an operation acts on, and the tags it sets, for authorization. */
function targetOf(operationName: string, input: Record<string, unknown>): { repositoryName?: string; requestTags?: { key: string; value: string }[] } {
  let repositoryName = typeof input.repositoryName === 'string' ? input.repositoryName : undefined;
  if (typeof input.resourceArn === 'string') repositoryName = input.resourceArn.match(/^arn:[^:]+:ecr:[^:]*:\d{12}:repository\/(.+)$/)?.[1];
  const tags = Array.isArray(input.tags) && (operationName === 'CreateRepository' || operationName === 'TagResource') ? input.tags : undefined;
  return {
    repositoryName,
    requestTags: tags?.map((tag: { Key: string; Value: string }) => ({ key: tag.Key, value: tag.Value })),
  };
}

function parseInput(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch {
    throw new AwsError('SerializationException', 'Request body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new AwsError('SerializationException', 'Request body must be a JSON object');
  }
  return value as Record<string, unknown>;
}

/**
 * ECR reports constraint violations as `InvalidParameterException` where the operation
 * declares it, else as the generic `ValidationException`; a value of the wrong type cannot
 * be deserialized (`SerializationException`).
 */
function validationError(model: ServiceModel, operationName: string, problems: InputProblem[]): AwsError {
  const serialization = problems.find((problem) => problem.kind === 'serialization');
  if (serialization) {
    return new AwsError('SerializationException', `Expected ${serialization.expected} at '${serialization.path || 'request'}'`);
  }
  const described = problems.map((problem) =>
    problem.kind === 'constraint' ? `Value ${describeValue(problem.value)} at '${problem.path}' failed to satisfy constraint: ${problem.constraint}` : '',
  );
  const declared = model.operations[operationName]!.errors?.some((error) => error.shape === 'InvalidParameterException');
  if (declared && problems.length === 1 && problems[0]!.kind === 'constraint') {
    return new AwsError('InvalidParameterException', `Invalid parameter at '${problems[0]!.path}' failed to satisfy constraint: '${problems[0]!.constraint}'`);
  }
  const count = `${problems.length} validation error${problems.length === 1 ? '' : 's'} detected: `;
  return new AwsError(declared ? 'InvalidParameterException' : 'ValidationException', count + described.join('; '));
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  return `'${typeof value === 'string' ? value : JSON.stringify(value)}'`;
}

/** The AWS JSON protocol sends timestamps as epoch seconds. */
function awsJsonValue(this: unknown, key: string, value: unknown): unknown {
  const raw = (this as Record<string, unknown>)[key];
  return raw instanceof Date ? raw.getTime() / 1000 : value;
}

function sendError(request: FastifyRequest, reply: FastifyReply, error: unknown): void {
  if (!request.raw.readableEnded) request.raw.resume();
  let answer: AwsError;
  if (error instanceof AwsError) {
    answer = error;
  } else {
    request.log.error({ err: error }, 'control-plane request failed');
    answer = serverError();
  }
  if (!reply.hasHeader('x-amzn-RequestId')) reply.header('x-amzn-RequestId', randomUUID());
  reply
    .code(answer.status)
    .header('Content-Type', JSON_CONTENT_TYPE)
    .header('x-amzn-ErrorType', answer.type)
    .send(JSON.stringify(answer.toJSON()));
}
