// Which error a failed chain reports. Linux 5.10 fails the ops linked before an
// op it refuses at submission (a bad fd: EBADF) with ECANCELED too, and posts
// theirs first, so the chain's first rejection said "operation canceled" and
// hid the error that says what went wrong. Newer kernels run the ops before it
// (the refused op ends the chain), so this changes nothing there.

/** The error `results[i]` (a rejection) stands for: a later op's own error when it is the kernel's ECANCELED. */
export function chainError(results: readonly PromiseSettledResult<unknown>[], i: number): unknown {
  const reason = (results[i] as PromiseRejectedResult).reason;
  if ((reason as { code?: unknown } | null)?.code !== 'ECANCELED') return reason;
  for (let j = i + 1; j < results.length; j++) {
    const later = results[j]!;
    if (later.status === 'rejected' && (later.reason as { code?: unknown } | null)?.code !== 'ECANCELED') return later.reason;
  }
  return reason;
}
