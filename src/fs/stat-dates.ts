// The four Dates of Stats and BigIntStats, shaped as the running Node shapes
// node:fs's: own properties up to Node 20; from Node 22 on, accessors on the
// prototype that make each Date on first use (then an own, non-enumerable
// property), so spread, JSON.stringify and deepEqual see no Dates there.
import { Stats as NodeStats } from 'node:fs';

const DATE_FIELDS = ['atime', 'mtime', 'ctime', 'birthtime'] as const;
type DateField = (typeof DATE_FIELDS)[number];
type Times = Record<`${DateField}Ms`, number | bigint> & Record<DateField, Date>;

/** Whether node:fs keeps the Dates as prototype accessors (Node ≥ 22). */
const lazyDates = typeof Object.getOwnPropertyDescriptor(NodeStats.prototype, 'atime')?.get === 'function';

function dateFromMs(ms: number | bigint): Date {
  return new Date(Math.round(Number(ms)));
}

/** Called last in a constructor: the Dates, where Node makes them own properties. */
export function setDates(stats: Times): void {
  if (lazyDates) return;
  for (const field of DATE_FIELDS) stats[field] = dateFromMs(stats[`${field}Ms`]);
}

/** The Dates as prototype accessors, where Node has them. */
export function defineDateAccessors(prototype: object): void {
  if (!lazyDates) return;
  for (const field of DATE_FIELDS) {
    Object.defineProperty(prototype, field, {
      enumerable: true,
      configurable: true,
      get(this: Times): Date {
        return (this[field] = dateFromMs(this[`${field}Ms`]));
      },
      set(this: Times, value: Date) {
        Object.defineProperty(this, field, { value, writable: true });
      },
    });
  }
}
