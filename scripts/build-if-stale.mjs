// `npm run example` runs this first: it compiles (tsc, incremental) only when
// a source file or the tsconfig changed since the last build it made, so an
// example starts in a fraction of a second instead of after a full tsc
// (parsing alone takes seconds, even when an incremental build has nothing to do).
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const stamp = path.join(root, 'dist', '.build-stamp');
const inputs = ['tsconfig.json', 'package.json'];
for (const dir of ['src', 'test', 'test-support', 'bench', 'examples']) {
  for (const file of readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })) if (file.endsWith('.ts')) inputs.push(path.join(dir, file));
}

const built = existsSync(stamp) ? statSync(stamp).mtimeMs : -1;
const stale = inputs.some((file) => statSync(path.join(root, file)).mtimeMs > built);
if (stale) {
  // The stamp gets the time the build started: a file saved while tsc ran is newer, and builds next time.
  const started = new Date();
  const tsc = spawnSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'tsconfig.json')], {
    stdio: 'inherit',
  });
  if (tsc.status !== 0) process.exit(tsc.status ?? 1);
  writeFileSync(stamp, '');
  utimesSync(stamp, started, started);
}
