import { IdentityError } from './errors.js';

/**
 * Checks an identity policy document before it is stored; throws to refuse it. The IAM
 * policy parser is plugged in here (through `Identities`' `validatePolicyDocument`) so the
 * server and the command line refuse the same documents.
 */
export type PolicyDocumentValidator = (documentText: string) => void;

/** AWS's limit on the size of one inline user policy, in characters. */
const MAX_DOCUMENT_CHARACTERS = 2048;

/** The least every policy must be: a JSON object with statements, within AWS's size limit. */
export const checkPolicyDocumentShape: PolicyDocumentValidator = (documentText) => {
  if (documentText.replace(/\s/g, '').length > MAX_DOCUMENT_CHARACTERS) {
    throw new IdentityError('LIMIT_EXCEEDED', `policy document exceeds ${MAX_DOCUMENT_CHARACTERS} characters (whitespace excluded)`);
  }
  let document: unknown;
  try {
    document = JSON.parse(documentText);
  } catch (error) {
    throw new IdentityError('MALFORMED_POLICY_DOCUMENT', `policy document is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof document !== 'object' || document === null || Array.isArray(document)) {
    throw new IdentityError('MALFORMED_POLICY_DOCUMENT', 'policy document must be a JSON object');
  }
  if (!('Statement' in document)) throw new IdentityError('MALFORMED_POLICY_DOCUMENT', 'policy document has no Statement');
};
