/**
 * Typed authoring (issue 11): `at(VERSION).schema(NAME)` is `schema(NAME)` with its names and
 * callbacks typed from each version's schemas. `verso types` writes a declaration file that fills
 * in `VersoRegister` (module augmentation of `verso`) from the derived OpenAPI documents; then an
 * unknown version, schema or field is a type error, and `converted({ up, down })` callbacks get
 * the value as the previous version and this one have it. Without that file everything is
 * accepted and typed as JSON, as with `schema()`. At run time `at()` is `schema()`: the types are
 * the whole point.
 *
 * @example
 * ```ts
 * import { at, change } from 'verso';
 *
 * export default change({
 *   description: 'Order.amount is an integer in minor units instead of a decimal string.',
 *   instructions: [
 *     at('2024-09-01').schema('Order').field('amount').converted({
 *       schema: { type: 'string' },
 *       up: (value) => Math.round(Number(value) * 100),   // value: string (2024-01-01's)
 *       down: (value) => (value / 100).toFixed(2),        // value: number (2024-09-01's)
 *     }),
 *   ],
 * });
 * ```
 */

import { schema, type FieldInstruction, type Json, type JsonObject, type JsonSchema } from './authoring.js';

/**
 * What `verso types` registers: per version, its component schemas as TypeScript types, and the
 * version before each one. Empty until that file is in the project.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface VersoRegister {}

type Registered = VersoRegister extends { schemas: infer S; previous: infer P } ? { schemas: S; previous: P } : { schemas: Record<string, Record<string, JsonObject>>; previous: Record<string, string> };
type Schemas = Registered['schemas'];
type VersionId = keyof Schemas & string;
type Previous<V> = V extends keyof Registered['previous'] ? Registered['previous'][V] : never;
type Shape<V, N> = V extends keyof Schemas ? (N extends keyof Schemas[V] ? Schemas[V][N] : JsonObject) : JsonObject;
type Prop<T, F> = T extends object ? (F extends keyof T ? Exclude<T[F], undefined> : Json) : Json;
type Names<T> = T extends object ? keyof T & string : string;

/** `schema()`'s field instructions, typed: `Now` is this version's value, `Before` the previous version's. */
export interface TypedField<Now, Before, Holder> {
  renamedFrom(from: string): FieldInstruction;
  added(options?: { default?: Now | ((object: Holder) => Now) }): FieldInstruction;
  removed(options: { schema: JsonSchema; default?: Before; derive?: (object: Holder) => Before | undefined; up?: (value: Before, object: Holder) => void; required?: boolean }): FieldInstruction;
  converted(options: { schema: JsonSchema; up: (value: Before) => Now; down: (value: Now) => Before }): FieldInstruction;
  enumValueRenamed(options: { from: string; to: string }): FieldInstruction;
  movedFrom(from: string): FieldInstruction;
  becameRequired(options: { default: Now | ((object: Holder) => Now) }): FieldInstruction;
  becameOptional(options: { default: Before | ((object: Holder) => Before) }): FieldInstruction;
  becameNullable(options: { default: Before | ((object: Holder) => Before) }): FieldInstruction;
  becameNonNullable(options?: { default?: Now | ((object: Holder) => Now) }): FieldInstruction;
}

/** `schema()` typed: fields this version or the previous one has (a removed field is only in the previous). */
export interface TypedSchema<Now, Before> {
  field<F extends Names<Now> | Names<Before>>(field: F): TypedField<Prop<Now, F>, Prop<Before, F>, Now>;
  renamedFrom(from: string): FieldInstruction;
  converted(fns: { up?: (object: Before) => void; down?: (object: Now) => void }): FieldInstruction;
}

/** Instructions about version `version`'s schemas, typed from the file `verso types` writes. */
export function at<V extends VersionId>(version: V): { schema<N extends keyof Schemas[V] & string>(name: N): TypedSchema<Shape<V, N>, Shape<Previous<V>, N>> } {
  void version;
  return { schema: (name) => schema(name) as unknown as TypedSchema<Shape<V, typeof name>, Shape<Previous<V>, typeof name>> };
}
