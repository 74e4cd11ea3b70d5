// Writes the initramfs (newc cpio, uncompressed) that test/kernels/run.sh
// boots: /init, /cmd and the kernel modules the guest needs to mount the
// host's / over virtio-9p, in dependency order (read from each module's own
// .modinfo "depends=" entry: the unpacked kernel package has no modules.dep).
//
//   node test/kernels/initramfs.mjs <lib/modules/VERSION> <init> <cmd file> <out>
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [modulesDir, initPath, cmdPath, out] = process.argv.slice(2);
if (!out) {
  console.error('usage: initramfs.mjs <lib/modules/VERSION> <init> <cmd file> <out>');
  process.exit(2);
}
const ROOTS = ['virtio_pci', '9pnet_virtio', '9p'];

const byName = new Map();
(function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (name.endsWith('.ko')) byName.set(name.slice(0, -3).replaceAll('-', '_'), path);
  }
})(join(modulesDir, 'kernel'));

function depends(path) {
  const text = readFileSync(path).toString('latin1');
  const at = text.indexOf('\0depends=');
  if (at < 0) return [];
  const value = text.slice(at + 9, text.indexOf('\0', at + 9));
  return value ? value.split(',') : [];
}

// Depth-first: every module after the ones it depends on. Missing means
// built in (=y), which needs nothing loaded.
const order = [];
const seen = new Set();
function visit(name) {
  if (seen.has(name)) return;
  seen.add(name);
  const path = byName.get(name);
  if (!path) return;
  for (const dep of depends(path)) visit(dep);
  order.push(name);
}
for (const root of ROOTS) visit(root);

const chunks = [];
let ino = 1;
function entry(name, mode, data = Buffer.alloc(0), rdev = [0, 0]) {
  const fields = [ino++, mode, 0, 0, 1, 0, data.length, 0, 0, rdev[0], rdev[1], name.length + 1, 0];
  const header = `070701${fields.map((f) => f.toString(16).padStart(8, '0')).join('')}`;
  const head = Buffer.concat([Buffer.from(header), Buffer.from(`${name}\0`)]);
  chunks.push(head, Buffer.alloc((4 - (head.length % 4)) % 4), data, Buffer.alloc((4 - (data.length % 4)) % 4));
}
entry('dev', 0o40755);
entry('dev/console', 0o20600, undefined, [5, 1]);
entry('modules', 0o40755);
order.forEach((name, i) => {
  entry(`modules/${String(i).padStart(2, '0')}-${name}.ko`, 0o100644, readFileSync(byName.get(name)));
});
entry('init', 0o100755, readFileSync(initPath));
entry('cmd', 0o100644, readFileSync(cmdPath));
entry('TRAILER!!!', 0);
writeFileSync(out, Buffer.concat(chunks));
console.error(`initramfs: ${order.join(' ')}`);
