/**
 * The authoring API for changes: what an engineer writes in `versions/`. Exported from the
 * package root (`import { change, schema, endpoint, versions, version } from 'verso'`).
 *
 * A change describes one backwards-incompatible difference that a version introduced, from the
 * point of view of that (newer) version: "in 2025-06-01, `Order.customer_id` was renamed from
 * `customer`". The engine derives both directions from it: requests are moved up (older → newer)
 * and responses down (newer → older), and the older version's OpenAPI document is derived from
 * the newer one. Functions given here must be pure: no I/O, no logging, no clock.
 */

/**
 * A JSON Schema fragment (the head document's OpenAPI 3.0 or 3.1 dialect), such as how an older
 * version described a field. Loose on purpose: a schema kept in a `const` has `type: string`,
 * which openapi-types' SchemaObject (what the engine reads documents as) does not accept.
 */
export type JsonSchema = Record<string, unknown>;

/** A JSON value as it appears in a body. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A JSON object as it appears in a body. */
export type JsonObject = { [key: string]: Json };

/** The part of a request an operation's `request` function sees and may change (moved up). */
export interface RequestParts {
  body: Json | undefined;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  query: Record<string, string | string[]>;
}

/** The part of a response an operation's `response` function sees and may change (moved down). */
export interface ResponseParts {
  status: number;
  body: Json | undefined;
  /** Lower-cased header names. */
  headers: Record<string, string>;
}

export type FieldInstruction =
  | { kind: 'field-renamed'; schema: string; field: string; from: string }
  | { kind: 'field-added'; schema: string; field: string; default?: Json | ((object: JsonObject) => Json) }
  | {
    kind: 'field-removed'; schema: string; field: string; fieldSchema: JsonSchema; required: boolean;
    derive: (object: JsonObject) => Json | undefined; up?: (value: Json, object: JsonObject) => void;
    /** The `default` when no `derive` is given: a constant needs no look at the object. */
    constant?: Json;
  }
  | { kind: 'field-converted'; schema: string; field: string; fieldSchema: JsonSchema; up: (value: Json) => Json; down: (value: Json) => Json }
  | { kind: 'enum-renamed'; schema: string; field: string; from: string; to: string }
  | { kind: 'field-moved'; schema: string; field: string; from: string }
  | {
    /** The field's requiredness or nullability changed in this version; `default` stands in where the previous version's clients meet the difference. */
    kind: 'field-constraint'; schema: string; field: string;
    change: 'became-required' | 'became-optional' | 'became-nullable' | 'became-non-nullable';
    default?: Json | ((object: JsonObject) => Json);
  }
  | { kind: 'schema-renamed'; schema: string; from: string }
  | { kind: 'schema-converted'; schema: string; up?: (object: JsonObject) => void; down?: (object: JsonObject) => void };

export type EndpointInstruction =
  | { kind: 'endpoint-added'; operation: string }
  | {
    /** `operation` (`METHOD /path`) existed in the previous version and not in this one; `spec` is its OpenAPI operation there. */
    kind: 'endpoint-removed'; operation: string; spec: Record<string, unknown>;
  }
  | { kind: 'endpoint-renamed'; operation: string; fromPath: string }
  | { kind: 'status-changed'; operation: string; from: number; to: number }
  | { kind: 'header-renamed'; operation: string; in: 'request' | 'response'; from: string; to: string }
  | { kind: 'request-hook'; operation: string; fn: (request: RequestParts) => void }
  | { kind: 'response-hook'; operation: string; fn: (response: ResponseParts) => void; status?: number; schema?: JsonSchema };

export type Instruction = FieldInstruction | EndpointInstruction;

/** One change: a description (it becomes the changelog entry) and its instructions. */
export interface Change {
  readonly kind: 'verso.change';
  readonly description: string;
  readonly instructions: readonly Instruction[];
}

/**
 * Declare a change. The description is required: it is the changelog entry and appears in
 * deprecation impact reports, so write it for the client developer who must migrate.
 *
 * @example
 * ```ts
 * // versions/2025-06-01/order-customer-renamed.ts
 * import { change, schema } from 'verso';
 *
 * export default change({
 *   description: 'Order.customer was renamed to customer_id.',
 *   instructions: [schema('Order').field('customer_id').renamedFrom('customer')],
 * });
 * ```
 */
export function change(definition: { description: string; instructions: Instruction[] }): Change {
  return Object.freeze({ kind: 'verso.change' as const, description: definition.description, instructions: Object.freeze([...definition.instructions]) });
}

/**
 * Instructions about one component schema of the head OpenAPI document (as it is at the version
 * the change belongs to). They apply wherever the schema occurs in any operation's request or
 * response: nested, in arrays, through `$ref`, `allOf`, `oneOf` and `anyOf`.
 *
 * @example
 * ```ts
 * schema('Order').field('status').enumValueRenamed({ from: 'cancelled', to: 'canceled' })
 * ```
 */
export function schema(name: string) {
  return {
    /**
     * Instructions about one field of this schema, named as it is in this change's version.
     *
     * @example
     * ```ts
     * schema('Order').field('customer_id').renamedFrom('customer')
     * ```
     */
    field(field: string) {
      return fieldInstructions(name, field);
    },
    /**
     * The schema was called `from` in the previous version. Only the derived OpenAPI documents
     * change; bodies are untouched (names of schemas do not appear in JSON).
     *
     * @example
     * ```ts
     * schema('Order').renamedFrom('Purchase')
     * ```
     */
    renamedFrom(from: string): FieldInstruction {
      return { kind: 'schema-renamed', schema: name, from };
    },
    /**
     * Escape hatch: functions run on every object of this schema, wherever it occurs. `up` moves
     * an object of the previous version's shape to this version's; `down` the reverse. They
     * mutate the object in place.
     *
     * @example
     * ```ts
     * schema('Customer').converted({
     *   down: (c) => { c.full_name = c.name; delete c.name; },
     *   up: (c) => { c.name = c.full_name; delete c.full_name; },
     * })
     * ```
     */
    converted(fns: { up?: (object: JsonObject) => void; down?: (object: JsonObject) => void }): FieldInstruction {
      return { kind: 'schema-converted', schema: name, up: fns.up, down: fns.down };
    },
  };
}

function fieldInstructions(schemaName: string, field: string) {
  return {
    /**
     * The field was called `from` in the previous version.
     *
     * @example
     * ```ts
     * schema('Order').field('customer_id').renamedFrom('customer')
     * ```
     */
    renamedFrom(from: string): FieldInstruction {
      return { kind: 'field-renamed', schema: schemaName, field, from };
    },
    /**
     * The field is new in this version. Older clients never see it; their requests get
     * `default` (a value, or a function of the object) when they do not send it.
     *
     * @example
     * ```ts
     * schema('OrderCreate').field('currency').added({ default: 'usd' })
     * ```
     */
    added(options: { default?: Json | ((object: JsonObject) => Json) } = {}): FieldInstruction {
      return { kind: 'field-added', schema: schemaName, field, default: options.default };
    },
    /**
     * The field existed in the previous version and is gone from this one. Older clients still
     * get it: from `derive` (a function of the object in this version's shape) or `default`.
     * What they send is dropped, or mapped into the newer object by `up`.
     *
     * @example
     * ```ts
     * schema('Order').field('total_cents').removed({
     *   schema: { type: 'integer' },
     *   derive: (order) => order.amount,
     * })
     * ```
     */
    removed(options: {
      schema: JsonSchema;
      default?: Json;
      derive?: (object: JsonObject) => Json | undefined;
      up?: (value: Json, object: JsonObject) => void;
      /** Whether older versions listed the field as required (default true when derived or defaulted). */
      required?: boolean;
    }): FieldInstruction {
      const fallback = options.default;
      const derive = options.derive ?? (() => fallback);
      return {
        kind: 'field-removed', schema: schemaName, field, fieldSchema: options.schema,
        required: options.required ?? (options.derive !== undefined || options.default !== undefined),
        derive, up: options.up,
        constant: options.derive === undefined ? fallback : undefined,
      };
    },
    /**
     * The field changed type or unit. `schema` is how the previous version described it; `up`
     * converts an old value to the new form, `down` a new value to the old form.
     *
     * @example
     * ```ts
     * schema('Order').field('amount').converted({
     *   schema: { type: 'string', pattern: '^\\d+\\.\\d{2}$' },
     *   up: (v) => Math.round(Number(v) * 100),
     *   down: (v) => (Number(v) / 100).toFixed(2),
     * })
     * ```
     */
    converted(options: { schema: JsonSchema; up: (value: Json) => Json; down: (value: Json) => Json }): FieldInstruction {
      return { kind: 'field-converted', schema: schemaName, field, fieldSchema: options.schema, up: options.up, down: options.down };
    },
    /**
     * One value of this enum field was spelled `from` in the previous version.
     *
     * @example
     * ```ts
     * schema('Order').field('status').enumValueRenamed({ from: 'cancelled', to: 'canceled' })
     * ```
     */
    enumValueRenamed(options: { from: string; to: string }): FieldInstruction {
      return { kind: 'enum-renamed', schema: schemaName, field, from: options.from, to: options.to };
    },
    /**
     * The field moved: in this version it is at this path (`service.name`, `metrics[0].resource.target`:
     * dot-separated properties, `[0]` for the one entry of an array), and in the previous version it
     * was at `from`. Objects and one-entry arrays on the way are created where the value moves in,
     * and removed where the move leaves them empty.
     *
     * @example
     * ```ts
     * schema('IngressBackend').field('service.name').movedFrom('serviceName')
     * ```
     */
    movedFrom(from: string): FieldInstruction {
      return { kind: 'field-moved', schema: schemaName, field, from };
    },
    /**
     * The field is required in this version and was optional before. The previous version's
     * document lists it as optional; its clients' requests without it get `default` (a value, or
     * a function of the object).
     *
     * @example
     * ```ts
     * schema('OrderCreate').field('currency').becameRequired({ default: 'usd' })
     * ```
     */
    becameRequired(options: { default: Json | ((object: JsonObject) => Json) }): FieldInstruction {
      return { kind: 'field-constraint', schema: schemaName, field, change: 'became-required', default: options.default };
    },
    /**
     * The field is optional in this version and was required before. The previous version's
     * document lists it as required; its clients get `default` in responses that leave it out.
     *
     * @example
     * ```ts
     * schema('Order').field('shipping_address').becameOptional({ default: (order) => order.billing_address })
     * ```
     */
    becameOptional(options: { default: Json | ((object: JsonObject) => Json) }): FieldInstruction {
      return { kind: 'field-constraint', schema: schemaName, field, change: 'became-optional', default: options.default };
    },
    /**
     * The field may be null in this version and could not be before. The previous version's
     * document does not allow null; its clients get `default` instead of a null.
     *
     * @example
     * ```ts
     * schema('Customer').field('phone').becameNullable({ default: '' })
     * ```
     */
    becameNullable(options: { default: Json | ((object: JsonObject) => Json) }): FieldInstruction {
      return { kind: 'field-constraint', schema: schemaName, field, change: 'became-nullable', default: options.default };
    },
    /**
     * The field may no longer be null, and could be before. The previous version's document allows
     * null; a null its clients send becomes `default`, or, without one, the field is left out.
     *
     * @example
     * ```ts
     * schema('OrderCreate').field('note').becameNonNullable({ default: '' })
     * ```
     */
    becameNonNullable(options: { default?: Json | ((object: JsonObject) => Json) } = {}): FieldInstruction {
      return { kind: 'field-constraint', schema: schemaName, field, change: 'became-non-nullable', default: options.default };
    },
  };
}

/**
 * Instructions about one operation, named `METHOD /path/{template}` as in this change's version
 * (or by its `operationId`).
 *
 * @example
 * ```ts
 * endpoint('POST /orders').statusChanged({ from: 200, to: 201 })
 * ```
 */
export function endpoint(operation: string) {
  return {
    /**
     * The endpoint is new in this version: older versions answer 404 problem+json.
     *
     * @example
     * ```ts
     * endpoint('GET /customers/{id}').added()
     * ```
     */
    added(): EndpointInstruction {
      return { kind: 'endpoint-added', operation };
    },
    /**
     * The endpoint is gone from this version but the previous version had it (name it
     * `METHOD /path`, as it was). Older clients keep it: their requests go to the upstream as they
     * are, which must still answer them; clients of this version and newer get 404 problem+json.
     * `operation` is its OpenAPI operation object in the older documents.
     *
     * @example
     * ```ts
     * endpoint('GET /orders/{id}/summary').removed({ operation: { summary: 'An order in one line', responses: { 200: { description: 'The summary.' } } } })
     * ```
     */
    removed(options: { operation?: Record<string, unknown> } = {}): EndpointInstruction {
      return { kind: 'endpoint-removed', operation, spec: options.operation ?? { responses: { 200: { description: 'OK' } } } };
    },
    /**
     * The endpoint's path was `fromPath` in the previous version; older clients' requests to it
     * are mapped to the new path (path parameters carried over by name).
     *
     * @example
     * ```ts
     * endpoint('GET /orders/{id}').renamedFrom('/purchases/{id}')
     * ```
     */
    renamedFrom(fromPath: string): EndpointInstruction {
      return { kind: 'endpoint-renamed', operation, fromPath };
    },
    /**
     * A status code changed: older clients get `from` where this version answers `to`.
     *
     * @example
     * ```ts
     * endpoint('POST /orders').statusChanged({ from: 200, to: 201 })
     * ```
     */
    statusChanged(options: { from: number; to: number }): EndpointInstruction {
      return { kind: 'status-changed', operation, from: options.from, to: options.to };
    },
    /**
     * A header was called `from` in the previous version.
     *
     * @example
     * ```ts
     * endpoint('GET /orders').headerRenamed({ in: 'response', from: 'X-Total', to: 'X-Total-Count' })
     * ```
     */
    headerRenamed(options: { in: 'request' | 'response'; from: string; to: string }): EndpointInstruction {
      return { kind: 'header-renamed', operation, in: options.in, from: options.from.toLowerCase(), to: options.to.toLowerCase() };
    },
    /**
     * Escape hatch: move a request of the previous version's shape up to this version's. Runs
     * after the declarative instructions of the same change. Mutate `request` in place.
     *
     * @example
     * ```ts
     * endpoint('GET /orders').request((req) => { if (req.query.page) req.query.limit = '10'; })
     * ```
     */
    request(fn: (request: RequestParts) => void): EndpointInstruction {
      return { kind: 'request-hook', operation, fn };
    },
    /**
     * Escape hatch: move a response down to the previous version's shape. `status` limits it to
     * one status code; `schema` is the previous version's body schema for that status, for the
     * derived OpenAPI document. Mutate `response` in place (assign `response.body` to replace it).
     *
     * @example
     * ```ts
     * endpoint('GET /orders').response((res) => { res.body = (res.body as JsonObject).data; }, {
     *   status: 200,
     *   schema: { type: 'array', items: { $ref: '#/components/schemas/Order' } },
     * })
     * ```
     */
    response(fn: (response: ResponseParts) => void, options: { status?: number; schema?: JsonSchema } = {}): EndpointInstruction {
      return { kind: 'response-hook', operation, fn, status: options.status, schema: options.schema };
    },
  };
}

/** One version and the changes it introduced. */
export interface VersionEntry { readonly id: string; readonly changes: readonly Change[] }

/**
 * A version and the changes it introduced (none for the oldest).
 *
 * @example
 * ```ts
 * version('2025-06-01', orderCustomerRenamed, orderStatusCanceled)
 * ```
 */
export function version(id: string, ...changes: Change[]): VersionEntry {
  return Object.freeze({ id, changes: Object.freeze([...changes]) });
}

/** The ordered version list with their changes: `versions/index.ts`'s default export. */
export interface VersionBundle { readonly kind: 'verso.bundle'; readonly versions: readonly VersionEntry[] }

/**
 * The versions, newest first, each with the changes it introduced. The ids must match
 * `versions` in the gateway config, and the oldest version carries no changes.
 *
 * @example
 * ```ts
 * // versions/index.ts
 * export default versions(
 *   version('2025-06-01', orderCustomerRenamed),
 *   version('2024-09-01', amountMinorUnits),
 *   version('2024-01-01'),
 * );
 * ```
 */
export function versions(...entries: VersionEntry[]): VersionBundle {
  return Object.freeze({ kind: 'verso.bundle' as const, versions: Object.freeze([...entries]) });
}
