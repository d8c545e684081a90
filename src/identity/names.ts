import { IdentityError } from './errors.js';

/** The name rules of IAM (user and policy names), and ECR's 12-digit account ids. */
const ACCOUNT_ID = /^\d{12}$/;
const USER_NAME = /^[\w+=,.@-]{1,64}$/;
const POLICY_NAME = /^[\w+=,.@-]{1,128}$/;
const ACCOUNT_NAME_MAX = 50;

export function checkAccountId(accountId: string): void {
  if (!ACCOUNT_ID.test(accountId)) throw new IdentityError('INVALID_PARAMETER', `account id '${accountId}' must be 12 digits`);
}

export function checkAccountName(name: string): void {
  if (name.length === 0 || name.length > ACCOUNT_NAME_MAX || /[\x00-\x1f\x7f]/.test(name)) {
    throw new IdentityError('INVALID_PARAMETER', `account name must be 1 to ${ACCOUNT_NAME_MAX} printable characters`);
  }
}

export function checkUserName(name: string): void {
  if (!USER_NAME.test(name)) {
    throw new IdentityError('INVALID_PARAMETER', `user name '${name}' must be 1 to 64 characters of letters, digits and _+=,.@-`);
  }
}

export function checkPolicyName(name: string): void {
  if (!POLICY_NAME.test(name)) {
    throw new IdentityError('INVALID_PARAMETER', `policy name '${name}' must be 1 to 128 characters of letters, digits and _+=,.@-`);
  }
}

export function userArn(accountId: string, userName: string): string {
  return `arn:aws:iam::${accountId}:user/${userName}`;
}
