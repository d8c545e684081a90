/**
 * Request time stamps (`YYYYMMDD'T'HHMMSS'Z'`) and the time windows a signature is
 * accepted in, with AWS's wording when it is not.
 */
import { InvalidSignatureError } from './errors.js';

/** How far a request's time may be from the server's; ECR allows 15 minutes either way. */
export const DEFAULT_CLOCK_SKEW_SECONDS = 15 * 60;

/** The longest a presigned request may live (SigV4 signing keys last seven days). */
export const MAX_PRESIGNED_EXPIRES_SECONDS = 7 * 24 * 60 * 60;

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** Parses an ISO 8601 basic time stamp such as `20150830T123600Z`; undefined if malformed. */
export function parseAmzDate(value: string): Date | undefined {
  const match = AMZ_DATE.exec(value);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  // Date.UTC rolls 20150231 over into March; a valid time stamp formats back to itself.
  return formatAmzDate(date) === value ? date : undefined;
}

export function formatAmzDate(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/** Converts an HTTP `Date` header (RFC 7231) to the basic time stamp; undefined if unparsable. */
export function amzDateFromHttpDate(value: string): string | undefined {
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : formatAmzDate(new Date(time));
}

function describeSeconds(seconds: number): string {
  return seconds % 60 === 0 ? `${seconds / 60} min.` : `${seconds} sec.`;
}

function shifted(date: Date, seconds: number): Date {
  return new Date(date.getTime() + seconds * 1000);
}

function notYetCurrent(amzDate: string, now: Date, skewSeconds: number): InvalidSignatureError {
  return new InvalidSignatureError(
    'signature-not-yet-current',
    `Signature not yet current: ${amzDate} is still later than ${formatAmzDate(shifted(now, skewSeconds))} ` +
      `(${formatAmzDate(now)} + ${describeSeconds(skewSeconds)})`,
  );
}

/** A request signed in the Authorization header must be within `skewSeconds` of now. */
export function checkRequestTime(requestTime: Date, amzDate: string, now: Date, skewSeconds = DEFAULT_CLOCK_SKEW_SECONDS): void {
  const earliest = shifted(now, -skewSeconds);
  if (requestTime.getTime() < earliest.getTime()) {
    throw new InvalidSignatureError(
      'signature-expired',
      `Signature expired: ${amzDate} is now earlier than ${formatAmzDate(earliest)} ` +
        `(${formatAmzDate(now)} - ${describeSeconds(skewSeconds)})`,
    );
  }
  if (requestTime.getTime() > shifted(now, skewSeconds).getTime()) throw notYetCurrent(amzDate, now, skewSeconds);
}

/**
 * A presigned request lives from its signing time until `expiresSeconds` later, and may
 * not be signed further than `skewSeconds` in the future. An expired one is answered in
 * the wording of an expired signature, with the URL's lifetime in place of the skew.
 */
export function checkPresignedTime(
  requestTime: Date,
  amzDate: string,
  expiresSeconds: number,
  now: Date,
  skewSeconds = DEFAULT_CLOCK_SKEW_SECONDS,
): void {
  if (requestTime.getTime() > shifted(now, skewSeconds).getTime()) throw notYetCurrent(amzDate, now, skewSeconds);
  if (now.getTime() > shifted(requestTime, expiresSeconds).getTime()) {
    throw new InvalidSignatureError(
      'presigned-url-expired',
      `Signature expired: ${amzDate} is now earlier than ${formatAmzDate(shifted(now, -expiresSeconds))} ` +
        `(${formatAmzDate(now)} - ${describeSeconds(expiresSeconds)})`,
    );
  }
}
