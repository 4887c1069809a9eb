/**
 * Paths to a field inside one schema's objects, for `field('service.name').movedFrom('serviceName')`
 * (issue 11): dot-separated property names, each optionally `[0]`, the one entry of an array
 * (`metrics[0].resource.target`). On bodies: read, remove (pruning the objects and one-entry
 * arrays the removal empties) and write (creating what the path needs). On schemas: find the
 * property's schema and its holder through inline objects, `$ref`s, arrays and inline `allOf`
 * parts, and add one, creating inline objects on the way.
 */

import type { Json, JsonObject } from './authoring.js';
import { itemsOf, resolveSchema, type OpenApiDocument, type SchemaObject } from './spec.js';

export interface Segment { name: string; entry: boolean }

const SEGMENT = /^([A-Za-z0-9_$@-]+)(\[0\])?$/;

/** `service.name` → segments; undefined when the text is no path. */
export function parsePath(text: string): Segment[] | undefined {
  const parts = text.split('.');
  const segments: Segment[] = [];
  for (const part of parts) {
    const match = SEGMENT.exec(part);
    if (!match) return undefined;
    segments.push({ name: match[1], entry: match[2] !== undefined });
  }
  return segments;
}

export function isPath(text: string): boolean {
  return text.includes('.') || text.includes('[');
}

/** The value at `path` in `object`, or undefined. */
export function getAt(object: JsonObject, path: Segment[]): Json | undefined {
  let current: Json | undefined = object;
  for (const { name, entry } of path) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = current[name];
    if (entry) {
      if (!Array.isArray(current)) return undefined;
      current = current[0];
    }
  }
  return current;
}

/** Remove the value at `path`; containers on the path that it leaves empty go too. */
export function removeAt(object: JsonObject, path: Segment[]): void {
  const chain: { holder: JsonObject; name: string; entry: boolean }[] = [];
  let current: Json | undefined = object;
  for (const { name, entry } of path) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return;
    chain.push({ holder: current, name, entry });
    current = current[name];
    if (entry) {
      if (!Array.isArray(current)) return;
      current = current[0];
    }
  }
  for (let i = chain.length - 1; i >= 0; i--) {
    const { holder, name, entry } = chain[i];
    if (i === chain.length - 1 && !entry) {
      delete holder[name];
    } else if (i === chain.length - 1) {
      (holder[name] as Json[]).splice(0, 1);
      if ((holder[name] as Json[]).length === 0) delete holder[name];
    } else {
      const child = entry ? (holder[name] as Json[])[0] : holder[name];
      if (!isEmptyObject(child)) return;
      if (entry) {
        (holder[name] as Json[]).splice(0, 1);
        if ((holder[name] as Json[]).length === 0) delete holder[name];
      } else {
        delete holder[name];
      }
    }
  }
}

/** Write `value` at `path`, creating the objects and one-entry arrays it passes through. */
export function setAt(object: JsonObject, path: Segment[], value: Json): void {
  let current: JsonObject = object;
  path.forEach(({ name, entry }, i) => {
    const last = i === path.length - 1;
    if (entry) {
      let list = current[name];
      if (!Array.isArray(list)) list = current[name] = [];
      if (last) { list[0] = value; return; }
      if (list[0] === null || typeof list[0] !== 'object' || Array.isArray(list[0])) list[0] = {};
      current = list[0] as JsonObject;
    } else {
      if (last) { current[name] = value; return; }
      let next = current[name];
      if (next === null || typeof next !== 'object' || Array.isArray(next)) next = current[name] = {};
      current = next as JsonObject;
    }
  });
}

function isEmptyObject(value: Json | undefined): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0;
}

/** Where a property lives in a schema: the object schema that declares it, and its own schema. */
export interface SchemaSlot { holder: SchemaObject; schema: SchemaObject; required: boolean }

/** The property `path` names in `schema`, following `$ref`s, array items and inline `allOf` parts. */
export function slotAt(doc: OpenApiDocument, schema: SchemaObject | undefined, path: Segment[]): SchemaSlot | undefined {
  let current = resolveSchema(doc, schema);
  for (let i = 0; i < path.length; i++) {
    const { name, entry } = path[i];
    const holder = current && declaring(doc, current, name);
    if (!holder) return undefined;
    let property: SchemaObject = holder.properties![name];
    if (i === path.length - 1 && !entry) return { holder, schema: property, required: (holder.required ?? []).includes(name) };
    property = resolveSchema(doc, property)!;
    if (entry) {
      const items = property && itemsOf(property);
      if (!items) return undefined;
      if (i === path.length - 1) return { holder, schema: items, required: (holder.required ?? []).includes(name) };
      property = resolveSchema(doc, items)!;
    }
    current = property;
  }
  return undefined;
}

function declaring(doc: OpenApiDocument, schema: SchemaObject, name: string): SchemaObject | undefined {
  if (schema.properties?.[name] !== undefined) return schema;
  for (const part of (schema.allOf ?? []) as SchemaObject[]) {
    const found = declaring(doc, resolveSchema(doc, part) ?? part, name);
    if (found) return found;
  }
  return undefined;
}

/**
 * Remove the property at `path` from `schema`; properties on the path whose object schema it
 * leaves with no properties go too (the previous version had none of them).
 */
export function removeSlot(doc: OpenApiDocument, schema: SchemaObject, path: Segment[]): void {
  const slot = slotAt(doc, schema, path);
  if (!slot) return;
  const name = path[path.length - 1].name;
  const { [name]: _removed, ...rest } = slot.holder.properties!;
  slot.holder.properties = rest;
  if (slot.holder.required) slot.holder.required = slot.holder.required.filter((r: string) => r !== name);
  if (Object.keys(rest).length === 0 && path.length > 1) removeSlot(doc, schema, path.slice(0, -1));
}

/** Add `property` at `path` in `schema`, creating inline object schemas (and one-entry arrays) it needs. */
export function addSlot(doc: OpenApiDocument, schema: SchemaObject, path: Segment[], property: SchemaObject, required: boolean): void {
  let current = resolveSchema(doc, schema)!;
  path.forEach(({ name, entry }, i) => {
    const last = i === path.length - 1;
    const holder = declaring(doc, current, name) ?? current;
    holder.properties = { ...holder.properties };
    if (last && !entry) {
      holder.properties[name] = property;
      if (required) holder.required = [...new Set([...(holder.required ?? []), name])];
      return;
    }
    let child: SchemaObject | undefined = holder.properties[name] && resolveSchema(doc, holder.properties[name]);
    if (!child) {
      child = entry ? { type: 'array', minItems: 1, maxItems: 1, items: { type: 'object', properties: {} } } : { type: 'object', properties: {} };
      holder.properties[name] = child;
      if (required) holder.required = [...new Set([...(holder.required ?? []), name])];
    }
    if (entry) {
      if (last) { (child as { items?: SchemaObject }).items = property; return; }
      child = resolveSchema(doc, itemsOf(child))!;
    }
    current = child;
  });
}
