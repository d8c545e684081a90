import type { LifecyclePolicy, LifecycleRule } from './policy.js';
import { tagSelector } from './tag-selection.js';

/**
 * Which images of one repository a lifecycle policy expires, as the ECR User Guide describes
 * it ("How lifecycle policies work", "Lifecycle policy evaluation rules"):
 *
 * 1. Rules are applied in rulePriority order, lowest number first.
 * 2. An image is expired by exactly one rule or by none.
 * 3. A rule "selects" the images that meet its tagging requirements (tagStatus and tag
 *    list, see tag-selection.ts), whatever its count says. Once a rule has selected an
 *    image, no later rule may expire it, whether or not the selecting rule expired it: the
 *    rule that selects an image first decides its fate alone.
 * 4. Later rules still see such images: `imageCountMoreThan` counts every image it
 *    selects, including those that earlier rules selected or expired. Such an image takes
 *    up one of the rule's N places (so more of the rule's other images may be marked) and,
 *    when marked, is not the rule's to expire (so it may expire fewer than it marks). With
 *    rule 1 `prod` keep 1 and rule 2 `beta` keep 1, images tagged both prod and beta are
 *    counted by both rules but decided by rule 1 alone.
 * 5. `imageCountMoreThan` N keeps the N youngest selected images (by pushedAt) and marks
 *    the rest; `sinceImagePushed` N marks selected images pushed more than N days
 *    (N × 86,400,000 ms, strictly more) before `now`; `sinceImagePulled` N does the same
 *    with the last pull time, or the push time for an image never pulled.
 * 6. A marked image is expired by the rule only if no earlier rule selected it (3).
 * 7. The result is ordered oldest push first, then by digest.
 *
 * Ties in pushedAt are broken by digest, so the result never depends on input order: the
 * order "oldest first" is (pushedAt, digest) ascending, and `imageCountMoreThan` keeps the
 * N last images in that order.
 *
 * Stowage's additions, for manifests that only make sense with another one:
 *
 * 8. An image is a *dependent* when an image index (manifest list) in the input lists its
 *    digest in `children`, or when its `subject` (OCI referrers: signatures, SBOMs,
 *    attestations) is the digest of an image in the input. Artifacts with a subject, and
 *    untagged children of indexes, are *followers*: invisible to rules (never selected,
 *    never counted), they expire exactly when every image they depend on (each index
 *    listing them and their subject) is expired, so a child shared by a kept index and an
 *    expired one stays, and a signature goes with its image. A child that carries tags of
 *    its own (`docker manifest create` over tagged per-platform images) is an image in its
 *    own right: rules see it like any other, but it is never expired while an index
 *    listing it is kept. This applies transitively (a signature on a child manifest, an
 *    index inside an index), parents being decided before what depends on them.
 *    A follower's decision carries the rulePriority of the parent whose decision comes
 *    last in rule order (the highest rulePriority among its parents), and reason `subject`
 *    when its subject is one of the parents with that rulePriority, `index` otherwise.
 * 9. An image with no tags is untagged. A `subject` or child digest that is not in the input
 *    (a dangling reference) creates no dependency, nor does a reference to the image itself.
 *    Dependency cycles cannot arise between content-addressed manifests; if the input has
 *    one anyway, the dependents on it are kept.
 *
 * Cost: one sort of all images (the result comes out in that order too), then one pass over
 * them per rule and one over the dependency links; state is kept in typed arrays indexed by
 * position, so 100,000 images take a few hundred milliseconds at most.
 */

export interface LifecycleImage {
  digest: string;
  tags: string[];
  /** ms since epoch */
  pushedAt: number;
  /** ms since epoch; null/undefined = never pulled */
  lastPulledAt?: number | null;
  /** Digests of the manifests this one references, when it is a manifest list / image index. */
  children?: string[];
  /** The `subject` digest when this manifest is an artifact (signature, SBOM...) attached to another. */
  subject?: string | null;
}

export interface LifecycleDecision {
  digest: string;
  tags: string[];
  pushedAt: number;
  /** The rule that expired the image (for dependents: the rule that expired the image they follow). */
  rulePriority: number;
  /** 'rule' when a rule selected it; 'index' when it was a child of an expired index; 'subject' when its subject expired. */
  reason: 'rule' | 'index' | 'subject';
}

export const MILLISECONDS_PER_DAY = 86_400_000;

type DependencyLink = 'index' | 'subject';

/** Outcome codes, per image index. */
const KEPT = 0;
const BY_RULE = 1;
const BY_INDEX = 2;
const BY_SUBJECT = 3;
const REASONS = [undefined, 'rule', 'index', 'subject'] as const;

/** The decisions so far, by position in the input: typed arrays, as repositories can be large. */
interface Outcomes {
  readonly reason: Uint8Array;
  readonly rulePriority: Float64Array;
}

/** For each image index: the images it depends on and how (undefined for ordinary images). */
type Parents = ReadonlyArray<ReadonlyMap<number, DependencyLink> | undefined>;

function compareDigests(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Images to expire, oldest push first (ties by digest). Pure: the same input always gives
 * the same output, whatever the order of `images` (or of their tags and children). Throws
 * a RangeError when a digest appears twice in `images`: an image is one row per digest.
 */
export function evaluateLifecyclePolicy(policy: LifecyclePolicy, images: readonly LifecycleImage[], now: number): LifecycleDecision[] {
  const indexOf = new Map<string, number>();
  images.forEach((image, index) => {
    if (indexOf.has(image.digest)) {
      throw new RangeError(`lifecycle evaluation needs one image per digest, but ${image.digest} appears more than once`);
    }
    indexOf.set(image.digest, index);
  });

  // The one sort: every image, oldest first, which is also the order of the result.
  // (Columns of plain values keep the comparator fast whatever shapes the image objects have.)
  const pushedAt = Float64Array.from(images, (image) => image.pushedAt);
  const digests = images.map((image) => image.digest);
  const oldestFirst = Array.from(images, (_, index) => index);
  oldestFirst.sort((a, b) => pushedAt[a]! - pushedAt[b]! || compareDigests(digests[a]!, digests[b]!));

  const parents = dependencies(images, indexOf);
  const follows = (index: number) => {
    const links = parents[index];
    return links !== undefined && (images[index]!.tags.length === 0 || [...links.values()].includes('subject'));
  };
  // Youngest first: what imageCountMoreThan keeps from the front of.
  const visibleYoungestFirst: number[] = [];
  for (let k = oldestFirst.length - 1; k >= 0; k--) {
    const index = oldestFirst[k]!;
    if (!follows(index)) visibleYoungestFirst.push(index);
  }

  const outcomes: Outcomes = { reason: new Uint8Array(images.length), rulePriority: new Float64Array(images.length) };
  applyRules(policy, images, visibleYoungestFirst, now, outcomes);
  resolveDependents(parents, follows, outcomes);

  const decisions: LifecycleDecision[] = [];
  for (const index of oldestFirst) {
    const reason = REASONS[outcomes.reason[index]!];
    if (reason === undefined) continue;
    const image = images[index]!;
    decisions.push({ digest: image.digest, tags: image.tags.slice(), pushedAt: image.pushedAt, rulePriority: outcomes.rulePriority[index]!, reason });
  }
  return decisions;
}

/** For each dependent: the images it depends on, and how (rule 8). */
function dependencies(images: readonly LifecycleImage[], indexOf: ReadonlyMap<string, number>): Parents {
  const parents: Array<Map<number, DependencyLink> | undefined> = new Array(images.length).fill(undefined);
  const link = (dependent: number | undefined, parent: number, kind: DependencyLink) => {
    if (dependent === undefined || dependent === parent) return;
    let links = parents[dependent];
    if (links === undefined) parents[dependent] = links = new Map();
    // A parent that is both the subject and an index of the dependent counts as its subject.
    if (links.get(parent) !== 'subject') links.set(parent, kind);
  };
  images.forEach((image, index) => {
    if (image.children) for (const child of image.children) link(indexOf.get(child), index, 'index');
    if (image.subject !== undefined && image.subject !== null) {
      const subject = indexOf.get(image.subject);
      if (subject !== undefined) link(index, subject, 'subject');
    }
  });
  return parents;
}

/** Rules 1 to 6 over the images rules can see (indexes into `images`, youngest first). */
function applyRules(policy: LifecyclePolicy, images: readonly LifecycleImage[], youngestFirst: readonly number[], now: number, outcomes: Outcomes): void {
  const tagsOf = images.map((image) => image.tags);
  // selectedEarlier[index]: an earlier rule selected images[index], so only that rule decides it.
  const selectedEarlier = new Uint8Array(images.length);
  const rules = [...policy.rules].sort((a, b) => a.rulePriority - b.rulePriority);
  for (const rule of rules) {
    const selects = tagSelector(rule.selection);
    const selected: number[] = [];
    for (const index of youngestFirst) {
      if (selects(tagsOf[index]!)) selected.push(index);
    }
    for (const index of markedBy(rule, selected, images, now)) {
      if (selectedEarlier[index] === 0) {
        outcomes.reason[index] = BY_RULE;
        outcomes.rulePriority[index] = rule.rulePriority;
      }
    }
    for (const index of selected) selectedEarlier[index] = 1;
  }
}

/** The selected images a rule's count marks, whether or not it may expire them (rule 5). */
function markedBy(rule: LifecycleRule, selectedYoungestFirst: readonly number[], images: readonly LifecycleImage[], now: number): readonly number[] {
  const { countType, countNumber } = rule.selection;
  if (countType === 'imageCountMoreThan') return selectedYoungestFirst.slice(countNumber);
  const limit = countNumber * MILLISECONDS_PER_DAY;
  const pulled = countType === 'sinceImagePulled';
  return selectedYoungestFirst.filter((index) => {
    const image = images[index]!;
    const since = pulled ? (image.lastPulledAt ?? image.pushedAt) : image.pushedAt;
    return now - since > limit;
  });
}

/**
 * Settles the dependents (rule 8), parents first: a follower expires when all its parents
 * have; a tagged child that a rule expired is kept while an index listing it is kept.
 * Dependents on a cycle (which content-addressed manifests cannot form) are kept.
 */
function resolveDependents(parents: Parents, follows: (index: number) => boolean, outcomes: Outcomes): void {
  const dependentsOf: Array<number[] | undefined> = new Array(parents.length).fill(undefined);
  const undecidedParents = new Int32Array(parents.length);
  parents.forEach((links, dependent) => {
    if (links === undefined) return;
    undecidedParents[dependent] = links.size;
    for (const parent of links.keys()) (dependentsOf[parent] ??= []).push(dependent);
  });
  // Images whose own outcome is final: the ordinary ones (no parents). A dependent's outcome
  // becomes final once every parent's is.
  const ready: number[] = [];
  parents.forEach((links, index) => {
    if (links === undefined && dependentsOf[index] !== undefined) ready.push(index);
  });
  const settled = new Uint8Array(parents.length);
  for (let next = ready.pop(); next !== undefined; next = ready.pop()) {
    for (const dependent of dependentsOf[next] ?? []) {
      if (--undecidedParents[dependent]! > 0) continue;
      settle(dependent, parents[dependent]!, follows(dependent), outcomes);
      settled[dependent] = 1;
      if (dependentsOf[dependent] !== undefined) ready.push(dependent);
    }
  }
  parents.forEach((links, index) => {
    if (links !== undefined && settled[index] === 0) outcomes.reason[index] = KEPT;
  });
}

function settle(dependent: number, links: ReadonlyMap<number, DependencyLink>, follower: boolean, outcomes: Outcomes): void {
  const parentKept = [...links.keys()].some((parent) => outcomes.reason[parent] === KEPT);
  if (!follower) {
    // A tagged child, decided by the rules: kept while an index listing it is.
    if (parentKept) outcomes.reason[dependent] = KEPT;
    return;
  }
  if (!parentKept) inherit(dependent, links, outcomes);
}

/**
 * Takes the rulePriority of the parent decided last in rule order (the highest), with reason
 * `subject` when the subject is one of the parents with that priority, else `index`.
 */
function inherit(dependent: number, links: ReadonlyMap<number, DependencyLink>, outcomes: Outcomes): void {
  let rulePriority = -Infinity;
  let link: DependencyLink = 'index';
  for (const [parent, kind] of links) {
    const parentPriority = outcomes.rulePriority[parent]!;
    if (parentPriority > rulePriority || (parentPriority === rulePriority && kind === 'subject')) {
      rulePriority = parentPriority;
      link = kind;
    }
  }
  outcomes.reason[dependent] = link === 'subject' ? BY_SUBJECT : BY_INDEX;
  outcomes.rulePriority[dependent] = rulePriority;
}
