import type { Config } from '../config.js';
import type { Database } from '../storage/meta/database.js';
import { isPolicyValidationError, parsePolicyDocument } from '../iam/index.js';
import { IdentityError } from './errors.js';
import { Identities } from './identities.js';
import { checkPolicyDocumentShape } from './policy-document.js';
import { loadSecretsKey, SecretBox } from './secret-box.js';

/**
 * The identity service over an open database, with the master key the configuration
 * names. The server and the command line both come through here, so they seal secrets
 * with the same key and accept the same policy documents.
 */
export async function openIdentities(config: Pick<Config, 'secretsKey' | 'dataDir'>, database: Database): Promise<Identities> {
  const secrets = new SecretBox(await loadSecretsKey({ secretsKey: config.secretsKey, dataDir: config.dataDir }));
  return new Identities({ database, secrets, validatePolicyDocument: validateIdentityPolicy });
}

/** An identity policy must be one the IAM policy language accepts, within AWS's size limit. */
function validateIdentityPolicy(documentText: string): void {
  checkPolicyDocumentShape(documentText);
  try {
    parsePolicyDocument(documentText, 'identity');
  } catch (error) {
    if (isPolicyValidationError(error)) throw new IdentityError('MALFORMED_POLICY_DOCUMENT', error.message);
    throw error;
  }
}
