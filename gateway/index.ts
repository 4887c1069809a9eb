/**
 * The package root: the authoring API for changes (`import { change, schema } from 'verso'`),
 * the test helper for adapter authors, and the gateway for embedding.
 */

export { change, schema, endpoint, version, versions } from './translate/authoring.js';
export type {
  Change, Instruction, FieldInstruction, EndpointInstruction, Json, JsonObject, JsonSchema,
  RequestParts, ResponseParts, VersionBundle, VersionEntry,
} from './translate/authoring.js';
