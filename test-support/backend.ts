// Which backend this test process runs on, for the tests. The suite runs a
// second time under build/no-io-uring (a seccomp filter refusing io_uring):
// there, tests of io_uring itself (rings, ops, drivers, traces, registered
// buffers, SQEs) skip with the reason, and the public-API tests run on the
// node backend.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { test as nodeTest } from 'node:test';
import { fileURLToPath } from 'node:url';
import { backend } from '../src/index.js';
import { fallbackCause } from '../src/backend/backend.js';
import { runtime } from '../src/sys/runtime.js';

let reason: string | false | undefined;

/** `{ skip }` for a test that needs io_uring itself: false, or why it cannot run here. */
export function requireIoUring(): { skip: string | false } {
  if (reason === undefined) {
    reason =
      backend() === 'io_uring' ? false : `needs io_uring; this process uses the node backend (${fallbackCause()?.message.split('. ')[0] ?? 'unknown cause'})`;
  }
  return { skip: reason };
}

type TestArgs = [name: string, options: object, fn: (...args: never[]) => unknown] | [name: string, fn: (...args: never[]) => unknown];

/**
 * node:test's test() for a file of io_uring tests: each is skipped, with the
 * reason, under the node backend. Import it in place of node:test's.
 */
export const test = ((...args: TestArgs) => {
  const skip = requireIoUring().skip;
  if (skip === false) return (nodeTest as (...a: unknown[]) => unknown)(...args);
  const [name, second, third] = args;
  const options = typeof second === 'object' ? { ...second, skip } : { skip };
  return nodeTest(name, options, (typeof second === 'function' ? second : third) as never);
}) as typeof nodeTest;

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Why a test that starts a child with `process.execPath` and Node's own flags
 * (`--input-type=module -e`) cannot run here, or false: under Deno that binary
 * is deno (docs/architecture.md, "The test suite on Bun and Deno").
 */
export function nodeChildSkip(): string | false {
  return runtime === 'deno' ? "starts a child with process.execPath and Node's flags; under Deno that binary is deno" : false;
}

/** The seccomp launcher (native/tools/no-io-uring.c), built with cc into build/ if missing; null without a compiler. */
export function noIoUringLauncher(): string | null {
  const binary = `${root}/build/no-io-uring`;
  if (existsSync(binary)) return binary;
  mkdirSync(`${root}/build`, { recursive: true });
  const cc = spawnSync('cc', ['-O2', '-o', binary, `${root}/native/tools/no-io-uring.c`], { encoding: 'utf8' });
  return cc.status === 0 ? binary : null;
}
