/**
 * An answer in the AWS JSON protocol's error form: `{"__type": …, "message": …}` with
 * the exception's name as the service model spells it.
 */
export class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
    this.name = 'AwsError';
  }

  toJSON(): { __type: string; message: string } {
    return { __type: this.type, message: this.message };
  }
}

export const serverError = () => new AwsError('ServerException', 'An internal error occurred; the request was not completed.', 500);
