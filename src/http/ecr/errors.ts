/**
 * An answer in the AWS JSON protocol's error form: `{"__type": …, "message": …}` with
 * the exception's name as the service model spells it, and the exception's other members
 * where its shape has some (InvalidLayerPartException's `lastValidByteReceived` …).
 */
export class AwsError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status = 400,
    readonly members: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'AwsError';
  }

  toJSON(): Record<string, unknown> & { __type: string; message: string } {
    return { ...this.members, __type: this.type, message: this.message };
  }
}

export const serverError = () => new AwsError('ServerException', 'An internal error occurred; the request was not completed.', 500);
