/**
 * @module Types.object's serializer: it compiles a write, read and copy function for its field list
 * with `new Function`, so a record costs a straight run of typed writes with no loop or lookup per field.
 */
import { invalidOption } from '../core/options.ts';
import type { DataInput } from './data-input.ts';
import type { DataOutput } from './data-output.ts';
import { OptionalSerializer, OptionalTag, optionalWithoutValue } from './composite-serializers.ts';
import { inlineCodecOf } from './primitive-serializers.ts';
import type { InlineCodec } from './primitive-serializers.ts';
import { expectedType, typeMismatch, withPathSegment } from './type-mismatch.ts';
import type { TypeDescription, TypeSerializer } from './type-serializer.ts';

/** The field serializers of an object type, by field name. */
export type FieldSerializers = Readonly<Record<string, TypeSerializer<unknown>>>;

/** How one field is compiled: pasted-in code for primitives (and optional primitives), a call otherwise. */
type FieldPlan =
  | { readonly kind: 'inline'; readonly codec: InlineCodec }
  | { readonly kind: 'optional-inline'; readonly codec: InlineCodec }
  | { readonly kind: 'call' };

interface CompiledCodec<T> {
  readonly write: (value: T, out: DataOutput) => void;
  readonly read: (input: DataInput) => T;
  readonly copy: (value: T) => T;
}

/**
 * An object with a fixed list of fields, written in the order of `Object.keys(fields)` with no names
 * or count. `write` fails on a missing or mistyped field, naming it; properties that are not declared
 * are not written. `read` always returns an object with every declared field, in declaration order
 * (an absent optional field reads as `undefined`), so all records of one type share one hidden class.
 */
export class ObjectSerializer<T extends object> implements TypeSerializer<T> {
  readonly fields: FieldSerializers;
  readonly write: (value: T, out: DataOutput) => void;
  readonly read: (input: DataInput) => T;
  readonly copy: (value: T) => T;
  private readonly description: TypeDescription;

  constructor(fields: FieldSerializers) {
    const names = Object.keys(fields);
    const serializers = names.map((name) => checkField(name, fields[name]));
    this.fields = Object.freeze(Object.fromEntries(names.map((name, i) => [name, serializers[i] as TypeSerializer<unknown>])));
    const described: Record<string, TypeDescription> = {};
    for (let i = 0; i < names.length; i++) described[names[i] as string] = (serializers[i] as TypeSerializer<unknown>).describe();
    this.description = Object.freeze({ type: 'object', fields: Object.freeze(described) });
    const codec = compile<T>(names, serializers, this.description);
    this.write = codec.write;
    this.read = codec.read;
    this.copy = codec.copy;
  }

  describe(): TypeDescription {
    return this.description;
  }
}

function checkField(name: string, serializer: unknown): TypeSerializer<unknown> {
  // A literal '__proto__' key would set the prototype of the objects `read` builds instead of a field.
  if (name === '__proto__') invalidOption(`fields.${name}`, name, 'any field name except __proto__', 'Types.object');
  const candidate = serializer as Partial<TypeSerializer<unknown>> | null | undefined;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.write !== 'function' ||
    typeof candidate.read !== 'function' ||
    typeof candidate.copy !== 'function' ||
    typeof candidate.describe !== 'function'
  ) {
    invalidOption(`fields.${name}`, serializer, 'a type serializer such as Types.string', 'Types.object');
  }
  return candidate as TypeSerializer<unknown>;
}

function planField(serializer: TypeSerializer<unknown>): FieldPlan {
  const codec = inlineCodecOf(serializer);
  if (codec !== undefined) return { kind: 'inline', codec };
  if (serializer instanceof OptionalSerializer) {
    const inner = inlineCodecOf(serializer.of as TypeSerializer<unknown>);
    if (inner !== undefined) return { kind: 'optional-inline', codec: inner };
  }
  return { kind: 'call' };
}

function compile<T>(names: readonly string[], serializers: readonly TypeSerializer<unknown>[], description: TypeDescription): CompiledCodec<T> {
  const plans = serializers.map(planField);
  // Field names enter the code only as JSON string literals, which cannot break out of the expression.
  const keys = names.map((name) => JSON.stringify(name));
  const prelude: string[] = [];
  const writes: string[] = [];
  const reads: string[] = [];
  const copies: string[] = [];
  plans.forEach((plan, i) => {
    const key = keys[i] as string;
    writes.push(`v = value[${key}];`);
    if (plan.kind === 'inline') {
      writes.push(`if (!(${plan.codec.check})) throw fieldMismatch(${i}, value);`, `${plan.codec.write};`);
      reads.push(`const f${i} = ${plan.codec.read};`);
      copies.push(`${key}: value[${key}]`);
    } else if (plan.kind === 'optional-inline') {
      writes.push(
        `if (v === undefined) out.writeUint8(${OptionalTag.absent});`,
        `else if (v === null) out.writeUint8(${OptionalTag.null});`,
        `else if (${plan.codec.check}) { out.writeUint8(${OptionalTag.present}); ${plan.codec.write}; }`,
        `else throw fieldMismatch(${i}, value);`,
      );
      reads.push(`t = input.readUint8();`, `const f${i} = t === ${OptionalTag.present} ? ${plan.codec.read} : optionalWithoutValue(t, input);`);
      copies.push(`${key}: value[${key}]`);
    } else {
      prelude.push(`const s${i} = serializers[${i}];`);
      writes.push(`try { s${i}.write(v, out); } catch (error) { throw withPathSegment(error, names[${i}]); }`);
      reads.push(`const f${i} = s${i}.read(input);`);
      copies.push(`${key}: s${i}.copy(value[${key}])`);
    }
  });
  const fieldsLiteral = keys.map((key, i) => `${key}: f${i}`).join(', ');
  const source = `
${prelude.join('\n')}
function write(value, out) {
  if (typeof value !== 'object' || value === null) throw notAnObject(value);
  let v;
  ${writes.join('\n  ')}
}
function read(input) {
  let t;
  ${reads.join('\n  ')}
  return { ${fieldsLiteral} };
}
function copy(value) {
  return { ${copies.join(', ')} };
}
return { write, read, copy };`;

  const fieldMismatch = (index: number, value: Record<string, unknown>): unknown => {
    const name = names[index] as string;
    const expected = expectedType((serializers[index] as TypeSerializer<unknown>).describe());
    return withPathSegment(typeMismatch(expected, value[name], !(name in value)), name);
  };
  const notAnObject = (value: unknown): unknown => typeMismatch(expectedType(description), value);
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated per object type on purpose: specialised codecs run at hand-written speed
  const factory = new Function('serializers', 'names', 'fieldMismatch', 'notAnObject', 'withPathSegment', 'optionalWithoutValue', source) as (
    ...args: unknown[]
  ) => CompiledCodec<T>;
  return factory(serializers, names, fieldMismatch, notAnObject, withPathSegment, optionalWithoutValue);
}
