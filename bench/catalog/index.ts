// Every scenario the harness knows, in report order. A new scenario is a child
// program in scenarios/ and a definition here; run.ts and report.ts need no change.
import type { ScenarioDef } from '../lib/types.js';
import { nopBatch } from './nop-batch.js';
import { nopLatency } from './nop-latency.js';

export const catalog: readonly ScenarioDef[] = [nopLatency, nopBatch];
