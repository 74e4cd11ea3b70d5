// Which JavaScript runtime loaded ringcore, asked in one place. Bun and Deno
// run Node's APIs and load N-API addons, but differ where ringcore leans on
// Node itself: neither has uv_poll for an addon (the completion driver), and
// Bun's net.Socket cannot adopt an fd (socketpair on the node backend).

/** The runtime this process runs on: Bun and Deno name themselves in process.versions (older Denos only by their global). */
export const runtime: 'node' | 'bun' | 'deno' = detect();

function detect(): 'node' | 'bun' | 'deno' {
  const versions = process.versions as Record<string, string | undefined>;
  if (versions.bun !== undefined) return 'bun';
  if (versions.deno !== undefined || 'Deno' in globalThis) return 'deno';
  return 'node';
}

/**
 * Node's permission model is on (`--permission`; `--experimental-permission` on Node 20): process.permission
 * exists only then. io_uring would open files and sockets past its checks.
 */
export const permissionModel = (): boolean => (process as { permission?: unknown }).permission !== undefined;
