import type { ServiceModel, ShapeModel } from './service-model.js';

/**
 * Checks a decoded JSON request against its input shape in the service model: member
 * types, required members, string lengths and patterns, enums, list and map sizes and
 * numeric ranges. AWS matches patterns against the whole value.
 *
 * A value of the wrong JSON type cannot be deserialized at all (AWS answers
 * `SerializationException`); everything else is a constraint violation, reported with
 * its path in AWS's notation (`imageIds.1.member.imageTag`).
 */
export type InputProblem =
  | { kind: 'serialization'; path: string; expected: string }
  | { kind: 'constraint'; path: string; value: unknown; constraint: string };

export function validateInput(model: ServiceModel, shapeName: string, input: unknown, options: ValidationOptions = {}): InputProblem[] {
  const problems: InputProblem[] = [];
  checkValue(model, model.shapes[shapeName]!, input, '', problems, options);
  return problems;
}

export interface ValidationOptions {
  /**
   * Report members the shape does not define. Requests may carry members from newer model
   * versions (AWS ignores them), so this is for checking what Stowage itself answers.
   */
  rejectUnknownMembers?: boolean;
}

function checkValue(model: ServiceModel, shape: ShapeModel, value: unknown, path: string, problems: InputProblem[], options: ValidationOptions): void {
  if (value === null || value === undefined) return;
  switch (shape.type) {
    case 'structure': {
      if (!isPlainObject(value)) return void problems.push({ kind: 'serialization', path, expected: 'structure' });
      for (const member of shape.required ?? []) {
        if (value[member] === undefined || value[member] === null) {
          problems.push({ kind: 'constraint', path: join(path, member), value: null, constraint: 'Member must not be null' });
        }
      }
      for (const [member, reference] of Object.entries(shape.members)) {
        if (member in value) checkValue(model, model.shapes[reference.shape]!, value[member], join(path, member), problems, options);
      }
      if (options.rejectUnknownMembers) {
        for (const member of Object.keys(value)) {
          if (!(member in shape.members)) problems.push({ kind: 'constraint', path: join(path, member), value: value[member], constraint: 'Member is not defined by the shape' });
        }
      }
      return;
    }
    case 'list': {
      if (!Array.isArray(value)) return void problems.push({ kind: 'serialization', path, expected: 'list' });
      checkSize(value.length, shape, path, value, problems);
      const memberShape = model.shapes[shape.member.shape]!;
      value.forEach((item, index) => checkValue(model, memberShape, item, `${join(path, String(index + 1))}.member`, problems, options));
      return;
    }
    case 'map': {
      if (!isPlainObject(value)) return void problems.push({ kind: 'serialization', path, expected: 'map' });
      checkSize(Object.keys(value).length, shape, path, value, problems);
      const keyShape = model.shapes[shape.key.shape]!;
      const valueShape = model.shapes[shape.value.shape]!;
      for (const [key, item] of Object.entries(value)) {
        checkValue(model, keyShape, key, `${path}.key`, problems, options);
        checkValue(model, valueShape, item, `${path}.value`, problems, options);
      }
      return;
    }
    case 'string': {
      if (typeof value !== 'string') return void problems.push({ kind: 'serialization', path, expected: 'string' });
      const length = [...value].length;
      if (shape.min !== undefined && length < shape.min) {
        problems.push({ kind: 'constraint', path, value, constraint: `Member must have length greater than or equal to ${shape.min}` });
      }
      if (shape.max !== undefined && length > shape.max) {
        problems.push({ kind: 'constraint', path, value, constraint: `Member must have length less than or equal to ${shape.max}` });
      }
      if (shape.enum && !shape.enum.includes(value)) {
        problems.push({ kind: 'constraint', path, value, constraint: `Member must satisfy enum value set: [${shape.enum.join(', ')}]` });
      }
      if (shape.pattern && !wholeMatch(shape.pattern).test(value)) {
        problems.push({ kind: 'constraint', path, value, constraint: `Member must satisfy regular expression pattern: ${shape.pattern}` });
      }
      return;
    }
    case 'integer':
    case 'long':
    case 'double': {
      if (typeof value !== 'number' || !Number.isFinite(value) || (shape.type !== 'double' && !Number.isInteger(value))) {
        return void problems.push({ kind: 'serialization', path, expected: shape.type });
      }
      if (shape.min !== undefined && value < shape.min) {
        problems.push({ kind: 'constraint', path, value, constraint: `Member must have value greater than or equal to ${shape.min}` });
      }
      if (shape.max !== undefined && value > shape.max) {
        problems.push({ kind: 'constraint', path, value, constraint: `Member must have value less than or equal to ${shape.max}` });
      }
      return;
    }
    case 'boolean':
      if (typeof value !== 'boolean') problems.push({ kind: 'serialization', path, expected: 'boolean' });
      return;
    case 'timestamp':
      if (typeof value !== 'number' && (typeof value !== 'string' || Number.isNaN(Date.parse(value)))) {
        problems.push({ kind: 'serialization', path, expected: 'timestamp' });
      }
      return;
    case 'blob':
      if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) problems.push({ kind: 'serialization', path, expected: 'blob' });
      return;
  }
}

function checkSize(size: number, shape: { min?: number; max?: number }, path: string, value: unknown, problems: InputProblem[]): void {
  if (shape.min !== undefined && size < shape.min) {
    problems.push({ kind: 'constraint', path, value, constraint: `Member must have length greater than or equal to ${shape.min}` });
  }
  if (shape.max !== undefined && size > shape.max) {
    problems.push({ kind: 'constraint', path, value, constraint: `Member must have length less than or equal to ${shape.max}` });
  }
}

const compiledPatterns = new Map<string, RegExp>();

function wholeMatch(pattern: string): RegExp {
  let regex = compiledPatterns.get(pattern);
  if (!regex) {
    regex = new RegExp(`^(?:${pattern})$`);
    compiledPatterns.set(pattern, regex);
  }
  return regex;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function join(path: string, member: string): string {
  return path === '' ? member : `${path}.${member}`;
}
