// npm's install step: use a prebuilt addon when one ships for this platform,
// otherwise build native/ringcore.c with node-gyp.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const prebuilt = `prebuilds/${process.platform}-${process.arch}/ringcore.node`;
if (existsSync(prebuilt)) {
  console.log(`ringcore: using ${prebuilt}`);
} else {
  // npm puts its bundled node-gyp on PATH for lifecycle scripts.
  const gyp = spawnSync('node-gyp', ['rebuild'], { stdio: 'inherit', shell: true });
  process.exit(gyp.status ?? 1);
}
