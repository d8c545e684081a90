import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  assessAdvisorySeverity,
  assessSeverity,
  levelForCvssScore,
  levelForVendorRating,
  scoreCvssVector,
  type CvssVersion,
  type EcrSeverity,
} from '../../src/scanning/severity.js';

// Worked examples of FIRST's CVSS documents (v3.1 examples, v2 guide) and scores of FIRST's
// v4.0 calculator.
const V31_EXAMPLES: Array<[string, number]> = [
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 9.8], // CVE-2014-6271
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N', 6.1], // CVE-2013-1937
  ['CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:L/I:L/A:N', 6.4], // CVE-2013-0375
  ['CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N', 3.1], // CVE-2014-3566
  ['CVSS:3.1/AV:N/AC:L/PR:L/UI:N/S:C/C:H/I:H/A:H', 9.9], // CVE-2012-1516
  ['CVSS:3.1/AV:L/AC:L/PR:H/UI:N/S:U/C:L/I:L/A:L', 4.2], // CVE-2009-0783
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N', 7.5], // CVE-2014-0160
  ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N', 0],
];

const V40_EXAMPLES: Array<[string, number]> = [
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 9.3],
  ['CVSS:4.0/AV:N/AC:H/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 9.2],
  ['CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 8.5],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:H/SI:H/SA:H', 7.9],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N', 6.9],
  ['CVSS:4.0/AV:P/AC:H/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 5.4],
  ['CVSS:4.0/AV:P/AC:H/AT:P/PR:H/UI:A/VC:L/VI:L/VA:L/SC:N/SI:N/SA:N', 1.0],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:H/SI:H/SA:H', 10.0],
  ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:N/SC:N/SI:N/SA:N', 0],
];

const V2_EXAMPLES: Array<[string, number]> = [
  ['AV:N/AC:L/Au:N/C:N/I:N/A:C', 7.8], // CVE-2002-0392
  ['AV:N/AC:L/Au:N/C:C/I:C/A:C', 10.0], // CVE-2003-0818
  ['AV:L/AC:H/Au:N/C:C/I:C/A:C', 6.2], // CVE-2003-0062
  ['AV:N/AC:L/Au:N/C:N/I:N/A:N', 0],
];

const V31_CRITICAL = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H'; // 9.8
const V31_LOW = 'CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:N/A:N'; // 3.1
const V40_HIGH = 'CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N'; // 8.5
const V40_MEDIUM = 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:L/VI:N/VA:N/SC:N/SI:N/SA:N'; // 6.9
const V2_CRITICAL_SCORE = 'AV:N/AC:L/Au:N/C:C/I:C/A:C'; // 10.0
const V2_MEDIUM = 'AV:L/AC:H/Au:N/C:C/I:C/A:C'; // 6.2

describe('scoreCvssVector', () => {
  it.each(V31_EXAMPLES)('scores the v3.1 example %s as %d', (vector, score) => {
    expect(scoreCvssVector(vector)).toEqual({ version: '3.1', vector, score });
  });

  it.each(V40_EXAMPLES)('scores the v4.0 vector %s as %d', (vector, score) => {
    expect(scoreCvssVector(vector)).toEqual({ version: '4.0', vector, score });
  });

  it.each(V2_EXAMPLES)('scores the v2 example %s as %d', (vector, score) => {
    expect(scoreCvssVector(vector)).toEqual({ version: '2.0', vector, score });
  });

  it('reads v3.0 vectors as v3.0', () => {
    expect(scoreCvssVector('CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H')).toEqual({
      version: '3.0',
      vector: 'CVSS:3.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
      score: 9.8,
    });
  });

  it('gives the base score whatever temporal, threat or environmental metrics say', () => {
    expect(scoreCvssVector(`${V31_CRITICAL}/E:U/RL:O/RC:U`)?.score).toBe(9.8);
    expect(scoreCvssVector(`${V31_CRITICAL}/MAV:P/MAC:H/CR:L/IR:L/AR:L`)?.score).toBe(9.8);
    expect(scoreCvssVector('AV:N/AC:L/Au:N/C:N/I:N/A:C/E:F/RL:OF/RC:C')?.score).toBe(7.8); // the v2 guide's temporal example
    const v4 = 'CVSS:4.0/AV:N/AC:L/AT:P/PR:N/UI:P/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N';
    const base = scoreCvssVector(v4)!.score;
    expect(scoreCvssVector(`${v4}/E:U`)?.score).toBe(base);
    expect(scoreCvssVector(`${v4}/E:U/MAV:P/CR:L`)?.score).toBe(base);
  });

  it('accepts NVD\'s parenthesized v2 form and surrounding blanks, reporting the bare vector', () => {
    expect(scoreCvssVector('(AV:N/AC:L/Au:N/C:N/I:N/A:C)')).toEqual({ version: '2.0', vector: 'AV:N/AC:L/Au:N/C:N/I:N/A:C', score: 7.8 });
    expect(scoreCvssVector(`  ${V31_CRITICAL}\n`)).toEqual({ version: '3.1', vector: V31_CRITICAL, score: 9.8 });
  });

  it.each([
    ['', 'empty'],
    ['not a vector', 'garbage'],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H', 'a base metric missing'],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:X/I:H/A:H', 'a base metric not defined'],
    ['CVSS:3.1/AV:N/AV:L/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'a metric given twice'],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/', 'a trailing slash'],
    ['CVSS:3.1/AV:N//AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'an empty pair'],
    ['CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'an undefined value'],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/ZZ:Q', 'an undefined metric'],
    ['CVSS:3.1/av:n/ac:l/pr:n/ui:n/s:u/c:h/i:h/a:h', 'lower case'],
    ['CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H junk', 'trailing text'],
    ['CVSS:3.2/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'an unknown version'],
    ['CVSS:2.0/AV:N/AC:L/Au:N/C:N/I:N/A:C', 'a v2 vector with a prefix'],
    ['AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'a v3 vector without its prefix'],
    ['CVSS:3.1/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N', 'v4 metrics under a v3.1 prefix'],
    ['CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N', 'a v4 base metric missing'],
    ['CVSS:4.0/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H', 'v3 metrics under a v4.0 prefix'],
    ['AV:N/AC:L/Au:N/C:N/I:N', 'a v2 base metric missing'],
    ['AV:N/AC:L/Au:N/C:N/I:N/A:ND', 'a v2 base metric not defined'],
    ['(AV:N/AC:L/Au:N/C:N/I:N/A:C', 'an unbalanced parenthesis'],
  ])('ignores %s (%s)', (vector) => {
    expect(scoreCvssVector(vector)).toBeUndefined();
  });

  it('never throws, whatever the string', () => {
    const pair = fc.tuple(fc.constantFrom('AV', 'AC', 'PR', 'UI', 'S', 'C', 'I', 'A', 'Au', 'AT', 'VC', 'SC', 'E', 'MAV', 'X', ''), fc.constantFrom('N', 'L', 'H', 'X', 'ND', 'P', 'R', 'U', 'C', 'Q', ''));
    const vector = fc.tuple(fc.constantFrom('', 'CVSS:3.1/', 'CVSS:3.0/', 'CVSS:4.0/', 'CVSS:', '('), fc.array(pair, { maxLength: 14 })).map(([prefix, pairs]) => prefix + pairs.map(([m, v]) => `${m}:${v}`).join('/'));
    fc.assert(
      fc.property(fc.oneof(fc.string(), vector), (v) => {
        const scored = scoreCvssVector(v);
        if (scored) expect(scored.score).toBeGreaterThanOrEqual(0);
      }),
    );
  });
});

describe('levelForCvssScore', () => {
  it.each<[number, EcrSeverity]>([
    [0, 'INFORMATIONAL'],
    [0.1, 'LOW'],
    [3.9, 'LOW'],
    [4.0, 'MEDIUM'],
    [6.9, 'MEDIUM'],
    [7.0, 'HIGH'],
    [8.9, 'HIGH'],
    [9.0, 'CRITICAL'],
    [10, 'CRITICAL'],
  ])('puts %d in %s for v3.x and v4.0', (score, level) => {
    for (const version of ['3.0', '3.1', '4.0'] as CvssVersion[]) expect(levelForCvssScore(score, version)).toBe(level);
  });

  it('tops CVSS v2 out at HIGH, which has no Critical rating', () => {
    expect(levelForCvssScore(0, '2.0')).toBe('INFORMATIONAL');
    expect(levelForCvssScore(3.9, '2.0')).toBe('LOW');
    expect(levelForCvssScore(4.0, '2.0')).toBe('MEDIUM');
    expect(levelForCvssScore(7.0, '2.0')).toBe('HIGH');
    expect(levelForCvssScore(9.0, '2.0')).toBe('HIGH');
    expect(levelForCvssScore(10, '2.0')).toBe('HIGH');
  });

  it('gives UNDEFINED for scores outside 0–10', () => {
    for (const score of [-0.1, 10.1, Number.NaN, Number.POSITIVE_INFINITY]) expect(levelForCvssScore(score, '3.1')).toBe('UNDEFINED');
  });
});

describe('levelForVendorRating', () => {
  it.each<[string, string, EcrSeverity | undefined]>([
    ['GitHub', 'LOW', 'LOW'],
    ['GitHub', 'MODERATE', 'MEDIUM'],
    ['GitHub', 'HIGH', 'HIGH'],
    ['GitHub', 'CRITICAL', 'CRITICAL'],
    ['Ubuntu', 'negligible', 'INFORMATIONAL'],
    ['Ubuntu', 'low', 'LOW'],
    ['Ubuntu', 'medium', 'MEDIUM'],
    ['Ubuntu', 'high', 'HIGH'],
    ['Ubuntu', 'critical', 'CRITICAL'],
    ['Ubuntu', 'untriaged', undefined],
    ['Red Hat', 'low', 'LOW'],
    ['Red Hat', 'moderate', 'MEDIUM'],
    ['Red Hat', 'important', 'HIGH'],
    ['Red Hat', 'Critical', 'CRITICAL'],
    ['Debian', 'unimportant', 'INFORMATIONAL'],
    ['Debian', 'low', 'LOW'],
    ['Debian', 'medium', 'MEDIUM'],
    ['Debian', 'high', 'HIGH'],
    ['Debian', 'not yet assigned', undefined],
    ['Debian', 'low**', 'LOW'],
    ['any', '  High \n', 'HIGH'],
    ['any', 'unknown', undefined],
    ['any', 'none', undefined],
    ['any', '', undefined],
    ['any', '9.8', undefined],
  ])('%s %j', (_vendor, rating, level) => {
    expect(levelForVendorRating(rating)).toBe(level);
  });
});

describe('assessSeverity', () => {
  const v3 = (score: string) => ({ type: 'CVSS_V3', score });
  const v4 = (score: string) => ({ type: 'CVSS_V4', score });
  const v2 = (score: string) => ({ type: 'CVSS_V2', score });
  const ubuntu = (score: string) => ({ type: 'Ubuntu', score });

  it('takes a GitHub advisory\'s CVSS v3 over its own rating, and reports both', () => {
    expect(assessSeverity({ severity: [v3(V31_CRITICAL)], vendorFields: [{ severity: 'MODERATE', cwe_ids: [] }] })).toEqual({
      severity: 'CRITICAL',
      source: 'cvss',
      cvss: { version: '3.1', vector: V31_CRITICAL, score: 9.8 },
      cvss3: { version: '3.1', vector: V31_CRITICAL, score: 9.8 },
      vendorSeverity: 'MODERATE',
    });
  });

  it('uses the vendor rating of each vocabulary when no v3 or v4 vector is given', () => {
    expect(assessSeverity({ vendorFields: [{ severity: 'MODERATE' }] })).toEqual({ severity: 'MEDIUM', source: 'vendor', vendorSeverity: 'MODERATE' });
    expect(assessSeverity({ severity: [ubuntu('negligible')] })).toEqual({ severity: 'INFORMATIONAL', source: 'vendor', vendorSeverity: 'negligible' });
    expect(assessSeverity({ vendorFields: [{ urgency: 'unimportant' }] })).toEqual({ severity: 'INFORMATIONAL', source: 'vendor', vendorSeverity: 'unimportant' });
    expect(assessSeverity({ vendorFields: [{ severity: 'important' }] })).toEqual({ severity: 'HIGH', source: 'vendor', vendorSeverity: 'important' });
  });

  it('follows the precedence v3.x, v4.0, vendor, v2, UNDEFINED', () => {
    const all = { severity: [v2(V2_CRITICAL_SCORE), v4(V40_HIGH), ubuntu('critical'), v3(V31_LOW)] };
    const v3Decides = assessSeverity(all);
    expect(v3Decides).toMatchObject({ severity: 'LOW', source: 'cvss', cvss: { version: '3.1', score: 3.1 }, vendorSeverity: 'critical' });
    expect(v3Decides.cvss2).toEqual({ version: '2.0', vector: V2_CRITICAL_SCORE, score: 10 });
    expect(v3Decides.cvss3).toEqual({ version: '3.1', vector: V31_LOW, score: 3.1 });
    expect(v3Decides.cvss4).toEqual({ version: '4.0', vector: V40_HIGH, score: 8.5 });

    const withoutV3 = assessSeverity({ severity: [v2(V2_CRITICAL_SCORE), v4(V40_MEDIUM), ubuntu('critical')] });
    expect(withoutV3).toMatchObject({ severity: 'MEDIUM', source: 'cvss', cvss: { version: '4.0', score: 6.9 } });

    const vendorOverV2 = assessSeverity({ severity: [v2(V2_MEDIUM), ubuntu('low')] });
    expect(vendorOverV2).toEqual({ severity: 'LOW', source: 'vendor', vendorSeverity: 'low', cvss2: { version: '2.0', vector: V2_MEDIUM, score: 6.2 } });

    expect(assessSeverity({ severity: [v2(V2_MEDIUM)] })).toMatchObject({ severity: 'MEDIUM', source: 'cvss', cvss: { version: '2.0', score: 6.2 } });
    expect(assessSeverity({ severity: [v2(V2_CRITICAL_SCORE)] })).toMatchObject({ severity: 'HIGH', cvss: { score: 10 } });
    expect(assessSeverity({})).toEqual({ severity: 'UNDEFINED' });
  });

  it('passes over ratings that are not ratings', () => {
    expect(assessSeverity({ severity: [ubuntu('untriaged'), v2(V2_MEDIUM)] })).toMatchObject({ severity: 'MEDIUM', source: 'cvss' });
    expect(assessSeverity({ severity: [ubuntu('untriaged')], vendorFields: [{ urgency: 'not yet assigned' }] })).toEqual({ severity: 'UNDEFINED' });
    expect(assessSeverity({ severity: [ubuntu('untriaged')], vendorFields: [{ urgency: 'not yet assigned' }, { severity: 'HIGH' }] })).toEqual({
      severity: 'HIGH',
      source: 'vendor',
      vendorSeverity: 'HIGH',
    });
  });

  it('ignores invalid vectors and vectors under the wrong entry type', () => {
    expect(assessSeverity({ severity: [v3('CVSS:3.1/AV:N/AC:L'), v2(V2_MEDIUM)] })).toEqual({
      severity: 'MEDIUM',
      source: 'cvss',
      cvss: { version: '2.0', vector: V2_MEDIUM, score: 6.2 },
      cvss2: { version: '2.0', vector: V2_MEDIUM, score: 6.2 },
    });
    expect(assessSeverity({ severity: [v3(V40_HIGH), v4(V31_CRITICAL), v2(V31_CRITICAL)] })).toEqual({ severity: 'UNDEFINED' });
    expect(assessSeverity({ severity: [{ type: 'CVSS_V3', score: '9.8' }] })).toEqual({ severity: 'UNDEFINED' });
  });

  it('takes the first valid entry of a kind', () => {
    const result = assessSeverity({ severity: [v3('CVSS:3.1/garbage'), v3(V31_LOW), v3(V31_CRITICAL)] });
    expect(result.cvss3?.vector).toBe(V31_LOW);
    expect(result.severity).toBe('LOW');
  });

  it('looks for vendor ratings in severity entries, then each object\'s severity, then its urgency, in order', () => {
    expect(assessSeverity({ severity: [ubuntu('low')], vendorFields: [{ severity: 'critical' }] }).vendorSeverity).toBe('low');
    expect(assessSeverity({ vendorFields: [{ urgency: 'low', severity: 'high' }] }).vendorSeverity).toBe('high');
    expect(assessSeverity({ vendorFields: [undefined, { urgency: 'medium' }, { severity: 'critical' }] }).vendorSeverity).toBe('medium');
  });

  it('tolerates shapes JSON may bring, without throwing', () => {
    const odd = [
      { severity: 'CVSS_V3' as never },
      { severity: [null, 42, { type: 'CVSS_V3' }, { score: V31_CRITICAL }, { type: 7, score: V31_CRITICAL }] as never },
      { vendorFields: [{ severity: 3 }, { severity: { level: 'HIGH' } }, { urgency: ['high'] }, null as never] },
      { vendorFields: 'HIGH' as never },
      { severity: [{ type: 'toString', score: 'high' }] },
    ];
    expect(odd.map((input) => assessSeverity(input).severity)).toEqual(['UNDEFINED', 'UNDEFINED', 'UNDEFINED', 'UNDEFINED', 'HIGH']);
  });
});

describe('assessAdvisorySeverity', () => {
  it('puts the affected entry\'s own severity entries before the advisory\'s', () => {
    const result = assessAdvisorySeverity({ severity: [{ type: 'CVSS_V3', score: V31_CRITICAL }] }, { severity: [{ type: 'CVSS_V3', score: V31_LOW }] });
    expect(result).toMatchObject({ severity: 'LOW', cvss3: { vector: V31_LOW } });
    expect(assessAdvisorySeverity({ severity: [{ type: 'CVSS_V3', score: V31_CRITICAL }] }).severity).toBe('CRITICAL');
  });

  it('reads vendor ratings from the entry\'s ecosystem_specific, the entry\'s database_specific, then the advisory\'s', () => {
    const advisory = { database_specific: { severity: 'LOW' } };
    expect(assessAdvisorySeverity(advisory).vendorSeverity).toBe('LOW');
    expect(assessAdvisorySeverity(advisory, { database_specific: { severity: 'moderate' } }).vendorSeverity).toBe('moderate');
    expect(assessAdvisorySeverity(advisory, { database_specific: { severity: 'moderate' }, ecosystem_specific: { urgency: 'high' } })).toEqual({
      severity: 'HIGH',
      source: 'vendor',
      vendorSeverity: 'high',
    });
  });
});
