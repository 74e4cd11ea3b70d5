// The four Dates of Stats and BigIntStats, shaped as the running Node shapes
// node:fs's. Up to Node 20 they are own properties. From Node 22 on they are
// accessors on the prototype that make each Date from its *Ms field on first
// use, and keep it as an own property (non-enumerable on 22, enumerable from
// 24 on): ringcore's prototypes take the running Node's accessors as they
// are, so spread, JSON.stringify and deepEqual see what they see on node:fs.
import { Stats as NodeStats } from 'node:fs';

const DATE_FIELDS = ['atime', 'mtime', 'ctime', 'birthtime'] as const;
type DateField = (typeof DATE_FIELDS)[number];
type Times = Record<`${DateField}Ms`, number | bigint> & Record<DateField, Date>;

/** node:fs's Date accessors, or none where its Dates are own properties (Node ≤ 20). */
const nodeAccessors = DATE_FIELDS.flatMap((field) => {
  const descriptor = Object.getOwnPropertyDescriptor(NodeStats.prototype, field);
  return descriptor?.get === undefined ? [] : [[field, descriptor] as const];
});

/**
 * Called last in a constructor: the Dates, where Node makes them own properties. Four plain stores:
 * a loop over the names, building each `${field}Ms` key, was the costliest line of a stat in a young
 * process, which runs it in V8's interpreter (docs/performance.md, "Session 23").
 */
export function setDates(stats: Times): void {
  if (nodeAccessors.length > 0) return;
  stats.atime = dateOf(stats.atimeMs);
  stats.mtime = dateOf(stats.mtimeMs);
  stats.ctime = dateOf(stats.ctimeMs);
  stats.birthtime = dateOf(stats.birthtimeMs);
}

/** As Node's: the ms rounded to an integer. */
function dateOf(ms: number | bigint): Date {
  return new Date(Math.round(Number(ms)));
}

/** The Dates as prototype accessors, where Node has them. */
export function defineDateAccessors(prototype: object): void {
  for (const [field, descriptor] of nodeAccessors) Object.defineProperty(prototype, field, descriptor);
}
