import { BlockList, isIP } from 'node:net';

/**
 * Typed readings of condition values, shared by policy validation (a policy value that
 * does not read is an error) and evaluation (a request value that does not read matches
 * nothing).
 */

const NUMBER = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

export function parseNumber(text: string): number | undefined {
  const trimmed = text.trim();
  return NUMBER.test(trimmed) ? Number(trimmed) : undefined;
}

const EPOCH_SECONDS = /^-?\d+(?:\.\d+)?$/;
/** The W3C profile of ISO 8601 that IAM documents, with the time zone optional (then UTC). */
const W3C_DATE =
  /^(\d{4})-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?)?$/i;

/**
 * Reads a date condition value as milliseconds since the epoch. IAM accepts "one of the W3C
 * implementations of the ISO 8601 date formats or epoch (UNIX) time"; text of digits only is
 * read as epoch seconds (so `aws:EpochTime` compares with ISO dates too).
 */
export function parseDate(text: string): number | undefined {
  const trimmed = text.trim();
  if (EPOCH_SECONDS.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const match = W3C_DATE.exec(trimmed);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction, zone] = match;
  const parts = {
    year: Number(year),
    month: Number(month),
    day: day === undefined ? 1 : Number(day),
    hour: hour === undefined ? 0 : Number(hour),
    minute: minute === undefined ? 0 : Number(minute),
    second: second === undefined ? 0 : Number(second),
  };
  const millis = fraction === undefined ? 0 : Math.round(Number(`0${fraction}`) * 1000);
  const utc = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second, millis);
  const check = new Date(utc);
  const consistent =
    check.getUTCFullYear() === parts.year &&
    check.getUTCMonth() === parts.month - 1 &&
    check.getUTCDate() === parts.day &&
    check.getUTCHours() === parts.hour &&
    check.getUTCMinutes() === parts.minute &&
    check.getUTCSeconds() === parts.second;
  if (!consistent) return undefined;
  return utc - zoneOffsetMillis(zone);
}

function zoneOffsetMillis(zone: string | undefined): number {
  if (zone === undefined || zone.toUpperCase() === 'Z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
}

/** Reads `true`/`false` (any case). */
export function parseBool(text: string): 'true' | 'false' | undefined {
  const lower = text.trim().toLowerCase();
  return lower === 'true' || lower === 'false' ? lower : undefined;
}

export interface IpRange {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

/** Reads an IPv4 or IPv6 address or CIDR block; an address alone is a /32 or /128. */
export function parseIpRange(text: string): IpRange | undefined {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const address = slash < 0 ? trimmed : trimmed.slice(0, slash);
  const version = isIP(address);
  if (version === 0) return undefined;
  const family = version === 4 ? 'ipv4' : 'ipv6';
  const maximum = version === 4 ? 32 : 128;
  if (slash < 0) return { address, prefix: maximum, family };
  const prefixText = trimmed.slice(slash + 1);
  if (!/^\d{1,3}$/.test(prefixText)) return undefined;
  const prefix = Number(prefixText);
  return prefix <= maximum ? { address, prefix, family } : undefined;
}

/** Whether a request address lies in the range (an IPv4-mapped IPv6 address counts as IPv4). */
export function ipInRange(range: IpRange, address: string): boolean {
  const version = isIP(address.trim());
  if (version === 0) return false;
  const list = new BlockList();
  list.addSubnet(range.address, range.prefix, range.family);
  return list.check(address.trim(), version === 4 ? 'ipv4' : 'ipv6');
}
