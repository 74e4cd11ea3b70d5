// Every scenario the harness knows, in report order. A new scenario is a child
// program in scenarios/ and a definition here; run.ts and report.ts need no change.
import type { ScenarioDef } from '../lib/types.js';
import { httpHello } from './http-hello.js';
import { nopBatch } from './nop-batch.js';
import { nopLatency } from './nop-latency.js';
import { netEcho } from './net-echo.js';
import { netIdle } from './net-idle.js';
import { netSendZc } from './net-send-zc.js';
import { netRecv } from './net-recv.js';
import { fsCat } from './fs-cat.js';
import { fsRandomRead } from './fs-random-read.js';
import { fsSmallFiles } from './fs-small-files.js';
import { fsCopy } from './fs-copy.js';
import { paths } from './paths.js';
import { frameworks } from './frameworks.js';
import { httpUpload } from './http-upload.js';
import { fallback } from './fallback.js';
import { importCost } from './import-cost.js';

export const catalog: readonly ScenarioDef[] = [
  nopLatency,
  nopBatch,
  netEcho,
  netIdle,
  netSendZc,
  netRecv,
  httpHello,
  frameworks,
  httpUpload,
  fsCat,
  fsRandomRead,
  fsSmallFiles,
  fsCopy,
  paths,
  fallback,
  importCost,
];
