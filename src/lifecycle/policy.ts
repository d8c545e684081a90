import { didYouMean } from '../iam/suggest.js';

/**
 * The ECR lifecycle-policy language: JSON text in (as given to PutLifecyclePolicy and
 * StartLifecyclePolicyPreview), a typed policy out, or a LifecyclePolicyError whose message
 * says what is wrong and in which rule. The grammar and limits are the ECR User Guide's
 * ("Lifecycle policy properties in Amazon ECR"):
 *
 * - `rules`: 1 to MAX_LIFECYCLE_RULES rules, each with its own `rulePriority` (an integer
 *   from 1; rules are applied lowest first, the numbers need not be consecutive).
 * - `selection.tagStatus` `tagged` takes exactly one of `tagPrefixList` / `tagPatternList`;
 *   `untagged` and `any` take neither. Only one rule may select `untagged` images, and an
 *   `any` rule must have the highest rulePriority (so at most one `any` rule).
 * - `tagPatternList` entries have at most MAX_PATTERN_WILDCARDS `*`.
 * - `countType` `imageCountMoreThan` takes no `countUnit`; `sinceImagePushed` and
 *   `sinceImagePulled` need `countUnit: "days"`. `countNumber` is an integer from 1.
 * - `action.type` is `expire`.
 *
 * Newer ECR has an archive storage class (`storageClass: "archive"`, `countType:
 * "sinceImageTransitioned"`, `action.type: "transition"`, `action.targetStorageClass`).
 * Stowage has one storage class, so those are refused with a message saying so, while
 * `storageClass: "standard"` (the default) is accepted and dropped.
 *
 * Limits ECR does not document and Stowage picked: a list holds at most
 * MAX_TAG_LIST_ENTRIES entries, and each entry is at most MAX_TAG_LIST_ENTRY_LENGTH
 * characters (ECR's limit on an image tag: a longer prefix or literal could never match).
 * `description` is at most MAX_DESCRIPTION_LENGTH characters.
 */

export type TagStatus = 'tagged' | 'untagged' | 'any';
export type CountType = 'imageCountMoreThan' | 'sinceImagePushed' | 'sinceImagePulled';

export interface LifecycleRuleSelection {
  tagStatus: TagStatus;
  tagPrefixList?: string[];
  tagPatternList?: string[];
  countType: CountType;
  countUnit?: 'days';
  countNumber: number;
}

export interface LifecycleRule {
  rulePriority: number;
  description?: string;
  selection: LifecycleRuleSelection;
  action: { type: 'expire' };
}

/** Rules sorted by rulePriority ascending (the order they are applied in). */
export interface LifecyclePolicy {
  rules: LifecycleRule[];
}

export const MAX_LIFECYCLE_RULES = 50;
export const MAX_PATTERN_WILDCARDS = 4;
export const MAX_TAG_LIST_ENTRIES = 100;
/** ECR's maximum image tag length (the `ImageTag` shape of the API model). */
export const MAX_TAG_LIST_ENTRY_LENGTH = 300;
export const MAX_DESCRIPTION_LENGTH = 256;

const MESSAGE_PREFIX = 'Lifecycle policy validation failure: ';

/**
 * A lifecycle policy that cannot be accepted. The message is what the client sees in
 * InvalidParameterException: `Lifecycle policy validation failure: ` and then the problem,
 * e.g. `rule with rulePriority 3: tagPrefixList and tagPatternList cannot both be set`.
 */
export class LifecyclePolicyError extends Error {
  /** The problem alone, without the common prefix. */
  readonly problem: string;

  constructor(problem: string) {
    super(`${MESSAGE_PREFIX}${problem}`);
    this.name = 'LifecyclePolicyError';
    this.problem = problem;
  }
}

const TOP_LEVEL_KEYS = ['rules'];
const RULE_KEYS = ['rulePriority', 'description', 'selection', 'action'];
const SELECTION_KEYS = ['tagStatus', 'tagPrefixList', 'tagPatternList', 'storageClass', 'countType', 'countUnit', 'countNumber'];
const ACTION_KEYS = ['type', 'targetStorageClass'];
const TAG_STATUSES: readonly TagStatus[] = ['tagged', 'untagged', 'any'];
const COUNT_TYPES: readonly CountType[] = ['imageCountMoreThan', 'sinceImagePushed', 'sinceImagePulled'];
const ARCHIVE_NOT_SUPPORTED = 'the archive storage class is not supported by Stowage';

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function quoted(values: readonly string[]): string {
  const list = values.map((value) => `"${value}"`);
  return list.length <= 1 ? list.join('') : `${list.slice(0, -1).join(', ')} or ${list[list.length - 1]}`;
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1;
}

/** Parses and validates lifecycle policy text; throws LifecyclePolicyError. */
export function parseLifecyclePolicy(text: string): LifecyclePolicy {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new LifecyclePolicyError(`the policy text is not valid JSON: ${(error as Error).message}`);
  }
  if (!isObject(value)) throw new LifecyclePolicyError('the policy must be a JSON object with a "rules" array');
  rejectUnknownKeys(value, TOP_LEVEL_KEYS, 'at the top level of the policy', '');
  const rules = value.rules;
  if (rules === undefined) throw new LifecyclePolicyError('"rules" is missing');
  if (!Array.isArray(rules)) throw new LifecyclePolicyError('"rules" must be an array of rules');
  if (rules.length === 0) throw new LifecyclePolicyError('"rules" must contain at least one rule');
  if (rules.length > MAX_LIFECYCLE_RULES) {
    throw new LifecyclePolicyError(`a policy may have at most ${MAX_LIFECYCLE_RULES} rules; this one has ${rules.length}`);
  }

  const parsed: LifecycleRule[] = [];
  const indexByPriority = new Map<number, number>();
  rules.forEach((rule: unknown, index) => {
    const result = parseRule(rule, index);
    const earlier = indexByPriority.get(result.rulePriority);
    if (earlier !== undefined) {
      throw new LifecyclePolicyError(
        `rulePriority ${result.rulePriority} is used by more than one rule (rules[${earlier}] and rules[${index}]); each rule needs its own rulePriority`,
      );
    }
    indexByPriority.set(result.rulePriority, index);
    parsed.push(result);
  });
  parsed.sort((a, b) => a.rulePriority - b.rulePriority);
  checkRuleSet(parsed);
  return { rules: parsed };
}

/** Constraints between rules: one `untagged` rule at most, `any` only as the last rule. */
function checkRuleSet(rules: readonly LifecycleRule[]): void {
  const untagged = rules.filter((rule) => rule.selection.tagStatus === 'untagged');
  if (untagged.length > 1) {
    const priorities = untagged.map((rule) => rule.rulePriority);
    const named = `${priorities.slice(0, -1).join(', ')} and ${priorities[priorities.length - 1]}`;
    throw new LifecyclePolicyError(
      `only one rule may select untagged images, but the rules with rulePriority ${named} ${untagged.length === 2 ? 'both' : 'all'} have tagStatus "untagged"`,
    );
  }
  const last = rules[rules.length - 1]!;
  for (const rule of rules) {
    if (rule.selection.tagStatus === 'any' && rule !== last) {
      throw new LifecyclePolicyError(
        `rule with rulePriority ${rule.rulePriority}: a rule with tagStatus "any" must have the highest rulePriority in the policy, but the rule with rulePriority ${last.rulePriority} comes after it`,
      );
    }
  }
}

function rejectUnknownKeys(value: JsonObject, known: readonly string[], where: string, location: string): void {
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new LifecyclePolicyError(
        `${location}unknown key "${key}" ${where} (expected ${known.join(', ')})${didYouMean(key, known)}`,
      );
    }
  }
}

function parseRule(rule: unknown, index: number): LifecycleRule {
  if (!isObject(rule)) throw new LifecyclePolicyError(`rules[${index}]: a rule must be a JSON object`);
  // Name the rule by its priority when it has a usable one: that is how people refer to rules.
  const location = isPositiveInteger(rule.rulePriority) ? `rule with rulePriority ${rule.rulePriority}: ` : `rules[${index}]: `;
  rejectUnknownKeys(rule, RULE_KEYS, 'in the rule', location);

  const rulePriority = rule.rulePriority;
  if (rulePriority === undefined) throw new LifecyclePolicyError(`${location}rulePriority is missing`);
  if (!isPositiveInteger(rulePriority)) {
    throw new LifecyclePolicyError(`${location}rulePriority must be an integer of at least 1, got ${JSON.stringify(rulePriority)}`);
  }

  const description = rule.description;
  if (description !== undefined) {
    if (typeof description !== 'string') {
      throw new LifecyclePolicyError(`${location}description must be a string, got ${JSON.stringify(description)}`);
    }
    if (description.length > MAX_DESCRIPTION_LENGTH) {
      throw new LifecyclePolicyError(
        `${location}description must be at most ${MAX_DESCRIPTION_LENGTH} characters long; it has ${description.length}`,
      );
    }
  }

  if (rule.selection === undefined) throw new LifecyclePolicyError(`${location}selection is missing`);
  if (!isObject(rule.selection)) throw new LifecyclePolicyError(`${location}selection must be a JSON object`);
  const selection = parseSelection(rule.selection, location);

  if (rule.action === undefined) throw new LifecyclePolicyError(`${location}action is missing (expected {"type": "expire"})`);
  if (!isObject(rule.action)) throw new LifecyclePolicyError(`${location}action must be a JSON object such as {"type": "expire"}`);
  parseAction(rule.action, location);

  return {
    rulePriority,
    ...(description !== undefined ? { description } : {}),
    selection,
    action: { type: 'expire' },
  };
}

function parseSelection(selection: JsonObject, location: string): LifecycleRuleSelection {
  rejectUnknownKeys(selection, SELECTION_KEYS, 'in selection', location);

  const storageClass = selection.storageClass;
  if (storageClass === 'archive') {
    throw new LifecyclePolicyError(`${location}selection.storageClass "archive" cannot be used: ${ARCHIVE_NOT_SUPPORTED}`);
  }
  if (storageClass !== undefined && storageClass !== 'standard') {
    throw new LifecyclePolicyError(`${location}selection.storageClass must be "standard", got ${JSON.stringify(storageClass)}`);
  }

  const tagStatus = selection.tagStatus;
  if (tagStatus === undefined) {
    throw new LifecyclePolicyError(`${location}selection.tagStatus is missing (expected ${quoted(TAG_STATUSES)})`);
  }
  if (!TAG_STATUSES.includes(tagStatus as TagStatus)) {
    throw new LifecyclePolicyError(`${location}selection.tagStatus must be ${quoted(TAG_STATUSES)}, got ${JSON.stringify(tagStatus)}`);
  }
  const tagLists = parseTagLists(selection, tagStatus as TagStatus, location);

  const countType = selection.countType;
  if (countType === 'sinceImageTransitioned') {
    throw new LifecyclePolicyError(`${location}selection.countType "sinceImageTransitioned" cannot be used: ${ARCHIVE_NOT_SUPPORTED}`);
  }
  if (countType === undefined) {
    throw new LifecyclePolicyError(`${location}selection.countType is missing (expected ${quoted(COUNT_TYPES)})`);
  }
  if (!COUNT_TYPES.includes(countType as CountType)) {
    throw new LifecyclePolicyError(`${location}selection.countType must be ${quoted(COUNT_TYPES)}, got ${JSON.stringify(countType)}`);
  }

  const countUnit = selection.countUnit;
  if (countType === 'imageCountMoreThan') {
    if (countUnit !== undefined) {
      throw new LifecyclePolicyError(
        `${location}selection.countUnit cannot be set when countType is "imageCountMoreThan" (it counts images, not days)`,
      );
    }
  } else if (countUnit === undefined) {
    throw new LifecyclePolicyError(`${location}selection.countUnit is missing; countType "${countType as string}" needs countUnit "days"`);
  } else if (countUnit !== 'days') {
    throw new LifecyclePolicyError(`${location}selection.countUnit must be "days", got ${JSON.stringify(countUnit)}`);
  }

  const countNumber = selection.countNumber;
  if (countNumber === undefined) throw new LifecyclePolicyError(`${location}selection.countNumber is missing`);
  if (!isPositiveInteger(countNumber)) {
    throw new LifecyclePolicyError(`${location}selection.countNumber must be an integer of at least 1, got ${JSON.stringify(countNumber)}`);
  }

  return {
    tagStatus: tagStatus as TagStatus,
    ...tagLists,
    countType: countType as CountType,
    ...(countType !== 'imageCountMoreThan' ? { countUnit: 'days' as const } : {}),
    countNumber,
  };
}

function parseTagLists(
  selection: JsonObject,
  tagStatus: TagStatus,
  location: string,
): Pick<LifecycleRuleSelection, 'tagPrefixList' | 'tagPatternList'> {
  const prefixes = selection.tagPrefixList;
  const patterns = selection.tagPatternList;
  if (tagStatus !== 'tagged') {
    const present = prefixes !== undefined ? 'tagPrefixList' : patterns !== undefined ? 'tagPatternList' : undefined;
    if (present !== undefined) {
      throw new LifecyclePolicyError(
        `${location}tagStatus "${tagStatus}" cannot have a ${present}; only rules with tagStatus "tagged" select images by tag`,
      );
    }
    return {};
  }
  if (prefixes !== undefined && patterns !== undefined) {
    throw new LifecyclePolicyError(`${location}tagPrefixList and tagPatternList cannot both be set`);
  }
  if (prefixes === undefined && patterns === undefined) {
    throw new LifecyclePolicyError(`${location}tagStatus "tagged" needs either a tagPrefixList or a tagPatternList`);
  }
  if (prefixes !== undefined) return { tagPrefixList: parseTagList(prefixes, 'tagPrefixList', location) };
  const list = parseTagList(patterns, 'tagPatternList', location);
  list.forEach((pattern, index) => {
    let wildcards = 0;
    for (const char of pattern) if (char === '*') wildcards++;
    if (wildcards > MAX_PATTERN_WILDCARDS) {
      throw new LifecyclePolicyError(
        `${location}selection.tagPatternList[${index}] ${JSON.stringify(pattern)} has ${wildcards} wildcards (*); at most ${MAX_PATTERN_WILDCARDS} are allowed`,
      );
    }
  });
  return { tagPatternList: list };
}

function parseTagList(value: unknown, name: 'tagPrefixList' | 'tagPatternList', location: string): string[] {
  const where = `${location}selection.${name}`;
  if (!Array.isArray(value)) throw new LifecyclePolicyError(`${where} must be an array of strings, got ${JSON.stringify(value)}`);
  if (value.length === 0) throw new LifecyclePolicyError(`${where} must not be empty`);
  if (value.length > MAX_TAG_LIST_ENTRIES) {
    throw new LifecyclePolicyError(`${where} may have at most ${MAX_TAG_LIST_ENTRIES} entries; it has ${value.length}`);
  }
  return value.map((entry: unknown, index) => {
    if (typeof entry !== 'string') throw new LifecyclePolicyError(`${where}[${index}] must be a string, got ${JSON.stringify(entry)}`);
    if (entry === '') throw new LifecyclePolicyError(`${where}[${index}] must not be empty`);
    if (entry.length > MAX_TAG_LIST_ENTRY_LENGTH) {
      throw new LifecyclePolicyError(
        `${where}[${index}] is ${entry.length} characters long; image tags, and so entries, are at most ${MAX_TAG_LIST_ENTRY_LENGTH}`,
      );
    }
    return entry;
  });
}

function parseAction(action: JsonObject, location: string): void {
  rejectUnknownKeys(action, ACTION_KEYS, 'in action', location);
  const type = action.type;
  if (type === 'transition') {
    throw new LifecyclePolicyError(`${location}action.type "transition" cannot be used: ${ARCHIVE_NOT_SUPPORTED}`);
  }
  if (action.targetStorageClass !== undefined) {
    throw new LifecyclePolicyError(`${location}action.targetStorageClass cannot be used: ${ARCHIVE_NOT_SUPPORTED}`);
  }
  if (type === undefined) throw new LifecyclePolicyError(`${location}action.type is missing (expected "expire")`);
  if (type !== 'expire') throw new LifecyclePolicyError(`${location}action.type must be "expire", got ${JSON.stringify(type)}`);
}
