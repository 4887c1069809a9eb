/**
 * The package root (`import { change, schema, at, endpoint, version, versions } from 'verso'`): the
 * authoring API that the change modules in a project's `versions/` folder are written with, and
 * the types those modules use. Test helpers for changes are `verso/testing` (testing.ts); the
 * gateway itself runs from the `verso` CLI (cli/main.ts). Re-exports only.
 */

export { change, schema, endpoint, version, versions } from './translate/authoring.js';
export { at } from './translate/typed.js';
export type { VersoRegister, TypedSchema, TypedField } from './translate/typed.js';
export type {
  Change, Instruction, FieldInstruction, EndpointInstruction, Json, JsonObject, JsonSchema,
  RequestParts, ResponseParts, VersionBundle, VersionEntry,
} from './translate/authoring.js';
