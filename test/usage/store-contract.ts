/**
 * The contract every usage store passes (SQLite and PostgreSQL run this same suite): writes add up
 * exactly, summaries and series group and filter as documented, clients and pins upsert, rollup
 * keeps totals, init is idempotent. `open` returns a new, initialised store on an empty database.
 */

import { afterEach, describe, expect, it } from 'vitest';
import type { ClientInfo, Dimension, UsageGroup, UsageRow, UsageStore } from '../../gateway/usage/store/types.js';

const M = 60_000;
const DAY = 86_400_000;
/** 2025-06-01T00:00:00Z, a UTC day start (so also a multiple of every minute step used here). */
export const T0 = Date.UTC(2025, 5, 1);

export function row(fields: Partial<UsageRow> & Pick<UsageRow, 'client' | 'bucket' | 'count'>): UsageRow {
  return {
    version: '2024-01-01',
    source: 'header',
    operation: 'GET /orders/{id}',
    statusClass: '2xx',
    granularity: 'minute',
    firstSeen: fields.bucket,
    lastSeen: fields.bucket,
    ...fields,
  };
}

/** Seven rows over three clients, two versions, four sources, two operations, three status classes, one day row. */
const FIXTURE: UsageRow[] = [
  row({ client: 'a', bucket: T0, count: 5, firstSeen: T0 + 1_000, lastSeen: T0 + 50_000 }),
  row({ client: 'a', bucket: T0 + M, count: 2, statusClass: '4xx', firstSeen: T0 + M + 100, lastSeen: T0 + M + 200 }),
  row({ client: 'a', bucket: T0 + 2 * M, count: 7, version: '2025-06-01', source: 'pin', operation: 'POST /orders', firstSeen: T0 + 2 * M + 1, lastSeen: T0 + 2 * M + 59_000 }),
  row({ client: 'b', bucket: T0 + M, count: 11, source: 'default', firstSeen: T0 + M + 5, lastSeen: T0 + M + 6 }),
  row({ client: 'b', bucket: T0 + 3 * M, count: 1, version: '2025-06-01', statusClass: '5xx', firstSeen: T0 + 3 * M + 10, lastSeen: T0 + 3 * M + 10 }),
  row({ client: 'c', bucket: T0 - DAY, count: 100, version: '2025-06-01', operation: 'POST /orders', granularity: 'day', firstSeen: T0 - DAY + 3_600_000, lastSeen: T0 - DAY + 7_200_000 }),
  row({ client: 'c', bucket: T0 + 2 * M, count: 3, version: '2025-06-01', source: 'query', firstSeen: T0 + 2 * M + 7, lastSeen: T0 + 2 * M + 8 }),
];

const CLIENTS: ClientInfo[] = [
  { id: 'a', kind: 'api-key', label: 'Acme' },
  { id: 'b', kind: 'header' },
  { id: 'c', kind: 'jwt', verified: true },
];

const DIMENSIONS: Dimension[] = ['client', 'version', 'source', 'operation', 'statusClass'];

/** What a summary must be, computed the plain way from the rows (used for every dimension combination). */
function expectedGroups(rows: UsageRow[], by: Dimension[]): UsageGroup[] {
  const groups = new Map<string, UsageGroup>();
  for (const r of rows) {
    const key = by.map((d) => r[d]).join('|');
    const g = groups.get(key);
    if (g) {
      g.count += r.count;
      g.firstSeen = Math.min(g.firstSeen, r.firstSeen);
      g.lastSeen = Math.max(g.lastSeen, r.lastSeen);
    } else {
      const fresh: UsageGroup = { count: r.count, firstSeen: r.firstSeen, lastSeen: r.lastSeen };
      for (const d of by) fresh[d] = r[d];
      groups.set(key, fresh);
    }
  }
  const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  return [...groups.values()].sort((a, b) => b.count - a.count || by.reduce((c, d) => c || cmp(a[d]!, b[d]!), 0));
}

function subsets<T>(items: T[]): T[][] {
  return items.reduce<T[][]>((all, item) => all.concat(all.map((s) => [...s, item])), [[]]);
}

export function storeContract(name: string, open: () => Promise<UsageStore>): void {
  describe(`${name} store contract`, () => {
    const opened: UsageStore[] = [];
    const fresh = async (): Promise<UsageStore> => {
      const store = await open();
      opened.push(store);
      return store;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    describe('writes', () => {
      it('adds counts of repeated writes and widens first and last seen', async () => {
        const store = await fresh();
        await store.write({ rows: [row({ client: 'a', bucket: T0, count: 3, firstSeen: T0 + 10, lastSeen: T0 + 20 })], clients: [] });
        await store.write({ rows: [row({ client: 'a', bucket: T0, count: 4, firstSeen: T0 + 5, lastSeen: T0 + 15 })], clients: [] });
        await store.write({ rows: [row({ client: 'a', bucket: T0, count: 1, firstSeen: T0 + 12, lastSeen: T0 + 30 })], clients: [] });
        expect(await store.summarize({}, DIMENSIONS)).toEqual([
          { client: 'a', version: '2024-01-01', source: 'header', operation: 'GET /orders/{id}', statusClass: '2xx', count: 8, firstSeen: T0 + 5, lastSeen: T0 + 30 },
        ]);
      });

      it('adds rows with the same key within one batch', async () => {
        const store = await fresh();
        await store.write({
          rows: [
            row({ client: 'a', bucket: T0, count: 2, firstSeen: T0 + 9, lastSeen: T0 + 9 }),
            row({ client: 'a', bucket: T0, count: 5, firstSeen: T0 + 3, lastSeen: T0 + 4 }),
          ],
          clients: [{ id: 'a', kind: 'header' }, { id: 'a', kind: 'header' }],
        });
        expect(await store.summarize({}, ['client'])).toEqual([{ client: 'a', count: 7, firstSeen: T0 + 3, lastSeen: T0 + 9 }]);
      });

      it('keeps a minute row and a day row of the same bucket apart, and sums both', async () => {
        const store = await fresh();
        await store.write({
          rows: [
            row({ client: 'a', bucket: T0, count: 2, granularity: 'minute' }),
            row({ client: 'a', bucket: T0, count: 40, granularity: 'day', firstSeen: T0 + 1, lastSeen: T0 + 2 }),
          ],
          clients: [],
        });
        expect(await store.summarize({}, [])).toEqual([{ count: 42, firstSeen: T0, lastSeen: T0 + 2 }]);
        // Folding the minute row into the day row proves they were two rows.
        expect(await store.rollup(T0 + DAY)).toBe(1);
        expect(await store.summarize({}, [])).toEqual([{ count: 42, firstSeen: T0, lastSeen: T0 + 2 }]);
      });

      it('writes a batch larger than one statement exactly', async () => {
        const store = await fresh();
        const rows = Array.from({ length: 1_234 }, (_, i) => row({ client: `client-${i}`, bucket: T0 + (i % 7) * M, count: i + 1 }));
        const clients = rows.map((r): ClientInfo => ({ id: r.client, kind: 'header' }));
        await store.write({ rows, clients });
        await store.write({ rows, clients });
        expect(await store.summarize({}, [])).toEqual([{ count: 2 * (1_234 * 1_235) / 2, firstSeen: T0, lastSeen: T0 + 6 * M }]);
        const groups = await store.summarize({}, ['client']);
        expect(groups.length).toBe(1_234);
        expect(groups[0]).toEqual({ client: 'client-1233', count: 2 * 1_234, firstSeen: T0 + 1233 % 7 * M, lastSeen: T0 + 1233 % 7 * M });
        expect((await store.clients()).length).toBe(1_234);
      });

      it('writes nothing of a batch that fails part-way', async () => {
        const store = await fresh();
        const rows = Array.from({ length: 1_200 }, (_, i) => row({ client: `client-${i}`, bucket: T0, count: 1 }));
        // Row 1,100 (in the third statement on PostgreSQL) breaks the granularity check.
        rows[1_100] = { ...rows[1_100], granularity: 'week' as UsageRow['granularity'] };
        await expect(store.write({ rows, clients: [{ id: 'client-0', kind: 'header' }] })).rejects.toThrow();
        expect(await store.summarize({}, [])).toEqual([{ count: 0, firstSeen: 0, lastSeen: 0 }]);
        expect(await store.clients()).toEqual([]);
      });

      it('accepts an empty batch', async () => {
        const store = await fresh();
        await store.write({ rows: [], clients: [] });
        expect(await store.summarize({}, [])).toEqual([{ count: 0, firstSeen: 0, lastSeen: 0 }]);
      });
    });

    describe('summarize', () => {
      it('sums everything into one group without dimensions', async () => {
        const store = await fresh();
        await store.write({ rows: FIXTURE, clients: CLIENTS });
        expect(await store.summarize({}, [])).toEqual([{ count: 129, firstSeen: T0 - DAY + 3_600_000, lastSeen: T0 + 3 * M + 10 }]);
      });

      it('answers one total group of zero on an empty store, and no groups by a dimension', async () => {
        const store = await fresh();
        expect(await store.summarize({}, [])).toEqual([{ count: 0, firstSeen: 0, lastSeen: 0 }]);
        expect(await store.summarize({}, ['version'])).toEqual([]);
      });

      it('groups by version, largest count first', async () => {
        const store = await fresh();
        await store.write({ rows: FIXTURE, clients: CLIENTS });
        expect(await store.summarize({}, ['version'])).toEqual([
          { version: '2025-06-01', count: 111, firstSeen: T0 - DAY + 3_600_000, lastSeen: T0 + 3 * M + 10 },
          { version: '2024-01-01', count: 18, firstSeen: T0 + 1_000, lastSeen: T0 + M + 200 },
        ]);
      });

      it('groups by client and version together', async () => {
        const store = await fresh();
        await store.write({ rows: FIXTURE, clients: CLIENTS });
        expect(await store.summarize({}, ['client', 'version'])).toEqual([
          { client: 'c', version: '2025-06-01', count: 103, firstSeen: T0 - DAY + 3_600_000, lastSeen: T0 + 2 * M + 8 },
          { client: 'b', version: '2024-01-01', count: 11, firstSeen: T0 + M + 5, lastSeen: T0 + M + 6 },
          { client: 'a', version: '2024-01-01', count: 7, firstSeen: T0 + 1_000, lastSeen: T0 + M + 200 },
          { client: 'a', version: '2025-06-01', count: 7, firstSeen: T0 + 2 * M + 1, lastSeen: T0 + 2 * M + 59_000 },
          { client: 'b', version: '2025-06-01', count: 1, firstSeen: T0 + 3 * M + 10, lastSeen: T0 + 3 * M + 10 },
        ]);
      });

      it('groups by every combination of dimensions', async () => {
        const store = await fresh();
        await store.write({ rows: FIXTURE, clients: CLIENTS });
        for (const by of subsets(DIMENSIONS)) {
          expect(await store.summarize({}, by), by.join('+') || 'total').toEqual(expectedGroups(FIXTURE, by));
        }
      });

      it('filters by from (inclusive) and to (exclusive) on the bucket start', async () => {
        const store = await fresh();
        await store.write({ rows: FIXTURE, clients: CLIENTS });
        const total = async (filter: Parameters<UsageStore['summarize']>[0]) => (await store.summarize(filter, []))[0].count;
        expect(await total({ from: T0 + M })).toBe(2 + 7 + 11 + 1 + 3);
        expect(await total({ to: T0 + 2 * M })).toBe(5 + 2 + 11 + 100);
        expect(await total({ from: T0, to: T0 + 2 * M })).toBe(5 + 2 + 11);
        // A day row counts when its day starts at or after `from`.
        expect(await total({ from: T0 - DAY, to: T0 })).toBe(100);
        expect(await total({ from: T0 - DAY + 1, to: T0 })).toBe(0);
      });

      it('filters by client and by versions', async () => {
        const store = await fresh();
        await store.write({ rows: FIXTURE, clients: CLIENTS });
        expect(await store.summarize({ client: 'b' }, ['version'])).toEqual([
          { version: '2024-01-01', count: 11, firstSeen: T0 + M + 5, lastSeen: T0 + M + 6 },
          { version: '2025-06-01', count: 1, firstSeen: T0 + 3 * M + 10, lastSeen: T0 + 3 * M + 10 },
        ]);
        expect(await store.summarize({ versions: ['2024-01-01'] }, ['client'])).toEqual([
          { client: 'b', count: 11, firstSeen: T0 + M + 5, lastSeen: T0 + M + 6 },
          { client: 'a', count: 7, firstSeen: T0 + 1_000, lastSeen: T0 + M + 200 },
        ]);
        expect(await store.summarize({ versions: [] }, [])).toEqual([{ count: 0, firstSeen: 0, lastSeen: 0 }]);
        expect(await store.summarize({ versions: ['2024-01-01', '2025-06-01'], client: 'a', from: T0 + M, to: T0 + DAY }, ['operation', 'statusClass'])).toEqual([
          { operation: 'POST /orders', statusClass: '2xx', count: 7, firstSeen: T0 + 2 * M + 1, lastSeen: T0 + 2 * M + 59_000 },
          { operation: 'GET /orders/{id}', statusClass: '4xx', count: 2, firstSeen: T0 + M + 100, lastSeen: T0 + M + 200 },
        ]);
      });

      it('matches every combination of filters against the plain computation', async () => {
        const store = await fresh();
        await store.write({ rows: FIXTURE, clients: CLIENTS });
        const froms = [undefined, T0 - DAY, T0 + M];
        const tos = [undefined, T0 + 2 * M];
        const clients = [undefined, 'a', 'c', 'nobody'];
        const versionLists = [undefined, ['2025-06-01'], ['2024-01-01', '2025-06-01']];
        for (const from of froms) for (const to of tos) for (const client of clients) for (const versions of versionLists) {
          const filter = { from, to, client, versions };
          const rows = FIXTURE.filter((r) => (from === undefined || r.bucket >= from) && (to === undefined || r.bucket < to)
            && (client === undefined || r.client === client) && (versions === undefined || versions.includes(r.version)));
          expect(await store.summarize(filter, ['client', 'statusClass']), JSON.stringify(filter)).toEqual(expectedGroups(rows, ['client', 'statusClass']));
        }
      });
    });

    describe('series', () => {
      it('counts per version per minute step, oldest first', async () => {
        const store = await fresh();
        await store.write({ rows: FIXTURE, clients: CLIENTS });
        expect(await store.series({}, M)).toEqual([
          { bucket: T0 - DAY, version: '2025-06-01', count: 100 },
          { bucket: T0, version: '2024-01-01', count: 5 },
          { bucket: T0 + M, version: '2024-01-01', count: 13 },
          { bucket: T0 + 2 * M, version: '2025-06-01', count: 10 },
          { bucket: T0 + 3 * M, version: '2025-06-01', count: 1 },
        ]);
      });

      it('folds rows into wider steps at floor(bucket / step) * step', async () => {
        const store = await fresh();
        await store.write({ rows: FIXTURE, clients: CLIENTS });
        expect(await store.series({}, 2 * M)).toEqual([
          { bucket: T0 - DAY, version: '2025-06-01', count: 100 },
          { bucket: T0, version: '2024-01-01', count: 18 },
          { bucket: T0 + 2 * M, version: '2025-06-01', count: 11 },
        ]);
        expect(await store.series({}, DAY)).toEqual([
          { bucket: T0 - DAY, version: '2025-06-01', count: 100 },
          { bucket: T0, version: '2024-01-01', count: 18 },
          { bucket: T0, version: '2025-06-01', count: 11 },
        ]);
        // A step that does not divide the epoch offset: 7 minutes.
        const step = 7 * M;
        expect(await store.series({ from: T0 }, step)).toEqual([
          { bucket: Math.floor(T0 / step) * step, version: '2024-01-01', count: 18 },
          { bucket: Math.floor(T0 / step) * step, version: '2025-06-01', count: 11 },
        ]);
      });

      it('applies the filter', async () => {
        const store = await fresh();
        await store.write({ rows: FIXTURE, clients: CLIENTS });
        expect(await store.series({ from: T0, to: T0 + 3 * M, client: 'a' }, M)).toEqual([
          { bucket: T0, version: '2024-01-01', count: 5 },
          { bucket: T0 + M, version: '2024-01-01', count: 2 },
          { bucket: T0 + 2 * M, version: '2025-06-01', count: 7 },
        ]);
        expect(await store.series({ versions: ['2024-01-01'] }, DAY)).toEqual([{ bucket: T0, version: '2024-01-01', count: 18 }]);
        expect(await store.series({ versions: [] }, DAY)).toEqual([]);
      });

      it('rejects a step that is not a positive whole number of ms', async () => {
        const store = await fresh();
        await expect(store.series({}, 0)).rejects.toThrow(RangeError);
        await expect(store.series({}, 1.5)).rejects.toThrow(RangeError);
      });
    });

    describe('clients', () => {
      it('keeps a stored label and verified flag when a later write leaves them out', async () => {
        const store = await fresh();
        await store.write({ rows: [], clients: [{ id: 'key_1', kind: 'api-key', label: 'Acme' }, { id: 'j', kind: 'jwt', verified: true }, { id: 'h', kind: 'header' }] });
        await store.write({ rows: [], clients: [{ id: 'key_1', kind: 'api-key' }, { id: 'j', kind: 'jwt' }] });
        expect(await store.clients()).toEqual([
          { id: 'h', kind: 'header' },
          { id: 'j', kind: 'jwt', verified: true },
          { id: 'key_1', kind: 'api-key', label: 'Acme' },
        ]);
      });

      it('takes a new label, verified flag and kind when a write names them', async () => {
        const store = await fresh();
        await store.write({ rows: [], clients: [{ id: 'key_1', kind: 'api-key', label: 'Acme' }, { id: 'j', kind: 'jwt', verified: true }] });
        await store.write({ rows: [], clients: [{ id: 'key_1', kind: 'api-key', label: 'Acme Corp' }, { id: 'j', kind: 'jwt', verified: false }] });
        await store.write({ rows: [], clients: [{ id: 'h', kind: 'remote-address' }] });
        await store.write({ rows: [], clients: [{ id: 'h', kind: 'header' }] });
        expect(await store.clients()).toEqual([
          { id: 'h', kind: 'header' },
          { id: 'j', kind: 'jwt', verified: false },
          { id: 'key_1', kind: 'api-key', label: 'Acme Corp' },
        ]);
      });

      it('returns only the clients asked for', async () => {
        const store = await fresh();
        await store.write({ rows: FIXTURE, clients: CLIENTS });
        expect(await store.clients(['c', 'a', 'nobody'])).toEqual([
          { id: 'a', kind: 'api-key', label: 'Acme' },
          { id: 'c', kind: 'jwt', verified: true },
        ]);
        expect(await store.clients([])).toEqual([]);
      });
    });

    describe('rollup', () => {
      const ROLLUP_ROWS = [
        row({ client: 'a', bucket: T0 + 5 * M, count: 3, firstSeen: T0 + 5 * M + 1, lastSeen: T0 + 5 * M + 2 }),
        row({ client: 'a', bucket: T0 + 90 * M, count: 4, firstSeen: T0 + 90 * M + 3, lastSeen: T0 + 90 * M + 4 }),
        row({ client: 'a', bucket: T0 + 10 * M, count: 2, statusClass: '4xx', firstSeen: T0 + 10 * M, lastSeen: T0 + 10 * M + 9 }),
        row({ client: 'b', bucket: T0 + DAY + M, count: 6, firstSeen: T0 + DAY + M, lastSeen: T0 + DAY + M + 5 }),
        // Rolled up earlier: the fold adds to it.
        row({ client: 'a', bucket: T0, count: 10, granularity: 'day', firstSeen: T0 + 1, lastSeen: T0 + 2 }),
      ];

      it('folds minute rows before the cut-off into day rows with totals unchanged', async () => {
        const store = await fresh();
        await store.write({ rows: ROLLUP_ROWS, clients: [] });
        const before = await store.summarize({}, DIMENSIONS);

        expect(await store.rollup(T0 + 60 * M)).toBe(2);
        expect(await store.series({}, M)).toEqual([
          { bucket: T0, version: '2024-01-01', count: 15 },
          { bucket: T0 + 90 * M, version: '2024-01-01', count: 4 },
          { bucket: T0 + DAY + M, version: '2024-01-01', count: 6 },
        ]);
        expect(await store.summarize({}, DIMENSIONS)).toEqual(before);

        expect(await store.rollup(T0 + DAY + 2 * M)).toBe(2);
        expect(await store.series({}, M)).toEqual([
          { bucket: T0, version: '2024-01-01', count: 19 },
          { bucket: T0 + DAY, version: '2024-01-01', count: 6 },
        ]);
        expect(await store.summarize({}, ['client', 'statusClass'])).toEqual([
          { client: 'a', statusClass: '2xx', count: 17, firstSeen: T0 + 1, lastSeen: T0 + 90 * M + 4 },
          { client: 'b', statusClass: '2xx', count: 6, firstSeen: T0 + DAY + M, lastSeen: T0 + DAY + M + 5 },
          { client: 'a', statusClass: '4xx', count: 2, firstSeen: T0 + 10 * M, lastSeen: T0 + 10 * M + 9 },
        ]);
        expect(await store.summarize({}, DIMENSIONS)).toEqual(before);
      });

      it('is idempotent, and folds late minute rows into the existing day row', async () => {
        const store = await fresh();
        await store.write({ rows: ROLLUP_ROWS, clients: [] });
        expect(await store.rollup(T0 + DAY)).toBe(3);
        expect(await store.rollup(T0 + DAY)).toBe(0);
        expect(await store.summarize({}, [])).toEqual([{ count: 25, firstSeen: T0 + 1, lastSeen: T0 + DAY + M + 5 }]);

        await store.write({ rows: [row({ client: 'a', bucket: T0 + 100 * M, count: 8, firstSeen: T0 + 100 * M, lastSeen: T0 + 100 * M + 1 })], clients: [] });
        expect(await store.rollup(T0 + DAY)).toBe(1);
        expect(await store.series({ to: T0 + DAY }, M)).toEqual([{ bucket: T0, version: '2024-01-01', count: 27 }]);
        expect(await store.summarize({ to: T0 + DAY }, ['statusClass'])).toEqual([
          { statusClass: '2xx', count: 25, firstSeen: T0 + 1, lastSeen: T0 + 100 * M + 1 },
          { statusClass: '4xx', count: 2, firstSeen: T0 + 10 * M, lastSeen: T0 + 10 * M + 9 },
        ]);
      });

      it('folds nothing on an empty store', async () => {
        const store = await fresh();
        expect(await store.rollup(T0)).toBe(0);
      });
    });

    describe('pins', () => {
      it('sets, keeps the first with onlyIfAbsent, replaces without it, lists and clears', async () => {
        const store = await fresh();
        expect(await store.listPins()).toEqual([]);
        const first = { client: 'key_b', version: '2024-01-01', pinnedAt: T0, by: 'first-request' as const };
        expect(await store.setPin(first, true)).toEqual(first);
        expect(await store.setPin({ client: 'key_b', version: '2025-06-01', pinnedAt: T0 + 5, by: 'first-request' }, true)).toEqual(first);
        expect(await store.setPin({ client: 'a', version: '2025-06-01', pinnedAt: T0 + 6, by: 'admin' }, false))
          .toEqual({ client: 'a', version: '2025-06-01', pinnedAt: T0 + 6, by: 'admin' });
        expect(await store.setPin({ client: 'key_b', version: '2025-06-01', pinnedAt: T0 + 7, by: 'admin' }, false))
          .toEqual({ client: 'key_b', version: '2025-06-01', pinnedAt: T0 + 7, by: 'admin' });
        expect(await store.listPins()).toEqual([
          { client: 'a', version: '2025-06-01', pinnedAt: T0 + 6, by: 'admin' },
          { client: 'key_b', version: '2025-06-01', pinnedAt: T0 + 7, by: 'admin' },
        ]);
        expect(await store.clearPin('a')).toBe(true);
        expect(await store.clearPin('a')).toBe(false);
        expect(await store.listPins()).toEqual([{ client: 'key_b', version: '2025-06-01', pinnedAt: T0 + 7, by: 'admin' }]);
      });

      it('reads the pins set from a time on a page at a time, in (pinned time, client) order, and the clears after it', async () => {
        const store = await fresh();
        for (const [client, at] of [['d', T0 + 2], ['b', T0 + 1], ['a', T0 + 2], ['c', T0 + 3], ['old', T0 - 5]] as const) {
          await store.setPin({ client, version: '2024-01-01', pinnedAt: at, by: 'admin' }, false);
        }
        await store.clearPin('old', T0 + 4);
        const at = (pins: { client: string; pinnedAt: number }[]) => pins.map((p) => [p.client, p.pinnedAt - T0]);
        expect(at(await store.changedPins(T0, undefined, 2))).toEqual([['b', 1], ['a', 2]]);
        expect(at(await store.changedPins(T0, { pinnedAt: T0 + 2, client: 'a' }, 2))).toEqual([['d', 2], ['c', 3]]);
        expect(await store.changedPins(T0, { pinnedAt: T0 + 3, client: 'c' }, 2)).toEqual([]);
        expect(await store.changedPins(T0 + 2, undefined, 10)).toEqual([
          { client: 'a', version: '2024-01-01', pinnedAt: T0 + 2, by: 'admin' },
          { client: 'd', version: '2024-01-01', pinnedAt: T0 + 2, by: 'admin' },
          { client: 'c', version: '2024-01-01', pinnedAt: T0 + 3, by: 'admin' },
        ]);
        expect(await store.clearedPins(T0)).toEqual([{ client: 'old', at: T0 + 4 }]);
        expect(await store.clearedPins(T0 + 4)).toEqual([]);
      });

      it('reads pins a page at a time, as (client, version) pairs in client order after a client', async () => {
        const store = await fresh();
        for (const [client, version] of [['key_c', '2024-01-01'], ['a', '2025-06-01'], ['key_b', '2024-09-01'], ['key_d', '2024-01-01']]) {
          await store.setPin({ client, version, pinnedAt: T0, by: 'admin' }, false);
        }
        expect(await store.pinPage('', 3)).toEqual([['a', '2025-06-01'], ['key_b', '2024-09-01'], ['key_c', '2024-01-01']]);
        expect(await store.pinPage('key_c', 3)).toEqual([['key_d', '2024-01-01']]);
        expect(await store.pinPage('key_d', 3)).toEqual([]);
      });
    });

    describe('init', () => {
      it('can run again on an existing schema without touching the data', async () => {
        const store = await fresh();
        await store.write({ rows: FIXTURE, clients: CLIENTS });
        await store.setPin({ client: 'a', version: '2024-01-01', pinnedAt: T0, by: 'admin' }, false);
        await store.init();
        await store.init();
        expect(await store.summarize({}, [])).toEqual([{ count: 129, firstSeen: T0 - DAY + 3_600_000, lastSeen: T0 + 3 * M + 10 }]);
        expect(await store.listPins()).toEqual([{ client: 'a', version: '2024-01-01', pinnedAt: T0, by: 'admin' }]);
        expect((await store.clients()).length).toBe(3);
      });
    });

    describe('scale', () => {
      it('summarizes and charts 10,000 clients in under 1.5 s', async () => {
        const store = await fresh();
        const rows: UsageRow[] = [];
        for (let i = 0; i < 10_000; i++) {
          rows.push(row({ client: `c${String(i).padStart(5, '0')}`, bucket: T0 + (i % 60) * M, count: 1 + (i % 10) }));
          rows.push(row({ client: `c${String(i).padStart(5, '0')}`, bucket: T0 + (i % 60) * M, count: 1, version: '2025-06-01' }));
        }
        await store.write({ rows, clients: [] });
        const started = performance.now();
        const groups = await store.summarize({ from: T0, to: T0 + DAY }, ['client']);
        const deprecated = await store.summarize({ from: T0, to: T0 + DAY, versions: ['2024-01-01'] }, ['client', 'operation']);
        const series = await store.series({ from: T0, to: T0 + DAY }, 5 * M);
        const elapsed = performance.now() - started;
        expect(groups.length).toBe(10_000);
        expect(groups[0]).toEqual({ client: 'c00009', count: 11, firstSeen: T0 + 9 * M, lastSeen: T0 + 9 * M });
        expect(deprecated.length).toBe(10_000);
        expect(series.length).toBe(24);
        expect(series.reduce((n, p) => n + p.count, 0)).toBe(10_000 * 5.5 + 10_000);
        expect(elapsed).toBeLessThan(1_500);
      });
    });
  });
}
