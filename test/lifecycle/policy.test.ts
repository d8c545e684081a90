import { describe, expect, it } from 'vitest';
import {
  LifecyclePolicyError,
  MAX_LIFECYCLE_RULES,
  MAX_PATTERN_WILDCARDS,
  parseLifecyclePolicy,
} from '../../src/lifecycle/policy.js';
import { SEED_POLICY } from './seed-policy.js';

const PREFIX = 'Lifecycle policy validation failure: ';

/** The error message a policy gets, or undefined when it is accepted. */
function problem(policy: unknown): string | undefined {
  try {
    parseLifecyclePolicy(typeof policy === 'string' ? policy : JSON.stringify(policy));
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(LifecyclePolicyError);
    const message = (error as Error).message;
    expect(message.startsWith(PREFIX)).toBe(true);
    expect((error as LifecyclePolicyError).problem).toBe(message.slice(PREFIX.length));
    return message;
  }
}

type Json = Record<string, unknown>;

const expire = { type: 'expire' };

function rule(rulePriority: unknown, selection: Json, extra: Json = {}): Json {
  return { rulePriority, selection, action: expire, ...extra };
}

const untaggedSelection: Json = { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 };
const taggedSelection: Json = { tagStatus: 'tagged', tagPrefixList: ['prod'], countType: 'imageCountMoreThan', countNumber: 1 };
const agedSelection: Json = { tagStatus: 'tagged', tagPrefixList: ['prod'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 };

/** One rule with priority 1 and this selection. */
const withSelection = (selection: Json) => ({ rules: [rule(1, selection)] });

describe('parsing valid lifecycle policies', () => {
  it('reads the four-rule seed policy, keeping every field', () => {
    const policy = parseLifecyclePolicy(JSON.stringify(SEED_POLICY));
    expect(policy).toEqual(SEED_POLICY);
  });

  it('sorts rules by rulePriority, which need not be consecutive', () => {
    const policy = parseLifecyclePolicy(
      JSON.stringify({
        rules: [
          rule(30, { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 100 }),
          rule(10, taggedSelection),
          rule(20, untaggedSelection),
        ],
      }),
    );
    expect(policy.rules.map((parsed) => parsed.rulePriority)).toEqual([10, 20, 30]);
    expect(policy.rules.map((parsed) => parsed.selection.tagStatus)).toEqual(['tagged', 'untagged', 'any']);
  });

  it('reads ECR’s "filtering on image age" example (tagPatternList prod*, older than 14 days)', () => {
    const policy = parseLifecyclePolicy(
      JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            description: 'Expire images older than 14 days',
            selection: { tagStatus: 'tagged', tagPatternList: ['prod*'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 },
            action: { type: 'expire' },
          },
        ],
      }),
    );
    expect(policy.rules).toEqual([
      {
        rulePriority: 1,
        description: 'Expire images older than 14 days',
        selection: { tagStatus: 'tagged', tagPatternList: ['prod*'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 14 },
        action: { type: 'expire' },
      },
    ]);
  });

  it('reads ECR’s "keep only one untagged image" example', () => {
    const policy = parseLifecyclePolicy(
      JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            description: 'Keep only one untagged image, expire all others',
            selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 },
            action: { type: 'expire' },
          },
        ],
      }),
    );
    expect(policy.rules[0]!.selection).toEqual({ tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 });
  });

  it('reads ECR’s two-rule example: keep one untagged image, and one image tagged prod*', () => {
    const policy = parseLifecyclePolicy(
      JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            description: 'Rule 1',
            selection: { tagStatus: 'untagged', countType: 'imageCountMoreThan', countNumber: 1 },
            action: { type: 'expire' },
          },
          {
            rulePriority: 2,
            description: 'Rule 2',
            selection: { tagStatus: 'tagged', tagPatternList: ['prod*'], countType: 'imageCountMoreThan', countNumber: 1 },
            action: { type: 'expire' },
          },
        ],
      }),
    );
    expect(policy.rules.map((parsed) => parsed.selection.tagPatternList)).toEqual([undefined, ['prod*']]);
  });

  it('reads ECR’s multiple-rule example with tagPrefixList (prod, then beta)', () => {
    const policy = parseLifecyclePolicy(
      JSON.stringify({
        rules: [
          { rulePriority: 1, description: 'Rule 1', selection: { tagStatus: 'tagged', tagPrefixList: ['prod'], countType: 'imageCountMoreThan', countNumber: 1 }, action: expire },
          { rulePriority: 2, description: 'Rule 2', selection: { tagStatus: 'tagged', tagPrefixList: ['beta'], countType: 'imageCountMoreThan', countNumber: 1 }, action: expire },
        ],
      }),
    );
    expect(policy.rules.map((parsed) => parsed.selection.tagPrefixList)).toEqual([['prod'], ['beta']]);
  });

  it('reads ECR’s multiple-tags example (tagPrefixList alpha and beta in one rule)', () => {
    const policy = parseLifecyclePolicy(
      JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            description: 'Rule 1',
            selection: { tagStatus: 'tagged', tagPrefixList: ['alpha', 'beta'], countType: 'sinceImagePushed', countUnit: 'days', countNumber: 5 },
            action: expire,
          },
        ],
      }),
    );
    expect(policy.rules[0]!.selection.tagPrefixList).toEqual(['alpha', 'beta']);
  });

  it('reads ECR’s "all images" example (tagStatus any with imageCountMoreThan) after other rules', () => {
    const policy = parseLifecyclePolicy(
      JSON.stringify({
        rules: [
          { rulePriority: 1, description: 'Rule 1', selection: { tagStatus: 'tagged', tagPatternList: ['alpha*'], countType: 'imageCountMoreThan', countNumber: 1 }, action: expire },
          { rulePriority: 2, description: 'Rule 2', selection: { tagStatus: 'untagged', countType: 'sinceImagePushed', countUnit: 'days', countNumber: 1 }, action: expire },
          { rulePriority: 3, description: 'Rule 3', selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 }, action: expire },
        ],
      }),
    );
    expect(policy.rules[2]!.selection).toEqual({ tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 1 });
  });

  it('accepts sinceImagePulled with countUnit days', () => {
    const policy = parseLifecyclePolicy(
      JSON.stringify(withSelection({ tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 90 })),
    );
    expect(policy.rules[0]!.selection).toEqual({ tagStatus: 'any', countType: 'sinceImagePulled', countUnit: 'days', countNumber: 90 });
  });

  it('accepts storageClass "standard" and drops it', () => {
    const policy = parseLifecyclePolicy(JSON.stringify(withSelection({ ...taggedSelection, storageClass: 'standard' })));
    expect(policy.rules[0]!.selection).not.toHaveProperty('storageClass');
    expect(policy.rules[0]!.selection).toEqual(taggedSelection);
  });

  it('accepts patterns with exactly the maximum number of wildcards', () => {
    const patterns = ['*test*1*2*3', 'test*1*2*3*'];
    const policy = parseLifecyclePolicy(JSON.stringify(withSelection({ ...taggedSelection, tagPrefixList: undefined, tagPatternList: patterns })));
    expect(policy.rules[0]!.selection.tagPatternList).toEqual(patterns);
  });

  it('accepts MAX_LIFECYCLE_RULES rules', () => {
    const rules = Array.from({ length: MAX_LIFECYCLE_RULES }, (_, i) => rule(i + 1, { ...taggedSelection, tagPrefixList: [`p${i}`] }));
    expect(parseLifecyclePolicy(JSON.stringify({ rules })).rules).toHaveLength(MAX_LIFECYCLE_RULES);
  });

  it('copies the tag lists instead of sharing them with the caller', () => {
    const text = JSON.stringify(withSelection(taggedSelection));
    const first = parseLifecyclePolicy(text);
    first.rules[0]!.selection.tagPrefixList!.push('mutated');
    expect(parseLifecyclePolicy(text).rules[0]!.selection.tagPrefixList).toEqual(['prod']);
  });
});

describe('rejecting malformed policies', () => {
  it('rejects text that is not JSON', () => {
    expect(problem('{"rules": [')).toMatch(/^Lifecycle policy validation failure: the policy text is not valid JSON: /);
  });

  it('rejects JSON that is not an object', () => {
    expect(problem('[]')).toBe(`${PREFIX}the policy must be a JSON object with a "rules" array`);
    expect(problem('"rules"')).toBe(`${PREFIX}the policy must be a JSON object with a "rules" array`);
    expect(problem('null')).toBe(`${PREFIX}the policy must be a JSON object with a "rules" array`);
  });

  it('rejects a policy without rules', () => {
    expect(problem({})).toBe(`${PREFIX}"rules" is missing`);
  });

  it('rejects rules that are not an array', () => {
    expect(problem({ rules: rule(1, taggedSelection) })).toBe(`${PREFIX}"rules" must be an array of rules`);
  });

  it('rejects an empty rules array', () => {
    expect(problem({ rules: [] })).toBe(`${PREFIX}"rules" must contain at least one rule`);
  });

  it('rejects more than MAX_LIFECYCLE_RULES rules', () => {
    const rules = Array.from({ length: MAX_LIFECYCLE_RULES + 1 }, (_, i) => rule(i + 1, { ...taggedSelection, tagPrefixList: [`p${i}`] }));
    expect(problem({ rules })).toBe(`${PREFIX}a policy may have at most 50 rules; this one has 51`);
  });

  it('rejects a rule that is not an object', () => {
    expect(problem({ rules: [rule(1, taggedSelection), 'rule 2'] })).toBe(`${PREFIX}rules[1]: a rule must be a JSON object`);
  });

  it('names an unknown top-level key', () => {
    expect(problem({ rules: [rule(1, taggedSelection)], version: 1 })).toBe(
      `${PREFIX}unknown key "version" at the top level of the policy (expected rules)`,
    );
    expect(problem({ Rules: [rule(1, taggedSelection)] })).toBe(
      `${PREFIX}unknown key "Rules" at the top level of the policy (expected rules) (did you mean "rules"?)`,
    );
  });

  it('names an unknown key in a rule', () => {
    expect(problem({ rules: [rule(2, taggedSelection, { priority: 2 })] })).toBe(
      `${PREFIX}rule with rulePriority 2: unknown key "priority" in the rule (expected rulePriority, description, selection, action)`,
    );
    expect(problem({ rules: [{ rulePriorty: 1, selection: taggedSelection, action: expire }] })).toBe(
      `${PREFIX}rules[0]: unknown key "rulePriorty" in the rule (expected rulePriority, description, selection, action) (did you mean "rulePriority"?)`,
    );
  });

  it('names an unknown key in selection', () => {
    expect(problem(withSelection({ ...taggedSelection, tagPrefix: ['prod'] }))).toBe(
      `${PREFIX}rule with rulePriority 1: unknown key "tagPrefix" in selection (expected tagStatus, tagPrefixList, tagPatternList, storageClass, countType, countUnit, countNumber)`,
    );
  });

  it('names an unknown key in action', () => {
    expect(problem({ rules: [rule(1, taggedSelection, { action: { type: 'expire', when: 'now' } })] })).toBe(
      `${PREFIX}rule with rulePriority 1: unknown key "when" in action (expected type, targetStorageClass)`,
    );
  });
});

describe('rejecting bad rule priorities and descriptions', () => {
  it('rejects a missing rulePriority', () => {
    expect(problem({ rules: [{ selection: taggedSelection, action: expire }] })).toBe(`${PREFIX}rules[0]: rulePriority is missing`);
  });

  it('rejects a rulePriority that is not an integer', () => {
    expect(problem({ rules: [rule('1', taggedSelection)] })).toBe(`${PREFIX}rules[0]: rulePriority must be an integer of at least 1, got "1"`);
    expect(problem({ rules: [rule(1.5, taggedSelection)] })).toBe(`${PREFIX}rules[0]: rulePriority must be an integer of at least 1, got 1.5`);
  });

  it('rejects a rulePriority below 1', () => {
    expect(problem({ rules: [rule(0, taggedSelection)] })).toBe(`${PREFIX}rules[0]: rulePriority must be an integer of at least 1, got 0`);
    expect(problem({ rules: [rule(-3, taggedSelection)] })).toBe(`${PREFIX}rules[0]: rulePriority must be an integer of at least 1, got -3`);
  });

  it('rejects two rules with the same rulePriority', () => {
    expect(problem({ rules: [rule(3, taggedSelection), rule(1, untaggedSelection), rule(3, { ...taggedSelection, tagPrefixList: ['beta'] })] })).toBe(
      `${PREFIX}rulePriority 3 is used by more than one rule (rules[0] and rules[2]); each rule needs its own rulePriority`,
    );
  });

  it('rejects a description that is not a string', () => {
    expect(problem({ rules: [rule(4, taggedSelection, { description: 42 })] })).toBe(
      `${PREFIX}rule with rulePriority 4: description must be a string, got 42`,
    );
  });

  it('rejects a description over 256 characters', () => {
    expect(problem({ rules: [rule(4, taggedSelection, { description: 'x'.repeat(256) })] })).toBeUndefined();
    expect(problem({ rules: [rule(4, taggedSelection, { description: 'x'.repeat(257) })] })).toBe(
      `${PREFIX}rule with rulePriority 4: description must be at most 256 characters long; it has 257`,
    );
  });
});

describe('rejecting bad selections', () => {
  it('rejects a missing selection, or one that is not an object', () => {
    expect(problem({ rules: [{ rulePriority: 1, action: expire }] })).toBe(`${PREFIX}rule with rulePriority 1: selection is missing`);
    expect(problem({ rules: [{ rulePriority: 1, selection: [], action: expire }] })).toBe(
      `${PREFIX}rule with rulePriority 1: selection must be a JSON object`,
    );
  });

  it('rejects a missing tagStatus', () => {
    expect(problem(withSelection({ countType: 'imageCountMoreThan', countNumber: 1 }))).toBe(
      `${PREFIX}rule with rulePriority 1: selection.tagStatus is missing (expected "tagged", "untagged" or "any")`,
    );
  });

  it('rejects an unknown tagStatus', () => {
    expect(problem(withSelection({ ...untaggedSelection, tagStatus: 'TAGGED' }))).toBe(
      `${PREFIX}rule with rulePriority 1: selection.tagStatus must be "tagged", "untagged" or "any", got "TAGGED"`,
    );
  });

  it('rejects tagged with both tagPrefixList and tagPatternList', () => {
    expect(problem({ rules: [rule(3, { ...taggedSelection, tagPatternList: ['prod*'] })] })).toBe(
      `${PREFIX}rule with rulePriority 3: tagPrefixList and tagPatternList cannot both be set`,
    );
  });

  it('rejects tagged with neither tagPrefixList nor tagPatternList', () => {
    expect(problem(withSelection({ tagStatus: 'tagged', countType: 'imageCountMoreThan', countNumber: 1 }))).toBe(
      `${PREFIX}rule with rulePriority 1: tagStatus "tagged" needs either a tagPrefixList or a tagPatternList`,
    );
  });

  it('rejects a tag list that is not an array', () => {
    expect(problem(withSelection({ ...taggedSelection, tagPrefixList: 'prod' }))).toBe(
      `${PREFIX}rule with rulePriority 1: selection.tagPrefixList must be an array of strings, got "prod"`,
    );
  });

  it('rejects an empty tag list', () => {
    expect(problem(withSelection({ ...taggedSelection, tagPrefixList: undefined, tagPatternList: [] }))).toBe(
      `${PREFIX}rule with rulePriority 1: selection.tagPatternList must not be empty`,
    );
  });

  it('rejects a tag list entry that is not a non-empty string', () => {
    expect(problem(withSelection({ ...taggedSelection, tagPrefixList: ['prod', 7] }))).toBe(
      `${PREFIX}rule with rulePriority 1: selection.tagPrefixList[1] must be a string, got 7`,
    );
    expect(problem(withSelection({ ...taggedSelection, tagPrefixList: ['prod', ''] }))).toBe(
      `${PREFIX}rule with rulePriority 1: selection.tagPrefixList[1] must not be empty`,
    );
  });

  it('rejects a tag list with more than 100 entries', () => {
    const prefixes = Array.from({ length: 101 }, (_, i) => `p${i}`);
    expect(problem(withSelection({ ...taggedSelection, tagPrefixList: prefixes.slice(0, 100) }))).toBeUndefined();
    expect(problem(withSelection({ ...taggedSelection, tagPrefixList: prefixes }))).toBe(
      `${PREFIX}rule with rulePriority 1: selection.tagPrefixList may have at most 100 entries; it has 101`,
    );
  });

  it('rejects a tag list entry longer than an image tag can be (300 characters)', () => {
    expect(problem(withSelection({ ...taggedSelection, tagPrefixList: ['p'.repeat(300)] }))).toBeUndefined();
    expect(problem(withSelection({ ...taggedSelection, tagPrefixList: ['p'.repeat(301)] }))).toBe(
      `${PREFIX}rule with rulePriority 1: selection.tagPrefixList[0] is 301 characters long; image tags, and so entries, are at most 300`,
    );
  });

  it('rejects untagged or any with a tag list', () => {
    expect(problem(withSelection({ ...untaggedSelection, tagPrefixList: ['prod'] }))).toBe(
      `${PREFIX}rule with rulePriority 1: tagStatus "untagged" cannot have a tagPrefixList; only rules with tagStatus "tagged" select images by tag`,
    );
    expect(problem(withSelection({ ...untaggedSelection, tagStatus: 'any', tagPatternList: ['prod*'] }))).toBe(
      `${PREFIX}rule with rulePriority 1: tagStatus "any" cannot have a tagPatternList; only rules with tagStatus "tagged" select images by tag`,
    );
  });

  it(`rejects a pattern with more than ${MAX_PATTERN_WILDCARDS} wildcards`, () => {
    expect(problem(withSelection({ ...taggedSelection, tagPrefixList: undefined, tagPatternList: ['prod*', 'test*1*2*3*4*5*6'] }))).toBe(
      `${PREFIX}rule with rulePriority 1: selection.tagPatternList[1] "test*1*2*3*4*5*6" has 6 wildcards (*); at most 4 are allowed`,
    );
    expect(problem(withSelection({ ...taggedSelection, tagPrefixList: undefined, tagPatternList: ['*****'] }))).toBe(
      `${PREFIX}rule with rulePriority 1: selection.tagPatternList[0] "*****" has 5 wildcards (*); at most 4 are allowed`,
    );
  });

  it('rejects a missing countType', () => {
    expect(problem(withSelection({ tagStatus: 'untagged', countNumber: 1 }))).toBe(
      `${PREFIX}rule with rulePriority 1: selection.countType is missing (expected "imageCountMoreThan", "sinceImagePushed" or "sinceImagePulled")`,
    );
  });

  it('rejects an unknown countType', () => {
    expect(problem(withSelection({ ...untaggedSelection, countType: 'imageCountLessThan' }))).toBe(
      `${PREFIX}rule with rulePriority 1: selection.countType must be "imageCountMoreThan", "sinceImagePushed" or "sinceImagePulled", got "imageCountLessThan"`,
    );
  });

  it('rejects a missing countUnit for the since… count types', () => {
    expect(problem(withSelection({ ...agedSelection, countUnit: undefined }))).toBe(
      `${PREFIX}rule with rulePriority 1: selection.countUnit is missing; countType "sinceImagePushed" needs countUnit "days"`,
    );
    expect(problem(withSelection({ ...agedSelection, countType: 'sinceImagePulled', countUnit: undefined }))).toBe(
      `${PREFIX}rule with rulePriority 1: selection.countUnit is missing; countType "sinceImagePulled" needs countUnit "days"`,
    );
  });

  it('rejects a countUnit other than days', () => {
    expect(problem(withSelection({ ...agedSelection, countUnit: 'hours' }))).toBe(
      `${PREFIX}rule with rulePriority 1: selection.countUnit must be "days", got "hours"`,
    );
  });

  it('rejects a countUnit with imageCountMoreThan', () => {
    expect(problem(withSelection({ ...taggedSelection, countUnit: 'days' }))).toBe(
      `${PREFIX}rule with rulePriority 1: selection.countUnit cannot be set when countType is "imageCountMoreThan" (it counts images, not days)`,
    );
  });

  it('rejects a missing countNumber', () => {
    expect(problem(withSelection({ ...taggedSelection, countNumber: undefined }))).toBe(
      `${PREFIX}rule with rulePriority 1: selection.countNumber is missing`,
    );
  });

  it('rejects a countNumber that is not an integer of at least 1', () => {
    for (const [countNumber, shown] of [[0, '0'], [-1, '-1'], [2.5, '2.5'], ['10', '"10"']] as const) {
      expect(problem(withSelection({ ...taggedSelection, countNumber }))).toBe(
        `${PREFIX}rule with rulePriority 1: selection.countNumber must be an integer of at least 1, got ${shown}`,
      );
    }
  });

  it('rejects a storageClass other than standard', () => {
    expect(problem(withSelection({ ...taggedSelection, storageClass: 'glacier' }))).toBe(
      `${PREFIX}rule with rulePriority 1: selection.storageClass must be "standard", got "glacier"`,
    );
  });
});

describe('rejecting the archive storage class', () => {
  it('rejects countType sinceImageTransitioned', () => {
    expect(problem(withSelection({ ...agedSelection, countType: 'sinceImageTransitioned' }))).toBe(
      `${PREFIX}rule with rulePriority 1: selection.countType "sinceImageTransitioned" cannot be used: the archive storage class is not supported by Stowage`,
    );
  });

  it('rejects storageClass archive', () => {
    expect(problem(withSelection({ ...agedSelection, storageClass: 'archive' }))).toBe(
      `${PREFIX}rule with rulePriority 1: selection.storageClass "archive" cannot be used: the archive storage class is not supported by Stowage`,
    );
  });

  it('rejects action type transition and targetStorageClass', () => {
    expect(problem({ rules: [rule(1, agedSelection, { action: { type: 'transition', targetStorageClass: 'archive' } })] })).toBe(
      `${PREFIX}rule with rulePriority 1: action.type "transition" cannot be used: the archive storage class is not supported by Stowage`,
    );
    expect(problem({ rules: [rule(1, agedSelection, { action: { type: 'expire', targetStorageClass: 'archive' } })] })).toBe(
      `${PREFIX}rule with rulePriority 1: action.targetStorageClass cannot be used: the archive storage class is not supported by Stowage`,
    );
  });
});

describe('rejecting bad actions', () => {
  it('rejects a missing action', () => {
    expect(problem({ rules: [{ rulePriority: 1, selection: taggedSelection }] })).toBe(
      `${PREFIX}rule with rulePriority 1: action is missing (expected {"type": "expire"})`,
    );
  });

  it('rejects an action that is not an object', () => {
    expect(problem({ rules: [rule(1, taggedSelection, { action: 'expire' })] })).toBe(
      `${PREFIX}rule with rulePriority 1: action must be a JSON object such as {"type": "expire"}`,
    );
  });

  it('rejects a missing action type', () => {
    expect(problem({ rules: [rule(1, taggedSelection, { action: {} })] })).toBe(
      `${PREFIX}rule with rulePriority 1: action.type is missing (expected "expire")`,
    );
  });

  it('rejects an action type other than expire', () => {
    expect(problem({ rules: [rule(1, taggedSelection, { action: { type: 'delete' } })] })).toBe(
      `${PREFIX}rule with rulePriority 1: action.type must be "expire", got "delete"`,
    );
  });
});

describe('rejecting bad combinations of rules', () => {
  const anySelection = { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 5 };

  it('rejects an any rule that does not have the highest rulePriority', () => {
    expect(problem({ rules: [rule(1, taggedSelection), rule(2, anySelection), rule(5, untaggedSelection)] })).toBe(
      `${PREFIX}rule with rulePriority 2: a rule with tagStatus "any" must have the highest rulePriority in the policy, but the rule with rulePriority 5 comes after it`,
    );
  });

  it('rejects two any rules, as only one can have the highest rulePriority', () => {
    expect(problem({ rules: [rule(9, anySelection), rule(4, { ...anySelection, countNumber: 9 })] })).toBe(
      `${PREFIX}rule with rulePriority 4: a rule with tagStatus "any" must have the highest rulePriority in the policy, but the rule with rulePriority 9 comes after it`,
    );
  });

  it('rejects more than one untagged rule', () => {
    expect(problem({ rules: [rule(1, untaggedSelection), rule(2, taggedSelection), rule(3, { ...agedSelection, tagStatus: 'untagged', tagPrefixList: undefined })] })).toBe(
      `${PREFIX}only one rule may select untagged images, but the rules with rulePriority 1 and 3 both have tagStatus "untagged"`,
    );
    expect(problem({ rules: [rule(1, untaggedSelection), rule(2, untaggedSelection), rule(3, untaggedSelection)] })).toBe(
      `${PREFIX}only one rule may select untagged images, but the rules with rulePriority 1, 2 and 3 all have tagStatus "untagged"`,
    );
  });

  it('accepts an untagged rule together with an any rule', () => {
    expect(problem({ rules: [rule(1, untaggedSelection), rule(2, anySelection)] })).toBeUndefined();
  });
});
