// `npm run bench -- --setup`: installs the limit references. fio, wrk and nginx
// come from Debian's packages (apt-get); Bun from the npm registry into
// bench/.tools (git-ignored), so the project's own dependencies stay as they are.
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { REFERENCES, TOOLS_DIR, findTool } from './references.js';

function run(command: string, args: string[]): boolean {
  console.log(`$ ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit' });
  return result.status === 0;
}

/** Installs what is missing; prints what it did. Returns false when something could not be installed. */
export function setup(): boolean {
  const apt = REFERENCES.filter((r) => r.apt !== undefined && findTool(r.name) === undefined);
  const npm = REFERENCES.filter((r) => r.npm !== undefined && findTool(r.name) === undefined);
  for (const r of REFERENCES) {
    const found = findTool(r.name);
    if (found !== undefined) console.log(`${r.name}: already installed (${found})`);
  }
  if (apt.length > 0) {
    const packages = apt.map((r) => r.apt!);
    // Root is needed; sudo where there is one.
    const [command, prefix] = process.getuid?.() === 0 ? ['apt-get', []] : ['sudo', ['apt-get']];
    const install = [...prefix, 'install', '-y', '--no-install-recommends', ...packages];
    if (!run(command, install)) {
      // A fresh machine has no package lists yet.
      run(command, [...prefix, 'update']);
      run(command, install);
    }
    // Debian starts the nginx service on install; the benchmark starts its own (bench/lib/nginx.ts).
    if (apt.some((r) => r.name === 'nginx') && findTool('systemctl') !== undefined) {
      spawnSync('systemctl', ['disable', '--now', 'nginx'], { stdio: 'ignore' });
      console.log('nginx: stopped and disabled the system service (the benchmark runs its own nginx on a free port)');
    }
  }
  if (npm.length > 0) {
    mkdirSync(TOOLS_DIR, { recursive: true });
    run('npm', ['install', '--prefix', TOOLS_DIR, '--no-audit', '--no-fund', ...npm.map((r) => r.npm!)]);
  }
  let ok = true;
  for (const r of [...apt, ...npm]) {
    const found = findTool(r.name);
    console.log(found !== undefined ? `${r.name}: installed (${found})` : `${r.name}: NOT installed`);
    if (found === undefined) ok = false;
  }
  if (apt.length + npm.length === 0) console.log('nothing to install');
  return ok;
}
