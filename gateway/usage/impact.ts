/**
 * Migration impact: what a client at version V meets when it moves to the head, restricted to
 * the operations it calls. Read from the change model, never from traffic: a change touches an
 * operation when the chain for (operation, V → head) names it (a schema it rewrites occurs in the
 * operation's request or responses, or an endpoint instruction such as a header rename or hook
 * applies), or when an endpoint instruction between V and the head names the operation (a renamed
 * path matters to a client even though no body changes).
 *
 * Reports ask for thousands of clients, so the change ids are computed once per (operation,
 * version) on first use and cached; answering is then a few map lookups.
 */

import { LRUCache } from 'lru-cache';
import { buildRequestChain, buildResponseChain, stepsBetween } from '../translate/chain.js';
import type { VersionModel } from '../translate/model.js';
import type { Translator } from '../translate/translator.js';
import type { ImpactChange } from './api-types.js';

export interface Impact {
  /**
   * The changes between `version` and the head that touch any of `operations` (head operation
   * keys), oldest version first and in the bundle's order within a version. Each lists the given
   * operations it touches, sorted. The answer is frozen and shared by every caller asking the
   * same question (reports ask it for thousands of clients). Operations the model does not know (the head no longer has
   * them, or the `GET /orders/*` form recorded for unmatched paths) contribute nothing; so does
   * an unknown version, and the head itself.
   */
  of(version: string, operations: Iterable<string>): ImpactChange[];
}

/** Without changes configured there is nothing to migrate through: every answer is empty. */
export const NO_IMPACT: Impact = { of: () => [] };

/** Descriptions are prose over several lines; a report shows one line, as the changelog does. */
function oneLine(text: string): string {
  return text.trim().replace(/\s+/g, ' ');
}

export function createImpact(translator: Translator | undefined): Impact {
  return translator ? new ModelImpact(translator.model) : NO_IMPACT;
}

/** Distinct (version, operation set) answers kept; most clients of a version call the same few sets. */
const ANSWER_CACHE_LIMIT = 10_000;

class ModelImpact implements Impact {
  /** Change id → what a report shows of it, and its position (version oldest first, then bundle order). */
  private readonly changes = new Map<string, { version: string; description: string; rank: number }>();
  /** `${version}\0${operation}` → change ids touching it, or empty. */
  private readonly perOperation = new Map<string, readonly string[]>();
  /** `${version}\0${sorted operations}` → the answer, frozen and shared between clients asking the same. */
  private readonly answers = new LRUCache<string, ImpactChange[]>({ max: ANSWER_CACHE_LIMIT });
  private readonly headOperations: ReadonlySet<string>;

  constructor(private readonly model: VersionModel) {
    const versionIndex = new Map(model.versions.map((v, i) => [v, i]));
    // model.changes lists the newest version first; rank puts the oldest version first and keeps
    // the bundle's order within one version.
    model.changes.forEach((change, i) => {
      this.changes.set(change.id, { version: change.version, description: oneLine(change.change.description), rank: versionIndex.get(change.version)! * 1e6 + i });
    });
    this.headOperations = new Set(model.operationKeys.get(model.head)!.keys());
  }

  of(version: string, operations: Iterable<string>): ImpactChange[] {
    if (version === this.model.head || !this.model.operationKeys.has(version)) return [];
    const sorted = [...new Set(operations)].sort();
    const key = `${version}\u0000${sorted.join('\u0000')}`;
    let answer = this.answers.get(key);
    if (answer === undefined) {
      answer = this.compute(version, sorted);
      this.answers.set(key, answer);
    }
    return answer;
  }

  private compute(version: string, sortedOperations: string[]): ImpactChange[] {
    const touched = new Map<string, string[]>();
    for (const operation of sortedOperations) {
      for (const id of this.changeIds(version, operation)) {
        const ops = touched.get(id);
        if (ops) ops.push(operation);
        else touched.set(id, [operation]);
      }
    }
    const answer = [...touched]
      .map(([id, ops]) => ({ id, ops, ...this.changes.get(id)! }))
      .sort((a, b) => a.rank - b.rank)
      .map(({ id, ops, version: introducedBy, description }) => Object.freeze({
        change: id,
        version: introducedBy,
        description,
        operations: Object.freeze(ops) as string[],
      }));
    return Object.freeze(answer) as ImpactChange[];
  }

  private changeIds(version: string, operation: string): readonly string[] {
    const key = `${version}\u0000${operation}`;
    let ids = this.perOperation.get(key);
    if (ids === undefined) {
      ids = this.touching(version, operation);
      this.perOperation.set(key, ids);
    }
    return ids;
  }

  private touching(version: string, operation: string): string[] {
    // Not a head operation, or one the client's version does not have (added later): a client
    // at this version cannot be calling it successfully, so moving changes nothing for it.
    if (!this.headOperations.has(operation) || !this.model.operationKeys.get(version)!.has(operation)) return [];
    const { model } = this;
    const ids = new Set<string>([
      ...buildRequestChain(model, operation, version, model.head).changeIds,
      ...buildResponseChain(model, operation, model.head, version).changeIds,
    ]);
    for (const { step } of stepsBetween(model, version, model.head)) {
      for (const { changeId } of step.endpoints.get(operation) ?? []) ids.add(changeId);
    }
    return [...ids].filter((id) => this.changes.has(id));
  }
}
