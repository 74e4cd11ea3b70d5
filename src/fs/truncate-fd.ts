// A file cut to a length through the ring, on any kernel ringcore runs on.

import { ftruncate } from 'node:fs';
import type { Ring } from '../driver/ring.js';
import type { ErrorContext } from '../sys/errors.js';
import { ftruncateSpec } from './ops.js';
import { throwIfAborted } from './options.js';

export interface TruncateOptions {
  context?: ErrorContext;
  signal?: AbortSignal;
  /** What the SQE names when it is not `fd`: the file's slot in the ring's table, with `fixed`. */
  target?: number;
  fixed?: boolean;
}

/**
 * FTRUNCATE (Linux 6.9+). Older kernels lack the op, and Node's own
 * ftruncate (its thread pool) does it there.
 */
export async function truncateFd(ring: Ring, fd: number, length: number, options: TruncateOptions = {}): Promise<void> {
  const { context, signal, target = fd, fixed = false } = options;
  if (ring.supports('FTRUNCATE')) return ring.submit(ftruncateSpec(target, length, context, fixed), { signal });
  throwIfAborted(signal);
  await new Promise<void>((resolve, reject) => ftruncate(fd, length, (error) => (error ? reject(error) : resolve())));
}
