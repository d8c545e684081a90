import { matchElements, patternElements, type PatternElement, type PatternPiece } from './wildcard.js';

/**
 * Amazon Resource Names: `arn:partition:service:region:account:resource`. The resource part
 * may itself contain colons (`arn:aws:logs:…:log-group:name:*`), so only the first five
 * colons separate segments.
 */
export interface Arn {
  readonly partition: string;
  readonly service: string;
  readonly region: string;
  readonly account: string;
  readonly resource: string;
}

const SEGMENT_COUNT = 6;

/** Parses an ARN; undefined when the text is not `arn:` followed by five more segments. */
export function parseArn(text: string): Arn | undefined {
  const segments = splitSegments(text);
  if (segments === undefined || segments[0] !== 'arn') return undefined;
  const [, partition, service, region, account, resource] = segments as [string, string, string, string, string, string];
  if (partition === '' || service === '') return undefined;
  return { partition, service, region, account, resource };
}

export function formatArn(arn: Arn): string {
  return `arn:${arn.partition}:${arn.service}:${arn.region}:${arn.account}:${arn.resource}`;
}

/** The ARN of an ECR repository, e.g. `arn:aws:ecr:us-east-1:123456789012:repository/team/app`. */
export function repositoryArn(region: string, account: string, repositoryName: string, partition = 'aws'): string {
  return formatArn({ partition, service: 'ecr', region, account, resource: `repository/${repositoryName}` });
}

function splitSegments(text: string): string[] | undefined {
  const segments: string[] = [];
  let start = 0;
  for (let i = 0; i < SEGMENT_COUNT - 1; i++) {
    const colon = text.indexOf(':', start);
    if (colon < 0) return undefined;
    segments.push(text.slice(start, colon));
    start = colon + 1;
  }
  segments.push(text.slice(start));
  return segments;
}

/**
 * Matching for the `Resource` and `NotResource` elements. IAM documents that `*` and `?`
 * work within a segment, and that "if the `*` wildcard is the last character of a resource
 * ARN segment, it can expand to match beyond the colon boundaries" (IAM User Guide, IAM JSON
 * policy elements: Resource). So a `*` followed by `:` or ending the pattern may cross
 * colons; any other `*` or `?` in the first five segments stays inside its segment. The
 * resource segment is free text, where wildcards match colons too. Matching is
 * case-sensitive.
 */
export function matchesResourcePattern(pattern: string | readonly PatternPiece[], resource: string): boolean {
  if (pattern === '*') return true;
  return matchElements(resourcePatternElements(patternElements(pattern)), resource);
}

function resourcePatternElements(elements: readonly PatternElement[]): PatternElement[] {
  const result: PatternElement[] = [];
  let colonsSeen = 0;
  elements.forEach((element, i) => {
    const inResourceSegment = colonsSeen >= SEGMENT_COUNT - 1;
    if (element.kind === 'char') {
      if (element.char === ':') colonsSeen++;
      result.push(element);
    } else if (inResourceSegment) {
      result.push(element);
    } else if (element.kind === 'many' && endsSegment(elements, i)) {
      result.push(element);
    } else {
      result.push({ kind: element.kind, excluding: ':' });
    }
  });
  return result;
}

function endsSegment(elements: readonly PatternElement[], index: number): boolean {
  const next = elements[index + 1];
  return next === undefined || (next.kind === 'char' && next.char === ':');
}

/**
 * Matching for the `ArnEquals`/`ArnLike` condition operators (which behave the same): each
 * of the six colon-delimited segments is matched separately, wildcards never span a segment
 * boundary, and a pattern or value without all six segments matches nothing.
 * Case-sensitive.
 */
export function matchesArnCondition(pattern: string | readonly PatternPiece[], value: string): boolean {
  const patternSegments = splitElementSegments(patternElements(pattern));
  const valueSegments = splitSegments(value);
  if (patternSegments === undefined || valueSegments === undefined) return false;
  return patternSegments.every((segment, i) => matchElements(segment, valueSegments[i] ?? ''));
}

function splitElementSegments(elements: readonly PatternElement[]): PatternElement[][] | undefined {
  const segments: PatternElement[][] = [[]];
  for (const element of elements) {
    const isColon = element.kind === 'char' && element.char === ':';
    if (isColon && segments.length < SEGMENT_COUNT) segments.push([]);
    else segments[segments.length - 1]!.push(element);
  }
  return segments.length === SEGMENT_COUNT ? segments : undefined;
}
