/**
 * @module A small JSON schema validator for REST request bodies: strings, integers, booleans, arrays and
 * objects with known fields. Every problem is reported with the field's path and what is accepted, so a
 * client sees `field 'parallelism': expected an integer from 1 to 32768, got "four"`.
 */

export type JsonSchema =
  | { readonly type: 'string'; readonly minLength?: number; readonly maxLength?: number; readonly pattern?: RegExp; readonly description?: string }
  | { readonly type: 'integer'; readonly minimum?: number; readonly maximum?: number }
  | { readonly type: 'boolean' }
  | { readonly type: 'array'; readonly items: JsonSchema; readonly maxItems?: number }
  | {
      readonly type: 'object';
      readonly properties?: Readonly<Record<string, JsonSchema>>;
      readonly required?: readonly string[];
      /** false (the default): fields not in `properties` are errors; a schema: what every other field must be. */
      readonly additionalProperties?: false | JsonSchema;
      readonly maxProperties?: number;
    };

/**
 * Checks `value` against `schema`; returns one message per problem, empty when it conforms. `path`
 * names the value in messages (a body's fields are named by their key, nested ones as `a.b`, `a[0]`).
 *
 * @example
 * validateJson({ type: 'object', properties: { drain: { type: 'boolean' } } }, { drain: 'yes' });
 * // ["field 'drain': expected true or false, got \"yes\""]
 */
export function validateJson(schema: JsonSchema, value: unknown, path = ''): string[] {
  const errors: string[] = [];
  check(schema, value, path, errors);
  return errors;
}

function check(schema: JsonSchema, value: unknown, path: string, errors: string[]): void {
  const where = path === '' ? 'the request body' : `field '${path}'`;
  const fail = (expected: string): void => {
    errors.push(`${where}: expected ${expected}, got ${show(value)}`);
  };
  switch (schema.type) {
    case 'string': {
      if (typeof value !== 'string') return fail('a string');
      const min = schema.minLength ?? 0;
      if (value.length < min) return fail(min === 1 ? 'a non-empty string' : `a string of at least ${min} characters`);
      if (schema.maxLength !== undefined && value.length > schema.maxLength) return fail(`a string of at most ${schema.maxLength} characters`);
      if (schema.pattern !== undefined && !schema.pattern.test(value)) fail(schema.description ?? `a string matching ${String(schema.pattern)}`);
      return;
    }
    case 'integer': {
      const min = schema.minimum ?? Number.MIN_SAFE_INTEGER;
      const max = schema.maximum ?? Number.MAX_SAFE_INTEGER;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) fail(`an integer from ${min} to ${max}`);
      return;
    }
    case 'boolean':
      if (typeof value !== 'boolean') fail('true or false');
      return;
    case 'array': {
      if (!Array.isArray(value)) return fail('an array');
      if (schema.maxItems !== undefined && value.length > schema.maxItems) return fail(`an array of at most ${schema.maxItems} items`);
      value.forEach((item: unknown, i) => check(schema.items, item, `${path}[${i}]`, errors));
      return;
    }
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return fail('an object');
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record);
      if (schema.maxProperties !== undefined && keys.length > schema.maxProperties) return fail(`an object of at most ${schema.maxProperties} fields`);
      const properties = schema.properties ?? {};
      const child = (key: string): string => (path === '' ? key : `${path}.${key}`);
      for (const key of schema.required ?? []) {
        if (!Object.hasOwn(record, key)) errors.push(`field '${child(key)}' is required`);
      }
      for (const key of keys) {
        const fieldSchema = Object.hasOwn(properties, key) ? properties[key] : schema.additionalProperties;
        if (fieldSchema === undefined || fieldSchema === false) {
          const known = Object.keys(properties);
          errors.push(`unknown field '${child(key)}'${known.length === 0 ? '' : ` (accepted: ${known.join(', ')})`}`);
          continue;
        }
        check(fieldSchema, record[key], child(key), errors);
      }
      return;
    }
  }
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
