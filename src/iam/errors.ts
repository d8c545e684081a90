/**
 * A policy document that cannot be accepted. The message says what is wrong and where
 * (for example `Statement[1].Condition: unknown operator "StringEqual"`); the ECR API edge
 * answers it as `InvalidParameterException`.
 */
export class PolicyValidationError extends Error {
  constructor(
    message: string,
    /** Where in the document the problem is, e.g. `Statement[1].Condition`; empty for the whole text. */
    readonly location: string = '',
  ) {
    super(location ? `${location}: ${message}` : message);
    this.name = 'PolicyValidationError';
  }
}

export function isPolicyValidationError(error: unknown): error is PolicyValidationError {
  return error instanceof PolicyValidationError;
}
