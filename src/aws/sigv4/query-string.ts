import { percentDecode } from './uri-encoding.js';

/** One `name=value` pair of a query string, still percent-encoded as received. */
export interface RawQueryParameter {
  readonly name: string;
  readonly value: string;
}

/** Splits a raw query string into its pairs; a pair without `=` has an empty value. */
export function parseRawQuery(rawQuery: string): RawQueryParameter[] {
  const parameters: RawQueryParameter[] = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const equals = part.indexOf('=');
    if (equals < 0) parameters.push({ name: part, value: '' });
    else parameters.push({ name: part.slice(0, equals), value: part.slice(equals + 1) });
  }
  return parameters;
}

/** The decoded value of the first parameter with exactly this (decoded) name. */
export function queryParameter(parameters: readonly RawQueryParameter[], name: string): string | undefined {
  for (const parameter of parameters) {
    if (percentDecode(parameter.name) === name) return percentDecode(parameter.value);
  }
  return undefined;
}
