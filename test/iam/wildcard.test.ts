import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchElements, matchesWildcard, patternElements } from '../../src/iam/wildcard.js';

/** A straightforward reference: the pattern as an anchored regular expression. */
function referenceMatch(pattern: string, value: string, ignoreCase = false): boolean {
  const source = Array.from(pattern)
    .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : char.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${source}$`, `su${ignoreCase ? 'i' : ''}`).test(value);
}

describe('wildcard patterns', () => {
  it('* matches any run of characters, including none and slashes', () => {
    expect(matchesWildcard('ecr:*', 'ecr:BatchGetImage')).toBe(true);
    expect(matchesWildcard('ecr:*', 'ecr:')).toBe(true);
    expect(matchesWildcard('team/*', 'team/a/b/c')).toBe(true);
    expect(matchesWildcard('ecr:*', 'ecs:ListTasks')).toBe(false);
  });

  it('? matches exactly one character', () => {
    expect(matchesWildcard('i-?????', 'i-12345')).toBe(true);
    expect(matchesWildcard('i-?????', 'i-1234')).toBe(false);
    expect(matchesWildcard('i-?????', 'i-123456')).toBe(false);
  });

  it('? matches one Unicode character, not one UTF-16 unit', () => {
    expect(matchesWildcard('a?b', 'a😀b')).toBe(true);
    expect(matchesWildcard('a??b', 'a😀b')).toBe(false);
  });

  it('compares case-sensitively unless told otherwise', () => {
    expect(matchesWildcard('ecr:Batch*', 'ecr:batchgetimage')).toBe(false);
    expect(matchesWildcard('ecr:Batch*', 'ecr:batchgetimage', { ignoreCase: true })).toBe(true);
    expect(matchesWildcard('ECR:BATCHGETIMAGE', 'ecr:BatchGetImage', { ignoreCase: true })).toBe(true);
  });

  it('treats wildcard characters in literal pieces as themselves', () => {
    const elements = patternElements([
      { text: 'home/', literal: false },
      { text: '*', literal: true },
      { text: '/*', literal: false },
    ]);
    expect(matchElements(elements, 'home/*/file')).toBe(true);
    expect(matchElements(elements, 'home/alice/file')).toBe(false);
  });

  it('agrees with a regular-expression reference on random patterns', () => {
    const alphabet = fc.constantFrom('a', 'b', '/', ':');
    const patternChar = fc.constantFrom('a', 'b', '/', ':', '*', '?', 'A');
    fc.assert(
      fc.property(
        fc.array(patternChar, { maxLength: 8 }).map((chars) => chars.join('')),
        fc.array(alphabet, { maxLength: 10 }).map((chars) => chars.join('')),
        fc.boolean(),
        (pattern, value, ignoreCase) => {
          expect(matchesWildcard(pattern, value, { ignoreCase })).toBe(referenceMatch(pattern, value, ignoreCase));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('a value matches any pattern made from it by replacing runs with * and characters with ?', () => {
    const piece = fc.record({ text: fc.string({ minLength: 1, maxLength: 4 }), replace: fc.constantFrom('keep', 'star', 'question') });
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 6 }), (pieces) => {
        const value = pieces.map((entry) => entry.text).join('');
        const pattern = pieces
          .map((entry) =>
            entry.replace === 'star' ? '*' : entry.replace === 'question' ? Array.from(entry.text, () => '?').join('') : entry.text,
          )
          .join('');
        expect(matchesWildcard(pattern, value)).toBe(true);
      }),
    );
  });
});
