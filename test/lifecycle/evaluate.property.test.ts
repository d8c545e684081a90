import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateLifecyclePolicy, type LifecycleDecision, type LifecycleImage } from '../../src/lifecycle/evaluate.js';
import { parseLifecyclePolicy, type LifecyclePolicy, type LifecycleRule, type LifecycleRuleSelection } from '../../src/lifecycle/policy.js';
import { matchesTagPattern } from '../../src/lifecycle/tag-selection.js';

/**
 * Properties of lifecycle evaluation over random repositories and random valid policies.
 * They check the evaluator against independent oracles written here (tag selection with
 * escaped regular expressions, the dependency graph, a naive rule-by-rule reference) and
 * against itself under transformations (more rules, later `now`, shuffled input).
 */

const RUNS = { numRuns: 200 };
const DAY = 86_400_000;
const NOW = Date.UTC(2025, 5, 1);

const TAGS = ['dev-1', 'dev-2', 'feature-1', 'feature-x', 'prod', 'prod-2', 'production', 'beta-1', 'v1.0', 'v2.0', 'latest', 'sha256-ab.sig', 'rc-1'];
const PREFIXES = ['dev-', 'feature-', 'prod', 'v', 'beta', 'latest', 'rc', 'sha'];
const PATTERNS = ['prod*', '*-1', 'v*.*', '*sig', '*', 'dev-*', '*e*', 'latest', '*a*-*'];

// ---------------------------------------------------------------------------------------
// Repositories

interface RawImage {
  key: number;
  tags: string[];
  halfDays: number;
  pulledHalfDaysAgo: number | undefined;
  subject: number | 'dangling' | undefined;
  children: number[];
}

const rawImage: fc.Arbitrary<RawImage> = fc.record({
  key: fc.integer({ min: 0, max: 0xffff }),
  tags: fc.subarray(TAGS, { maxLength: 3 }),
  halfDays: fc.integer({ min: 0, max: 80 }),
  pulledHalfDaysAgo: fc.option(fc.integer({ min: 0, max: 80 }), { nil: undefined }),
  subject: fc.oneof(
    { weight: 6, arbitrary: fc.constant(undefined) },
    { weight: 2, arbitrary: fc.nat() },
    { weight: 1, arbitrary: fc.constant('dangling' as const) },
  ),
  children: fc.oneof({ weight: 4, arbitrary: fc.constant<number[]>([]) }, { weight: 1, arbitrary: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }) }),
});

const digestFor = (key: number) => `sha256:${key.toString(16).padStart(4, '0')}`;

function toImages(raws: RawImage[], related: boolean): LifecycleImage[] {
  const digests = raws.map((raw) => digestFor(raw.key));
  return raws.map((raw, index) => {
    const image: LifecycleImage = { digest: digests[index]!, tags: raw.tags, pushedAt: NOW - raw.halfDays * (DAY / 2) };
    if (raw.pulledHalfDaysAgo !== undefined) image.lastPulledAt = NOW - raw.pulledHalfDaysAgo * (DAY / 2);
    if (related) {
      if (raw.subject === 'dangling') image.subject = 'sha256:not-in-this-repository';
      else if (raw.subject !== undefined) image.subject = digests[raw.subject % digests.length]!;
      if (raw.children.length > 0) image.children = raw.children.map((child) => digests[child % digests.length]!);
    }
    return image;
  });
}

const rawImages = (maxLength: number) => fc.uniqueArray(rawImage, { selector: (raw) => raw.key, maxLength });
/** Images, some of them indexes, children and artifacts of others. */
const repository = rawImages(25).map((raws) => toImages(raws, true));
/** Images with no index/subject relations. */
const plainRepository = rawImages(25).map((raws) => toImages(raws, false));

// ---------------------------------------------------------------------------------------
// Policies

type SelectionJson = Record<string, unknown>;

const count: fc.Arbitrary<SelectionJson> = fc.oneof(
  fc.integer({ min: 1, max: 6 }).map((countNumber) => ({ countType: 'imageCountMoreThan', countNumber })),
  fc.integer({ min: 1, max: 30 }).map((countNumber) => ({ countType: 'sinceImagePushed', countUnit: 'days', countNumber })),
  fc.integer({ min: 1, max: 30 }).map((countNumber) => ({ countType: 'sinceImagePulled', countUnit: 'days', countNumber })),
);

const taggedSelection: fc.Arbitrary<SelectionJson> = fc
  .tuple(
    fc.oneof(
      fc.subarray(PREFIXES, { minLength: 1, maxLength: 2 }).map((list) => ({ tagPrefixList: list })),
      fc.subarray(PATTERNS, { minLength: 1, maxLength: 2 }).map((list) => ({ tagPatternList: list })),
    ),
    count,
  )
  .map(([tags, counting]) => ({ tagStatus: 'tagged', ...tags, ...counting }));

/** A valid policy: tagged rules, at most one untagged rule, and perhaps an `any` rule last. */
const policyArbitrary: fc.Arbitrary<LifecyclePolicy> = fc
  .record({
    tagged: fc.array(taggedSelection, { maxLength: 4 }),
    untagged: fc.option(count.map((counting) => ({ tagStatus: 'untagged', ...counting })), { nil: undefined }),
    any: fc.option(count.map((counting) => ({ tagStatus: 'any', ...counting })), { nil: undefined }),
  })
  .filter(({ tagged, untagged, any }) => tagged.length + (untagged ? 1 : 0) + (any ? 1 : 0) > 0)
  .chain(({ tagged, untagged, any }) => {
    const ordered = [...tagged, ...(untagged ? [untagged] : [])];
    const total = ordered.length + (any ? 1 : 0);
    return fc
      .tuple(
        fc.shuffledSubarray(ordered, { minLength: ordered.length, maxLength: ordered.length }),
        fc.uniqueArray(fc.integer({ min: 1, max: 1000 }), { minLength: total, maxLength: total }),
      )
      .map(([shuffled, priorities]) => {
        const sorted = [...priorities].sort((a, b) => a - b);
        const selections = any ? [...shuffled, any] : shuffled;
        const rules = selections.map((selection, index) => ({ rulePriority: sorted[index], selection, action: { type: 'expire' } }));
        return parseLifecyclePolicy(JSON.stringify({ rules }));
      });
  });

// ---------------------------------------------------------------------------------------
// Oracles

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function patternRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`, 's');
}

function oracleSelects(selection: LifecycleRuleSelection, tags: readonly string[]): boolean {
  if (selection.tagStatus === 'any') return true;
  if (selection.tagStatus === 'untagged') return tags.length === 0;
  return (
    tags.length > 0 &&
    (selection.tagPrefixList ?? []).every((prefix) => tags.some((tag) => tag.startsWith(prefix))) &&
    (selection.tagPatternList ?? []).every((pattern) => tags.some((tag) => patternRegExp(pattern).test(tag)))
  );
}

/** For each dependent digest: its parents and how each is linked. */
function oracleParents(images: readonly LifecycleImage[]): Map<string, Map<string, 'index' | 'subject'>> {
  const present = new Set(images.map((image) => image.digest));
  const parents = new Map<string, Map<string, 'index' | 'subject'>>();
  const add = (dependent: string, parent: string, link: 'index' | 'subject') => {
    if (dependent === parent || !present.has(dependent) || !present.has(parent)) return;
    const links = parents.get(dependent) ?? new Map<string, 'index' | 'subject'>();
    parents.set(dependent, links);
    if (links.get(parent) !== 'subject') links.set(parent, link);
  };
  for (const image of images) {
    for (const child of image.children ?? []) add(child, image.digest, 'index');
    if (image.subject) add(image.digest, image.subject, 'subject');
  }
  return parents;
}

/** Whether a dependent follows its parents (artifacts with a subject, untagged children) rather than being seen by rules. */
function oracleFollows(image: LifecycleImage, links: Map<string, 'index' | 'subject'> | undefined): boolean {
  return links !== undefined && (image.tags.length === 0 || [...links.values()].includes('subject'));
}

/** The rules as the User Guide states them, one image at a time, with no care for speed. */
function referenceEvaluation(policy: LifecyclePolicy, images: readonly LifecycleImage[], now: number): Map<string, { rulePriority: number; reason: string }> {
  const parents = oracleParents(images);
  const visible = images.filter((image) => !oracleFollows(image, parents.get(image.digest)));
  const rules = [...policy.rules].sort((a, b) => a.rulePriority - b.rulePriority);
  const expired = new Map<string, { rulePriority: number; reason: string }>();
  rules.forEach((rule, position) => {
    const selected = visible.filter((image) => oracleSelects(rule.selection, image.tags));
    let marked: LifecycleImage[];
    if (rule.selection.countType === 'imageCountMoreThan') {
      const youngestFirst = [...selected].sort((a, b) => b.pushedAt - a.pushedAt || (a.digest < b.digest ? 1 : -1));
      marked = youngestFirst.slice(rule.selection.countNumber);
    } else {
      const pulled = rule.selection.countType === 'sinceImagePulled';
      marked = selected.filter((image) => now - (pulled ? (image.lastPulledAt ?? image.pushedAt) : image.pushedAt) > rule.selection.countNumber * DAY);
    }
    for (const image of marked) {
      const ownedEarlier = rules.slice(0, position).some((earlier) => oracleSelects(earlier.selection, image.tags));
      if (!ownedEarlier && !expired.has(image.digest)) expired.set(image.digest, { rulePriority: rule.rulePriority, reason: 'rule' });
    }
  });
  // Dependents, recursively, parents first; on a cycle, kept.
  const byDigest = new Map(images.map((image) => [image.digest, image]));
  const final = new Map<string, { rulePriority: number; reason: string } | null>();
  const visiting = new Set<string>();
  const decide = (digest: string): { rulePriority: number; reason: string } | null => {
    if (final.has(digest)) return final.get(digest)!;
    const links = parents.get(digest);
    if (!links) return expired.get(digest) ?? null;
    if (visiting.has(digest)) return null;
    visiting.add(digest);
    const parentOutcomes = [...links].map(([parent, link]) => ({ link, outcome: decide(parent) }));
    visiting.delete(digest);
    const allParentsExpired = parentOutcomes.every((parent) => parent.outcome !== null);
    const onCycle = [...links.keys()].some((parent) => onCycleWith(parent, digest));
    let outcome: { rulePriority: number; reason: string } | null = null;
    if (!onCycle && allParentsExpired) {
      if (oracleFollows(byDigest.get(digest)!, links)) {
        const last = Math.max(...parentOutcomes.map((parent) => parent.outcome!.rulePriority));
        const subjectIsLast = parentOutcomes.some((parent) => parent.link === 'subject' && parent.outcome!.rulePriority === last);
        outcome = { rulePriority: last, reason: subjectIsLast ? 'subject' : 'index' };
      } else {
        outcome = expired.get(digest) ?? null;
      }
    }
    final.set(digest, outcome);
    return outcome;
  };
  /** Whether `digest` can reach `target` by following parents (a cycle through them). */
  const onCycleWith = (digest: string, target: string, seen = new Set<string>()): boolean => {
    if (digest === target) return true;
    if (seen.has(digest)) return false;
    seen.add(digest);
    return [...(parents.get(digest)?.keys() ?? [])].some((parent) => onCycleWith(parent, target, seen));
  };
  const result = new Map<string, { rulePriority: number; reason: string }>();
  for (const image of images) {
    const outcome = decide(image.digest);
    if (outcome) result.set(image.digest, outcome);
  }
  return result;
}

const olderFirst = (a: { pushedAt: number; digest: string }, b: { pushedAt: number; digest: string }) =>
  a.pushedAt - b.pushedAt || (a.digest < b.digest ? -1 : a.digest > b.digest ? 1 : 0);

const expiredDigests = (decisions: readonly LifecycleDecision[]) => new Set(decisions.map((decision) => decision.digest));

// ---------------------------------------------------------------------------------------

describe('tag pattern matching', () => {
  it('agrees with an escaped regular expression', () => {
    const pattern = fc.array(fc.constantFrom('a', 'b', '*', '.'), { maxLength: 9 }).map((chars) => chars.join(''));
    const tag = fc.array(fc.constantFrom('a', 'b', '.'), { maxLength: 12 }).map((chars) => chars.join(''));
    fc.assert(
      fc.property(pattern, tag, (p, t) => {
        expect(matchesTagPattern(p, t)).toBe(patternRegExp(p).test(t));
      }),
      { numRuns: 1000 },
    );
  });
});

describe('lifecycle evaluation properties', () => {
  it('matches a naive reference implementation of the rules', () => {
    fc.assert(
      fc.property(policyArbitrary, repository, (policy, images) => {
        const decisions = evaluateLifecyclePolicy(policy, images, NOW);
        const reference = referenceEvaluation(policy, images, NOW);
        expect(new Map(decisions.map((decision) => [decision.digest, { rulePriority: decision.rulePriority, reason: decision.reason }]))).toEqual(reference);
      }),
      RUNS,
    );
  });

  it('expires only input images, each at most once, oldest first, with their tags and push time', () => {
    fc.assert(
      fc.property(policyArbitrary, repository, (policy, images) => {
        const decisions = evaluateLifecyclePolicy(policy, images, NOW);
        const byDigest = new Map(images.map((image) => [image.digest, image]));
        expect(expiredDigests(decisions).size).toBe(decisions.length);
        for (const decision of decisions) {
          const image = byDigest.get(decision.digest);
          expect(image).toBeDefined();
          expect(decision.tags).toEqual(image!.tags);
          expect(decision.pushedAt).toBe(image!.pushedAt);
        }
        expect([...decisions].sort(olderFirst)).toEqual(decisions);
      }),
      RUNS,
    );
  });

  it('names, for each rule decision, a rule of the policy that selects the image, and no earlier rule selects it', () => {
    fc.assert(
      fc.property(policyArbitrary, repository, (policy, images) => {
        const parents = oracleParents(images);
        const byDigest = new Map(images.map((image) => [image.digest, image]));
        for (const decision of evaluateLifecyclePolicy(policy, images, NOW)) {
          const follows = oracleFollows(byDigest.get(decision.digest)!, parents.get(decision.digest));
          if (decision.reason !== 'rule') {
            expect(follows).toBe(true);
            continue;
          }
          expect(follows).toBe(false);
          const tags = byDigest.get(decision.digest)!.tags;
          const rule = policy.rules.find((candidate) => candidate.rulePriority === decision.rulePriority);
          expect(rule).toBeDefined();
          expect(oracleSelects(rule!.selection, tags)).toBe(true);
          for (const earlier of policy.rules.filter((candidate) => candidate.rulePriority < decision.rulePriority)) {
            expect(oracleSelects(earlier.selection, tags)).toBe(false);
          }
        }
      }),
      RUNS,
    );
  });

  it('with one imageCountMoreThan rule over any, expires exactly the n - N oldest images', () => {
    fc.assert(
      fc.property(plainRepository, fc.integer({ min: 1, max: 30 }), (images, countNumber) => {
        const policy = parseLifecyclePolicy(
          JSON.stringify({ rules: [{ rulePriority: 1, selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber }, action: { type: 'expire' } }] }),
        );
        const decisions = evaluateLifecyclePolicy(policy, images, NOW);
        const expected = [...images].sort(olderFirst).slice(0, Math.max(0, images.length - countNumber));
        expect(decisions.map((decision) => decision.digest)).toEqual(expected.map((image) => image.digest));
      }),
      RUNS,
    );
  });

  it('never un-expires an image when a rule is added after all the others', () => {
    const extraSelection = fc.oneof(
      taggedSelection,
      count.map((counting) => ({ tagStatus: 'untagged', ...counting })),
      count.map((counting) => ({ tagStatus: 'any', ...counting })),
    );
    fc.assert(
      fc.property(policyArbitrary, extraSelection, repository, (policy, selection, images) => {
        const last = policy.rules[policy.rules.length - 1]!.rulePriority;
        // Built directly: the evaluator must behave even where the parser would refuse the policy.
        const extra = { rulePriority: last + 1, selection: selection as unknown as LifecycleRuleSelection, action: { type: 'expire' } } satisfies LifecycleRule;
        const before = evaluateLifecyclePolicy(policy, images, NOW);
        const after = evaluateLifecyclePolicy({ rules: [...policy.rules, extra] }, images, NOW);
        const afterByDigest = new Map(after.map((decision) => [decision.digest, decision]));
        for (const decision of before) expect(afterByDigest.get(decision.digest)).toEqual(decision);
      }),
      RUNS,
    );
  });

  it('is deterministic and independent of the order of images, tags and children', () => {
    const shuffledInput = repository.chain((images) =>
      fc.tuple(
        fc.constant(images),
        fc.shuffledSubarray(images, { minLength: images.length, maxLength: images.length }).chain((order) =>
          fc.tuple(
            ...order.map((image) =>
              fc
                .tuple(
                  fc.shuffledSubarray(image.tags, { minLength: image.tags.length, maxLength: image.tags.length }),
                  fc.shuffledSubarray(image.children ?? [], { minLength: image.children?.length ?? 0, maxLength: image.children?.length ?? 0 }),
                )
                .map(([tags, children]) => ({ ...image, tags, ...(image.children ? { children } : {}) })),
            ),
          ),
        ),
      ),
    );
    fc.assert(
      fc.property(policyArbitrary, shuffledInput, (policy, [images, shuffled]) => {
        const first = evaluateLifecyclePolicy(policy, images, NOW);
        expect(evaluateLifecyclePolicy(policy, images, NOW)).toEqual(first);
        const reordered = evaluateLifecyclePolicy(policy, shuffled, NOW);
        // Tags are reported as the image lists them; everything else must be identical.
        expect(reordered.map(({ tags: _tags, ...rest }) => rest)).toEqual(first.map(({ tags: _tags, ...rest }) => rest));
      }),
      RUNS,
    );
  });

  it('with only a sinceImagePushed rule, never expires fewer images as now moves forward', () => {
    fc.assert(
      fc.property(
        repository,
        fc.integer({ min: 1, max: 30 }),
        fc.constantFrom<SelectionJson>({ tagStatus: 'any' }, { tagStatus: 'untagged' }, { tagStatus: 'tagged', tagPatternList: ['*'] }, { tagStatus: 'tagged', tagPrefixList: ['prod'] }),
        fc.integer({ min: 0, max: 40 * DAY }),
        fc.integer({ min: 0, max: 40 * DAY }),
        (images, days, tags, offset, step) => {
          const policy = parseLifecyclePolicy(
            JSON.stringify({ rules: [{ rulePriority: 1, selection: { ...tags, countType: 'sinceImagePushed', countUnit: 'days', countNumber: days }, action: { type: 'expire' } }] }),
          );
          const earlier = expiredDigests(evaluateLifecyclePolicy(policy, images, NOW + offset));
          const later = expiredDigests(evaluateLifecyclePolicy(policy, images, NOW + offset + step));
          for (const digest of earlier) expect(later.has(digest)).toBe(true);
        },
      ),
      RUNS,
    );
  });

  it('expires a follower exactly when every image it depends on is expired, and no dependent while a parent is kept', () => {
    fc.assert(
      fc.property(policyArbitrary, repository, (policy, images) => {
        const expired = expiredDigests(evaluateLifecyclePolicy(policy, images, NOW));
        const byDigest = new Map(images.map((image) => [image.digest, image]));
        for (const [dependent, links] of oracleParents(images)) {
          const allParentsExpired = [...links.keys()].every((parent) => expired.has(parent));
          if (oracleFollows(byDigest.get(dependent)!, links)) expect(expired.has(dependent)).toBe(allParentsExpired);
          else if (expired.has(dependent)) expect(allParentsExpired).toBe(true);
        }
      }),
      RUNS,
    );
  });
});
