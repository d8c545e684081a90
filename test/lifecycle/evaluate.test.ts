import { describe, expect, it } from 'vitest';
import { evaluateLifecyclePolicy, type LifecycleDecision, type LifecycleImage } from '../../src/lifecycle/evaluate.js';
import { parseLifecyclePolicy, type LifecyclePolicy } from '../../src/lifecycle/policy.js';
import { matchesTagPattern, selectsTags } from '../../src/lifecycle/tag-selection.js';
import { SEED_POLICY } from './seed-policy.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;
const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);
const daysAgo = (days: number) => NOW - days * DAY;

/** An image named `name`, with digest `sha256:<name>`, pushed `days` days before NOW. */
function image(name: string, tags: string[], days: number, extra: Partial<LifecycleImage> = {}): LifecycleImage {
  return { digest: `sha256:${name}`, tags, pushedAt: daysAgo(days), ...extra };
}
const digestOf = (name: string) => `sha256:${name}`;

type Selection = Record<string, unknown>;
const expire = { type: 'expire' };

/** A policy from rules given as [rulePriority, selection], through the real parser. */
function policy(...rules: Array<[number, Selection]>): LifecyclePolicy {
  return parseLifecyclePolicy(JSON.stringify({ rules: rules.map(([rulePriority, selection]) => ({ rulePriority, selection, action: expire })) }));
}

const keep = (count: number, tags: Selection = { tagStatus: 'any' }): Selection => ({ ...tags, countType: 'imageCountMoreThan', countNumber: count });
const olderThan = (days: number, tags: Selection = { tagStatus: 'any' }): Selection => ({
  ...tags,
  countType: 'sinceImagePushed',
  countUnit: 'days',
  countNumber: days,
});
const notPulledFor = (days: number, tags: Selection = { tagStatus: 'any' }): Selection => ({
  ...tags,
  countType: 'sinceImagePulled',
  countUnit: 'days',
  countNumber: days,
});
const prefixes = (...list: string[]): Selection => ({ tagStatus: 'tagged', tagPrefixList: list });
const patterns = (...list: string[]): Selection => ({ tagStatus: 'tagged', tagPatternList: list });
const untagged: Selection = { tagStatus: 'untagged' };

/** Decisions as `<name> <reason> <rulePriority>`, in output order. */
function run(policyValue: LifecyclePolicy, images: LifecycleImage[], now = NOW): string[] {
  return evaluateLifecyclePolicy(policyValue, images, now).map(
    (decision) => `${decision.digest.slice('sha256:'.length)} ${decision.reason} ${decision.rulePriority}`,
  );
}

describe('tag patterns and prefixes', () => {
  it('matches * against any run of characters, anchored at both ends', () => {
    expect(matchesTagPattern('prod*', 'prod')).toBe(true);
    expect(matchesTagPattern('prod*', 'production')).toBe(true);
    expect(matchesTagPattern('prod*', 'preprod')).toBe(false);
    expect(matchesTagPattern('*prod', 'preprod')).toBe(true);
    expect(matchesTagPattern('*prod', 'prod-1')).toBe(false);
    expect(matchesTagPattern('*-rc*', 'v1.2-rc3')).toBe(true);
    expect(matchesTagPattern('*-rc*', 'v1.2')).toBe(false);
    expect(matchesTagPattern('v*.*.*', 'v1.22.3')).toBe(true);
    expect(matchesTagPattern('v*.*.*', 'v1.22')).toBe(false);
    expect(matchesTagPattern('*', 'anything')).toBe(true);
    expect(matchesTagPattern('a*a', 'a')).toBe(false);
    expect(matchesTagPattern('a*a', 'aa')).toBe(true);
    expect(matchesTagPattern('ab*ba', 'aba')).toBe(false);
    expect(matchesTagPattern('latest', 'latest')).toBe(true);
    expect(matchesTagPattern('latest', 'latest2')).toBe(false);
  });

  it('treats every character but * literally, including regular-expression syntax', () => {
    expect(matchesTagPattern('v1.0', 'v1x0')).toBe(false);
    expect(matchesTagPattern('a+b', 'a+b')).toBe(true);
    expect(matchesTagPattern('a+b', 'aab')).toBe(false);
    expect(matchesTagPattern('(x)?', '(x)?')).toBe(true);
    expect(matchesTagPattern('(x)?', 'x')).toBe(false);
  });

  it('handles patterns that would make a backtracking matcher explode', () => {
    const tag = `${'a'.repeat(300)}`;
    expect(matchesTagPattern('*a*a*a*b', tag)).toBe(false);
    expect(matchesTagPattern('*a*a*a*a', tag)).toBe(true);
  });

  it('selects tagged images only when every list entry matches one of their tags', () => {
    const selection = { tagStatus: 'tagged' as const, tagPrefixList: ['dev-', 'feature-'] };
    expect(selectsTags(selection, ['dev-1', 'feature-x'])).toBe(true);
    expect(selectsTags(selection, ['dev-1'])).toBe(false);
    expect(selectsTags(selection, ['feature-x', 'latest'])).toBe(false);
    expect(selectsTags(selection, [])).toBe(false);
    // One tag may satisfy several entries.
    expect(selectsTags({ tagStatus: 'tagged', tagPrefixList: ['dev', 'dev-1'] }, ['dev-12'])).toBe(true);
    expect(selectsTags({ tagStatus: 'untagged' }, [])).toBe(true);
    expect(selectsTags({ tagStatus: 'untagged' }, ['x'])).toBe(false);
    expect(selectsTags({ tagStatus: 'any' }, [])).toBe(true);
  });
});

describe('each kind of rule', () => {
  it('keeps only one untagged image (ECR example), expiring the older ones', () => {
    const images = [
      image('u1', [], 4),
      image('u2', [], 3),
      image('u3', [], 2),
      image('u4', [], 1),
      image('tagged', ['latest'], 9),
    ];
    expect(run(policy([1, keep(1, untagged)]), images)).toEqual(['u1 rule 1', 'u2 rule 1', 'u3 rule 1']);
  });

  it('expires images tagged prod* pushed more than 14 days ago (ECR example), strictly more', () => {
    const images = [
      image('prod-old', ['prod-1'], 20),
      image('prod-exactly-14', ['prod-2'], 14),
      image('prod-just-over-14', ['prod-3'], 14, { pushedAt: daysAgo(14) - 1 }),
      image('production', ['production'], 30),
      image('preprod', ['preprod'], 30),
      image('dev', ['dev-1'], 30),
      image('untagged', [], 30),
    ];
    expect(run(policy([1, olderThan(14, patterns('prod*'))]), images)).toEqual(['production rule 1', 'prod-old rule 1', 'prod-just-over-14 rule 1']);
  });

  it('expires images not pulled for N days, counting never-pulled images from their push', () => {
    const images = [
      image('pulled-yesterday', ['a'], 100, { lastPulledAt: daysAgo(1) }),
      image('pulled-long-ago', ['b'], 100, { lastPulledAt: daysAgo(45) }),
      image('never-pulled-old', ['c'], 40, { lastPulledAt: null }),
      image('never-pulled-new', ['d'], 10),
      image('pulled-exactly-30', ['e'], 60, { lastPulledAt: daysAgo(30) }),
    ];
    expect(run(policy([1, notPulledFor(30)]), images)).toEqual(['pulled-long-ago rule 1', 'never-pulled-old rule 1']);
  });

  it('keeps the N most recently pushed images of any kind with tagStatus any', () => {
    const images = [image('a', ['x'], 5), image('b', [], 4), image('c', ['y'], 3), image('d', [], 2), image('e', ['z'], 1)];
    expect(run(policy([1, keep(2)]), images)).toEqual(['a rule 1', 'b rule 1', 'c rule 1']);
  });

  it('keeps nothing out when the count is not exceeded', () => {
    const images = [image('a', ['x'], 5), image('b', [], 4)];
    expect(run(policy([1, keep(2)]), images)).toEqual([]);
    expect(run(policy([1, keep(1)]), [])).toEqual([]);
  });

  it('returns full decisions with copies of the tags', () => {
    const old = image('old', ['prod-1', 'stable'], 20);
    const [decision] = evaluateLifecyclePolicy(policy([7, olderThan(14, prefixes('prod'))]), [old], NOW);
    expect(decision).toEqual<LifecycleDecision>({ digest: 'sha256:old', tags: ['prod-1', 'stable'], pushedAt: daysAgo(20), rulePriority: 7, reason: 'rule' });
    decision!.tags.push('mutated');
    expect(old.tags).toEqual(['prod-1', 'stable']);
  });
});

describe('several entries in one tag list (AND)', () => {
  // After ECR's "Filtering on multiple tags in a single rule" examples.
  const images = [
    image('A', ['alpha-1', 'beta-1', 'gamma-1'], 10),
    image('B', ['alpha-2', 'beta-2'], 9),
    image('C', ['alpha-3', 'beta-3', 'gamma-3'], 8),
    image('D', ['alpha-4'], 7),
    image('E', ['beta-5', 'gamma-5'], 6),
  ];

  it('ages out only images carrying every prefix', () => {
    expect(run(policy([1, olderThan(5, prefixes('alpha', 'beta'))]), images)).toEqual(['A rule 1', 'B rule 1', 'C rule 1']);
  });

  it('counts only images carrying every prefix', () => {
    expect(run(policy([1, keep(1, prefixes('alpha', 'beta'))]), images)).toEqual(['A rule 1', 'B rule 1']);
  });

  it('applies the same AND to tagPatternList', () => {
    expect(run(policy([1, olderThan(5, patterns('*-1', 'gamma*'))]), images)).toEqual(['A rule 1']);
    expect(run(policy([1, olderThan(5, patterns('alpha*', 'gamma*'))]), images)).toEqual(['A rule 1', 'C rule 1']);
  });
});

describe('how rules interact', () => {
  it('ECR example A: rule 2 cannot expire an image rule 1 selected and kept', () => {
    const images = [image('A', ['beta-1', 'prod-1'], 10), image('B', ['beta-2', 'prod-2'], 9), image('C', ['beta-3'], 8)];
    const result = run(policy([1, keep(1, prefixes('prod'))], [2, keep(1, prefixes('beta'))]), images);
    // Rule 1 keeps B and expires A. Rule 2 sees A, B and C, keeps C and marks A and B, but A
    // is already expired and B belongs to rule 1: rule 2 expires nothing.
    expect(result).toEqual(['A rule 1']);
  });

  it('ECR example B: images tagged both prod and beta are decided by the prod rule', () => {
    const images = [
      image('A', ['beta-1', 'prod-1'], 10),
      image('B', ['beta-2', 'prod-2'], 9),
      image('C', ['beta-3', 'prod-3'], 8),
      image('D', ['beta-4'], 7),
    ];
    const result = run(policy([1, keep(1, prefixes('prod'))], [2, keep(1, prefixes('beta'))]), images);
    // Rule 2 keeps D and marks C, B and A; C is rule 1's to keep.
    expect(result).toEqual(['A rule 1', 'B rule 1']);
  });

  it('ECR "all images" example: the any rule cannot expire what an earlier rule selected', () => {
    const images = [image('A', ['alpha-1'], 4), image('B', [], 3), image('C', ['alpha-2'], 2), image('D', ['git-hash'], 1)];
    const result = run(policy([1, keep(1, patterns('alpha*'))], [2, olderThan(1, untagged)], [3, keep(1)]), images);
    // Rule 1 expires A and keeps C; rule 2 expires B; rule 3 keeps D and marks C, B and A,
    // of which C belongs to rule 1 and the others are already expired.
    expect(result).toEqual(['A rule 1', 'B rule 2']);
  });

  it('never lets a later rule expire an image an earlier rule selected but kept', () => {
    const images = [
      image('prod-old', ['prod-1'], 400),
      image('prod-new', ['prod-2'], 300),
      image('dev-old', ['dev-1'], 400),
      image('untagged-old', [], 400),
      image('dev-new', ['dev-2'], 0.5),
    ];
    const result = run(policy([1, keep(5, prefixes('prod'))], [2, olderThan(30)]), images);
    expect(result).toEqual(['dev-old rule 2', 'untagged-old rule 2']);
  });

  it('counts images expired or kept by earlier rules toward a later imageCountMoreThan', () => {
    const images = [
      image('X1', ['x-1'], 10),
      image('X2', ['x-2'], 9),
      image('X3', ['x-3'], 8),
      image('X4', ['x-4'], 7),
      image('P1', ['prod-1'], 3),
      image('P2', ['prod-2'], 2),
    ];
    const result = run(policy([1, keep(1, prefixes('prod'))], [2, keep(3, patterns('*'))]), images);
    // Rule 2's three places go to P2, P1 (expired by rule 1, but still counted) and X4: so
    // rule 2 expires X3 as well, which it would keep if P1 no longer counted.
    expect(result).toEqual(['X1 rule 2', 'X2 rule 2', 'X3 rule 2', 'P1 rule 1']);
  });

  it('lets a later rule expire fewer images than its count marks when earlier rules own them', () => {
    const images = [
      image('P1', ['prod-1'], 6),
      image('P2', ['prod-2'], 5),
      image('P3', ['prod-3'], 4),
      image('X1', ['x-1'], 3),
      image('X2', ['x-2'], 2),
      image('X3', ['x-3'], 1),
    ];
    const result = run(policy([1, keep(10, prefixes('prod'))], [2, keep(2, patterns('*'))]), images);
    // Rule 2 keeps X3 and X2 and marks four images, but only X1 is its to expire.
    expect(result).toEqual(['X1 rule 2']);
  });

  it('applies rules by rulePriority, not by their order in the text', () => {
    const text = JSON.stringify({
      rules: [
        { rulePriority: 20, selection: olderThan(1), action: expire },
        { rulePriority: 10, selection: keep(5, prefixes('prod')), action: expire },
      ],
    });
    const images = [image('prod', ['prod'], 10), image('other', ['other'], 10)];
    expect(run(parseLifecyclePolicy(text), images)).toEqual(['other rule 20']);
  });
});

describe('dependent manifests', () => {
  const releases = policy([1, olderThan(7, untagged)], [2, keep(1, prefixes('v'))]);

  it('keeps the children of a kept index, even untagged and old; children of an expired index expire with it', () => {
    const images = [
      image('index-1', ['v1'], 20, { children: [digestOf('amd64-1'), digestOf('arm64-1')] }),
      image('amd64-1', [], 20),
      image('arm64-1', [], 20),
      image('index-2', ['v2'], 10, { children: [digestOf('amd64-2'), digestOf('arm64-2')] }),
      image('amd64-2', [], 10),
      image('arm64-2', [], 10),
      image('loose', [], 10),
    ];
    expect(run(releases, images)).toEqual(['amd64-1 index 2', 'arm64-1 index 2', 'index-1 rule 2', 'loose rule 1']);
  });

  it('treats tagged per-platform images as images of their own, never expired while an index listing them is kept', () => {
    const platforms = policy([1, keep(1, prefixes('v'))], [2, keep(1, prefixes('arch-'))]);
    const images = [
      image('index-1', ['v1'], 20, { children: [digestOf('amd64-1'), digestOf('arm64-1')] }),
      image('amd64-1', ['arch-amd64-1'], 20),
      image('arm64-1', ['arm64-1'], 20),
      image('index-2', ['v2'], 10, { children: [digestOf('amd64-2')] }),
      image('amd64-2', ['arch-amd64-2'], 11),
      image('amd64-3', ['arch-amd64-3'], 12),
      image('amd64-4', ['arch-amd64-4'], 5),
    ];
    // Rule 2 keeps only amd64-4 and marks amd64-1, -2 and -3; amd64-2 stays with its kept
    // index; amd64-1 goes by rule 2 because its index goes; arm64-1, which no rule selects,
    // stays although its index goes.
    expect(run(platforms, images)).toEqual(['amd64-1 rule 2', 'index-1 rule 1', 'amd64-3 rule 2']);
  });

  it('does not count dependents toward imageCountMoreThan', () => {
    const images = [
      image('index', ['v1'], 1, { children: [digestOf('child')] }),
      image('child', [], 1),
      image('u1', [], 5),
      image('u2', [], 6),
    ];
    // The child is the youngest untagged manifest, but only u1 and u2 are counted.
    expect(run(policy([1, keep(1, untagged)]), images)).toEqual(['u2 rule 1']);
  });

  it('keeps a child listed by an expired index and by a kept one', () => {
    const images = [
      image('index-1', ['v1'], 20, { children: [digestOf('shared'), digestOf('only-old')] }),
      image('index-2', ['v2'], 10, { children: [digestOf('shared')] }),
      image('shared', [], 20),
      image('only-old', [], 20),
    ];
    expect(run(releases, images)).toEqual(['index-1 rule 2', 'only-old index 2']);
  });

  it('expires a shared child once every index listing it has expired, with the rule that came last', () => {
    const images = [
      image('index-v', ['v1'], 20, { children: [digestOf('shared')] }),
      image('index-v-new', ['v2'], 1),
      image('index-old', [], 30, { children: [digestOf('shared')] }),
      image('shared', [], 30),
    ];
    // index-old expires by rule 1, index-v by rule 2: the child follows the later rule.
    expect(run(releases, images)).toEqual(['index-old rule 1', 'shared index 2', 'index-v rule 2']);
  });

  it('expires a signature whose subject expires and keeps one whose subject is kept', () => {
    const images = [
      image('old', ['v1'], 20),
      image('new', ['v2'], 10),
      image('sig-old', [], 19, { subject: digestOf('old') }),
      image('sig-new', [], 9, { subject: digestOf('new') }),
      image('sbom-new', ['sbom'], 9, { subject: digestOf('new') }),
    ];
    expect(run(releases, images)).toEqual(['old rule 2', 'sig-old subject 2']);
  });

  it('never selects a dependent by its own tags', () => {
    const images = [image('app', ['v1'], 1), image('sig', ['sha256-app.sig'], 100, { subject: digestOf('app') })];
    expect(run(policy([1, olderThan(30, patterns('*.sig'))]), images)).toEqual([]);
  });

  it('follows dependents transitively: a signature on a child, an index inside an index', () => {
    const images = [
      image('outer', ['v1'], 20, { children: [digestOf('inner')] }),
      image('inner', [], 20, { children: [digestOf('leaf')] }),
      image('leaf', [], 20),
      image('leaf-sig', [], 20, { subject: digestOf('leaf') }),
      image('leaf-sig-sig', [], 19, { subject: digestOf('leaf-sig') }),
      image('newest', ['v2'], 1),
    ];
    expect(run(releases, images)).toEqual(['inner index 2', 'leaf index 2', 'leaf-sig subject 2', 'outer rule 2', 'leaf-sig-sig subject 2']);
  });

  it('needs both the indexes and the subject of a dependent to expire', () => {
    const images = [
      image('index-old', ['v1'], 20, { children: [digestOf('child')] }),
      image('index-new', ['v2'], 2),
      image('child', [], 20, { subject: digestOf('index-new') }),
    ];
    expect(run(releases, images)).toEqual(['index-old rule 2']);
  });

  it('names the link to the parent that expired last in rule order, the subject on a tie', () => {
    const images = [
      // Both parents expire by rule 2: the subject wins the tie.
      image('index-a', ['v1'], 20, { children: [digestOf('art-a')] }),
      image('subject-a', ['v0'], 30),
      image('art-a', [], 20, { subject: digestOf('subject-a') }),
      // The index expires by rule 2, after the subject (rule 1): reason index.
      image('index-b', ['v2'], 19, { children: [digestOf('art-b')] }),
      image('subject-b', [], 29),
      image('art-b', [], 19, { subject: digestOf('subject-b') }),
      image('newest', ['v9'], 1),
    ];
    expect(run(releases, images)).toEqual([
      'subject-a rule 2',
      'subject-b rule 1',
      'art-a subject 2',
      'index-a rule 2',
      'art-b index 2',
      'index-b rule 2',
    ]);
  });

  it('treats an artifact whose subject is not in the repository as an ordinary image', () => {
    const images = [image('dangling', [], 10, { subject: digestOf('gone') }), image('index', ['v1'], 1, { children: [digestOf('missing')] })];
    expect(run(releases, images)).toEqual(['dangling rule 1']);
  });

  it('keeps images on a dependency cycle, which content-addressed manifests cannot form', () => {
    const images = [
      image('a', [], 30, { subject: digestOf('b') }),
      image('b', [], 30, { subject: digestOf('a') }),
      image('self', [], 30, { subject: digestOf('self') }),
    ];
    expect(run(releases, images)).toEqual(['self rule 1']);
  });
});

describe('ordering and ties', () => {
  it('orders decisions oldest push first, then by digest, whatever the rule order', () => {
    const images = [
      image('c', ['prod-1'], 10),
      image('b', [], 10),
      image('a', ['dev-1'], 10),
      image('z', [], 20),
      image('y', ['prod-0'], 5),
      image('prod-new', ['prod-9'], 1),
    ];
    const result = run(policy([1, keep(1, prefixes('prod'))], [2, olderThan(3, untagged)], [3, olderThan(3)]), images);
    expect(result).toEqual(['z rule 2', 'a rule 3', 'b rule 2', 'c rule 1', 'y rule 1']);
  });

  it('breaks pushedAt ties in imageCountMoreThan by digest: the larger digest counts as younger', () => {
    const images = [image('b', [], 1), image('d', [], 1), image('a', [], 1), image('c', [], 1)];
    expect(run(policy([1, keep(2)]), images)).toEqual(['a rule 1', 'b rule 1']);
  });

  it('rejects input with the same digest twice', () => {
    expect(() => evaluateLifecyclePolicy(policy([1, keep(1)]), [image('a', [], 1), image('a', ['x'], 2)], NOW)).toThrow(RangeError);
  });
});

describe('the four-rule seed policy over a realistic repository', () => {
  const seed = parseLifecyclePolicy(JSON.stringify(SEED_POLICY));

  const images: LifecycleImage[] = [];
  // 12 builds tagged with both a dev- and a feature- tag, one a day.
  for (let n = 1; n <= 12; n++) images.push(image(`df-${String(n).padStart(2, '0')}`, [`dev-${n}`, `feature-${n}`], n));
  // Tagged with only one of the two prefixes: rule 2 does not select them (AND), nor does any other rule.
  for (let n = 1; n <= 3; n++) images.push(image(`dev-only-${n}`, [`dev-old-${n}`], 40 + n));
  images.push(image('feature-only', ['feature-login'], 90));
  // Staging: rule 3 needs both a staging- and a test- tag.
  images.push(image('stg-10', ['staging-10', 'test-10'], 10));
  images.push(image('stg-40', ['staging-40', 'test-40'], 40));
  images.push(image('stg-only-40', ['staging-only'], 40));
  // 55 releases, v1.0.0 half a day ago and one a day before that; some are multi-arch.
  const release = (i: number) => `v-${String(i).padStart(2, '0')}`;
  for (let i = 0; i < 55; i++) {
    const multiArch = i === 0 || i === 20 || i === 52;
    const children = multiArch ? [digestOf(`${release(i)}-amd64`), digestOf(`${release(i)}-arm64`)] : undefined;
    images.push(image(release(i), [`v1.${54 - i}.0`], i + 0.5, children ? { children } : {}));
    if (children) {
      images.push(image(`${release(i)}-amd64`, [], i + 0.5));
      images.push(image(`${release(i)}-arm64`, [], i + 0.5));
    }
  }
  images.push(image('v-20-sig', [], 20, { subject: digestOf('v-20') }));
  images.push(image('v-53-sig', [], 53, { subject: digestOf('v-53') }));
  // Untagged builds.
  images.push(image('u-3', [], 3));
  images.push(image('u-8', [], 8));

  it('expires exactly the expected images', () => {
    expect(images).toHaveLength(12 + 3 + 1 + 3 + 55 + 6 + 2 + 2);
    expect(run(seed, images)).toEqual([
      'v-54 rule 4',
      'v-53 rule 4',
      'v-53-sig subject 4',
      'v-52 rule 4',
      'v-52-amd64 index 4',
      'v-52-arm64 index 4',
      'v-51 rule 4',
      'v-50 rule 4',
      'stg-40 rule 3',
      'df-12 rule 2',
      'df-11 rule 2',
      'u-8 rule 1',
    ]);
  });

  it('gives the same answer whatever the order of the images', () => {
    const expected = evaluateLifecyclePolicy(seed, images, NOW);
    expect(evaluateLifecyclePolicy(seed, [...images].reverse(), NOW)).toEqual(expected);
  });

  it('expires more as time passes and images age past the limits', () => {
    // u-3 crosses 7 days after 4 more days (and a moment); stg-10 needs 20 more.
    const later = run(seed, images, NOW + 4 * DAY + HOUR);
    expect(later).toContain('u-3 rule 1');
    expect(later).not.toContain('stg-10 rule 3');
    expect(run(seed, images, NOW + 20 * DAY + HOUR)).toContain('stg-10 rule 3');
  });
});
