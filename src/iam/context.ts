import type { ConditionContext } from './conditions.js';

/**
 * The request context: what a request says about itself, keyed by condition key. Keys
 * compare case-insensitively (IAM: "Context key names are not case-sensitive"). A value is
 * a string, or a list for multivalued keys such as `aws:TagKeys`.
 */
export type ContextValue = string | readonly string[] | undefined;
export type RequestContextValues = Readonly<Record<string, ContextValue>>;

/**
 * Who makes a request. The types are those of `aws:PrincipalType`: `Account` is an
 * account's root user, `User` an IAM user. `Service` principals (replication, pull-through
 * cache) carry the service name, e.g. `replication.ecr.amazonaws.com`, as their `arn`.
 */
export type PrincipalType = 'Account' | 'User' | 'AssumedRole' | 'FederatedUser' | 'Service' | 'Anonymous';

export interface RequestPrincipal {
  readonly type: PrincipalType;
  /** The 12-digit account the principal belongs to; absent for anonymous and service principals. */
  readonly account?: string;
  /** `arn:aws:iam::<account>:root`, `arn:aws:iam::<account>:user/<path/><name>`, …; the service name for `Service`. */
  readonly arn?: string;
  /** `aws:userid`: the user's unique id; for the root user it is the account id. */
  readonly userId?: string;
  /** `aws:username`: an IAM user's name; taken from the ARN when not given. */
  readonly username?: string;
}

/**
 * Condition keys that ECR documents under its own prefix but that mean the same as a
 * global key (ECR User Guide, "Using Tag-Based Access Control": `ecr:ResourceTag/environment`).
 */
const ALIASED_PREFIXES: readonly (readonly [string, string])[] = [['ecr:resourcetag/', 'aws:resourcetag/']];

/** A case-insensitive view of the request context, with the keys derived from the principal and the clock. */
export class RequestContext implements ConditionContext {
  private readonly entries = new Map<string, readonly string[]>();

  constructor(values: RequestContextValues) {
    for (const [key, value] of Object.entries(values)) this.set(key, value);
  }

  /**
   * Builds the context of a request: the caller's values, then the keys that describe the
   * principal (`aws:PrincipalArn`, `aws:PrincipalAccount`, `aws:PrincipalType`, `aws:userid`,
   * `aws:username`), which always come from `principal` so they cannot disagree with it,
   * `aws:ResourceAccount`, and `aws:CurrentTime`/`aws:EpochTime` from `now` unless given.
   */
  static forRequest(
    principal: RequestPrincipal,
    resourceAccount: string | undefined,
    values: RequestContextValues = {},
    now: Date = new Date(),
  ): RequestContext {
    const context = new RequestContext(values);
    context.set('aws:PrincipalType', principal.type);
    context.set('aws:PrincipalAccount', principal.account);
    context.set('aws:PrincipalArn', principal.type === 'Service' ? undefined : principal.arn);
    context.set('aws:PrincipalServiceName', principal.type === 'Service' ? principal.arn : undefined);
    context.set('aws:userid', principal.userId ?? (principal.type === 'Account' ? principal.account : undefined));
    context.set('aws:username', principal.username ?? (principal.type === 'User' ? userNameOf(principal.arn) : undefined));
    if (resourceAccount !== undefined) context.set('aws:ResourceAccount', resourceAccount);
    if (!context.has('aws:CurrentTime')) context.set('aws:CurrentTime', now.toISOString().replace(/\.\d{3}Z$/, 'Z'));
    if (!context.has('aws:EpochTime')) context.set('aws:EpochTime', String(Math.floor(now.getTime() / 1000)));
    return context;
  }

  values(key: string): readonly string[] | undefined {
    const lower = key.toLowerCase();
    const direct = this.entries.get(lower);
    if (direct !== undefined) return direct;
    for (const [alias, canonical] of ALIASED_PREFIXES) {
      if (lower.startsWith(alias)) return this.entries.get(canonical + lower.slice(alias.length));
      if (lower.startsWith(canonical)) return this.entries.get(alias + lower.slice(canonical.length));
    }
    return undefined;
  }

  has(key: string): boolean {
    return this.values(key) !== undefined;
  }

  /** Single-valued keys only: IAM does not allow a multivalued key as a policy variable. */
  readonly variable = (key: string): string | undefined => {
    const values = this.values(key);
    return values !== undefined && values.length === 1 ? values[0] : undefined;
  };

  private set(key: string, value: ContextValue): void {
    const lower = key.toLowerCase();
    if (value === undefined) this.entries.delete(lower);
    else this.entries.set(lower, typeof value === 'string' ? [value] : [...value]);
  }
}

/** The user name at the end of `arn:aws:iam::<account>:user/<path/><name>`. */
function userNameOf(arn: string | undefined): string | undefined {
  const match = arn === undefined ? null : /^arn:[^:]+:iam::\d{12}:user\/(?:.*\/)?([^/]+)$/.exec(arn);
  return match ? match[1] : undefined;
}
