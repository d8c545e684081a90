import { evaluate, parsePolicyDocument, repositoryArn, type EvaluationResult, type Policy, type PolicyKind } from '../iam/index.js';
import type { Identities, Principal } from '../identity/identities.js';
import type { Registry } from '../registry/registry.js';
import { getRegistryPolicy } from '../storage/meta/identities.js';

/** Who is asking: the principal behind a verified access key or login token. */
export type Caller = Principal;

/** One request to authorize: an ECR action on a repository (or on the registry as a whole). */
export interface AccessRequest {
  caller: Caller;
  action: string;
  /** The account whose registry is acted on. */
  registryId: string;
  /** The repository acted on; absent for registry-wide actions (GetAuthorizationToken, DescribeRegistry …). */
  repositoryName?: string;
  sourceIp?: string;
  secureTransport: boolean;
  /** Tags the request sets (CreateRepository, TagResource), for `aws:RequestTag/…` and `aws:TagKeys`. */
  requestTags?: { key: string; value: string }[];
}

/**
 * Authorizes requests as AWS does, from the caller's identity policies, the repository's
 * policy and the registry policy of the registry acted on (see src/iam/evaluate.ts for the
 * rules). Parsed policy documents are cached by their text.
 */
export class AccessControl {
  private readonly parsed = new Map<string, ReturnType<typeof parsePolicyDocument>>();

  constructor(
    private readonly identities: Identities,
    private readonly registry: Registry,
    private readonly region: string,
  ) {}

  async decide(request: AccessRequest): Promise<EvaluationResult> {
    const registry = this.registry.forAccount(request.registryId);
    const resource = request.repositoryName
      ? repositoryArn(this.region, request.registryId, request.repositoryName)
      : request.action === 'ecr:GetAuthorizationToken'
        ? '*'
        : `arn:aws:ecr:${this.region}:${request.registryId}:repository/*`;
    const context: Record<string, string | string[] | undefined> = {
      'aws:SecureTransport': String(request.secureTransport),
      'aws:SourceIp': request.sourceIp,
    };
    const resourcePolicies: Policy[] = [];
    if (request.repositoryName) {
      const repository = await registry.repositories.find(request.repositoryName).catch(() => undefined);
      if (repository) {
        const [policyText, tags] = await Promise.all([
          registry.repositories.policy(request.repositoryName).catch(() => undefined),
          registry.repositories.resourceTags(request.repositoryName),
        ]);
        if (policyText) resourcePolicies.push(this.policy(request.repositoryName, policyText, 'repository'));
        for (const tag of tags) context[`aws:ResourceTag/${tag.key}`] = tag.value;
      }
    }
    const registryPolicy = await getRegistryPolicy(this.registry.context.database.db, request.registryId);
    if (registryPolicy) resourcePolicies.push(this.policy(`registry ${request.registryId}`, registryPolicy.document, 'registry'));
    if (request.requestTags) {
      for (const tag of request.requestTags) context[`aws:RequestTag/${tag.key}`] = tag.value;
      context['aws:TagKeys'] = request.requestTags.map((tag) => tag.key);
    }
    const userPolicies = await this.identities.listUserPolicyDocuments(request.caller.accountId, request.caller.userName);
    return evaluate(
      {
        principal: { type: 'User', account: request.caller.accountId, arn: request.caller.arn, username: request.caller.userName },
        action: request.action,
        resource,
        resourceAccount: request.registryId,
        context,
      },
      {
        identity: userPolicies.map((policy) => this.policy(policy.policyName, policy.document, 'identity')),
        resource: resourcePolicies,
      },
    );
  }

  private policy(label: string, text: string, kind: PolicyKind): Policy {
    const key = `${kind}\n${text}`;
    let document = this.parsed.get(key);
    if (!document) {
      document = parsePolicyDocument(text, kind);
      if (this.parsed.size >= 1000) this.parsed.delete(this.parsed.keys().next().value!);
      this.parsed.set(key, document);
    }
    return { label, document };
  }
}

/** AWS's wording for a refusal: who, what, on which resource, and which kind of policy decided. */
export function accessDeniedMessage(result: EvaluationResult): string {
  const { request } = result;
  const who = request.principal.arn ?? 'anonymous';
  const base = `User: ${who} is not authorized to perform: ${request.action} on resource: ${request.resource}`;
  if (result.decision === 'ExplicitDeny') {
    const source = result.reasons.find((reason) => reason.effect === 'Deny')?.source ?? 'identity';
    return `${base} with an explicit deny in ${source === 'identity' ? 'an identity-based' : 'a resource-based'} policy`;
  }
  const missing = result.missing === 'resource' || result.missing === 'resource-naming-principal' ? 'resource-based' : 'identity-based';
  return `${base} because no ${missing} policy allows the ${request.action} action`;
}
