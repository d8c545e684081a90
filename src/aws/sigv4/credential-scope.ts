/**
 * The `Credential` value, `AKID/YYYYMMDD/region/service/aws4_request`, and the checks AWS
 * makes on its scope.
 */
import { IncompleteSignatureError, InvalidSignatureError } from './errors.js';

export interface Credential {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly terminator: string;
}

export const SCOPE_TERMINATOR = 'aws4_request';

export function parseCredential(value: string): Credential {
  const parts = value.split('/');
  if (parts.length !== 5) {
    throw new IncompleteSignatureError(
      'malformed-credential',
      `Credential must have exactly 5 slash-delimited elements, e.g. keyid/date/region/service/term, got '${value}'`,
    );
  }
  const [accessKeyId, date, region, service, terminator] = parts as [string, string, string, string, string];
  return { accessKeyId, date, region, service, terminator };
}

/** The scope as it appears in the string to sign: everything after the access key id. */
export function credentialScope(credential: Credential): string {
  return `${credential.date}/${credential.region}/${credential.service}/${credential.terminator}`;
}

/**
 * Checks the scope against the service and region this server answers as, and its date
 * against the request's time stamp (`YYYYMMDD'T'HHMMSS'Z'`).
 */
export function checkCredentialScope(
  credential: Credential,
  expected: { region: string; service: string },
  amzDate: string,
): void {
  if (credential.terminator !== SCOPE_TERMINATOR) {
    throw new InvalidSignatureError(
      'wrong-terminator',
      `Credential should be scoped with a valid terminator: '${SCOPE_TERMINATOR}', not '${credential.terminator}'. `,
    );
  }
  if (credential.service !== expected.service) {
    throw new InvalidSignatureError('wrong-service', `Credential should be scoped to correct service: '${expected.service}'. `);
  }
  if (credential.region !== expected.region) {
    throw new InvalidSignatureError(
      'wrong-region',
      `Credential should be scoped to a valid region, not '${credential.region}'. `,
    );
  }
  const requestDate = amzDate.slice(0, 8);
  if (credential.date !== requestDate) {
    throw new InvalidSignatureError(
      'scope-date-mismatch',
      `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: ` +
        `'${credential.date}' != '${requestDate}', from '${amzDate}'.`,
    );
  }
}
