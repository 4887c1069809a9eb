/**
 * A store whose schema is created on first use and, if that fails (PostgreSQL down at start-up),
 * again on the next call. The gateway starts whether or not its store answers; the recorder's
 * next flush after the store returns creates the schema and writes the buffered counts.
 */

import type { UsageStore } from './types.js';

export function initOnDemand(store: UsageStore): UsageStore {
  let ready: Promise<void> | undefined;
  const init = (): Promise<void> => (ready ??= store.init().catch((err: unknown) => {
    ready = undefined;
    throw err;
  }));
  const after = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => async (...args: A): Promise<R> => {
    await init();
    return fn.apply(store, args);
  };
  return {
    kind: store.kind,
    init,
    write: after(store.write),
    summarize: after(store.summarize),
    series: after(store.series),
    clients: after(store.clients),
    rollup: after(store.rollup),
    listPins: after(store.listPins),
    pinPage: after(store.pinPage),
    changedPins: after(store.changedPins),
    clearedPins: after(store.clearedPins),
    setPin: after(store.setPin),
    clearPin: after(store.clearPin),
    close: () => store.close(),
  };
}
