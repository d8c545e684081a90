import { describe, expect, it } from 'vitest';
import { substitutePolicyVariables } from '../../src/iam/policy-variables.js';

const values: Record<string, string> = { 'aws:username': 'alice', 'aws:principaltag/team': 'red' };
const lookup = (key: string) => values[key.toLowerCase()];

describe('policy variables', () => {
  it('substitute a key’s value as literal text', () => {
    expect(substitutePolicyVariables('repository/${aws:username}/*', lookup, true)).toEqual({
      ok: true,
      pieces: [
        { text: 'repository/', literal: false },
        { text: 'alice', literal: true },
        { text: '/*', literal: false },
      ],
    });
  });

  it('read key names case-insensitively and take defaults for missing keys', () => {
    expect(substitutePolicyVariables('${AWS:UserName}', lookup, true)).toEqual({ ok: true, pieces: [{ text: 'alice', literal: true }] });
    expect(substitutePolicyVariables("${aws:PrincipalTag/dept, 'company-wide'}", lookup, true)).toEqual({
      ok: true,
      pieces: [{ text: 'company-wide', literal: true }],
    });
    expect(substitutePolicyVariables("${aws:PrincipalTag/team, 'company-wide'}", lookup, true)).toEqual({
      ok: true,
      pieces: [{ text: 'red', literal: true }],
    });
  });

  it('turn ${*}, ${?} and ${$} into literal characters', () => {
    expect(substitutePolicyVariables('a${*}b${?}c${$}', lookup, true)).toEqual({
      ok: true,
      pieces: [
        { text: 'a', literal: false },
        { text: '*', literal: true },
        { text: 'b', literal: false },
        { text: '?', literal: true },
        { text: 'c', literal: false },
        { text: '$', literal: true },
      ],
    });
  });

  it('report a variable with no value and no default', () => {
    expect(substitutePolicyVariables('x/${aws:userid}', lookup, true)).toEqual({ ok: false, missingKey: 'aws:userid' });
  });

  it('leave text alone when variables are disabled (2008-10-17) or the text is not a variable', () => {
    expect(substitutePolicyVariables('${aws:username}', lookup, false)).toEqual({ ok: true, pieces: [{ text: '${aws:username}', literal: false }] });
    expect(substitutePolicyVariables('price: ${not a variable}', lookup, true)).toEqual({
      ok: true,
      pieces: [{ text: 'price: ${not a variable}', literal: false }],
    });
  });
});
