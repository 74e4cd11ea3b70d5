// The addon and the JavaScript agree on one number, the interface between
// them (native/ringcore.c's NATIVE_INTERFACE, src/sys/native.ts's): the
// loader refuses a binary built for another (a stale build of an older
// checkout, or one from before the number) as it refuses one that fails to
// load, and tries the next. Here such binaries are built for real from a
// copy of the C source with its number changed, and loaded for real, each
// set in a fresh process (a dlopen cannot be undone).
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadNative, NATIVE_INTERFACE, native } from '../../src/sys/native.js';
import { runtime } from '../../src/sys/runtime.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const source = readFileSync(path.join(root, 'native', 'ringcore.c'), 'utf8');
const DEFINE = /^#define NATIVE_INTERFACE (\d+)$/m;

test("NATIVE_INTERFACE is native/ringcore.c's, and the loaded binary's (npm run install after a change to it)", () => {
  assert.equal(Number(DEFINE.exec(source)?.[1]), NATIVE_INTERFACE);
  assert.equal(native.interfaceVersion, NATIVE_INTERFACE);
});

/** Node's headers for a build by hand, as scripts/prebuild.mjs finds them; undefined where this node has none. */
function nodeHeaders(): string | undefined {
  const dir = path.resolve(path.dirname(process.execPath), '..', 'include', 'node');
  return existsSync(path.join(dir, 'node_api.h')) ? dir : undefined;
}

const ccFound = spawnSync('sh', ['-c', 'command -v "$0"', process.env.CC ?? 'cc'], { stdio: 'ignore' }).status === 0;
const skip =
  runtime !== 'node'
    ? 'Node: the loader in a child node'
    : !ccFound
      ? 'no C compiler'
      : nodeHeaders() === undefined
        ? 'no Node headers next to this node'
        : false;

const work = mkdtempSync(path.join(tmpdir(), 'ringcore-native-interface-'));
after(() => rmSync(work, { recursive: true, force: true }));

/** The addon built from native/ringcore.c with `edit` applied to its text (unoptimized: only its init runs). */
function buildAddon(name: string, edit: (text: string) => string): string {
  const edited = edit(source);
  assert.notEqual(edited, source, `${name}: the edit changed the source`);
  const file = path.join(work, `${name}.c`);
  writeFileSync(file, edited);
  const out = path.join(work, `${name}.node`);
  const defines = ['-DNAPI_VERSION=8', '-DNODE_GYP_MODULE_NAME=ringcore', '-DBUILDING_NODE_EXTENSION'];
  execFileSync(process.env.CC ?? 'cc', ['-shared', '-fPIC', '-pthread', ...defines, `-I${nodeHeaders()}`, '-o', out, file]);
  return out;
}

/** A package with only package.json, the loader's layer (dist/src/sys) and `binaries` at their paths; loadNative() there, in a child. */
function loadIn(name: string, binaries: Record<string, string>): { file?: string; code?: string; message?: string } {
  const dir = path.join(work, name);
  mkdirSync(dir);
  copyFileSync(path.join(root, 'package.json'), path.join(dir, 'package.json'));
  // Layer 1 (src/sys) imports only from itself.
  cpSync(path.join(root, 'dist', 'src', 'sys'), path.join(dir, 'dist', 'src', 'sys'), { recursive: true });
  for (const [at, binary] of Object.entries(binaries)) cpSync(binary, path.join(dir, at));
  const program = `
    const { loadNative, native } = await import(${JSON.stringify(path.join(dir, 'dist', 'src', 'sys', 'native.js'))});
    try {
      const file = loadNative();
      // The binary in use answers as this JavaScript's: close(2) of an fd never open, -EBADF.
      if (native.interfaceVersion !== ${NATIVE_INTERFACE} || native.close(999999) !== -9) throw new Error('not the binary loaded');
      console.log(JSON.stringify({ file }));
    } catch (error) {
      console.log(JSON.stringify({ code: error.code, message: error.message }));
    }`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', program], { encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').at(-1)!);
}

test('a binary built for another interface, or before the number, gives way to the next candidate; with none left the error says why each was refused', {
  skip,
}, () => {
  const other = buildAddon('other-interface', (text) => text.replace(DEFINE, `#define NATIVE_INTERFACE ${NATIVE_INTERFACE + 1}`));
  const unnumbered = buildAddon('unnumbered', (text) => text.replace(/^ *\{"interfaceVersion".*\n/m, ''));
  const stale = { 'build/Release/ringcore.node': other, 'build/Debug/ringcore.node': unnumbered };

  const refused = loadIn('none-left', stale);
  assert.equal(refused.code, 'ERR_RINGCORE_NATIVE_MISSING');
  const dir = path.join(work, 'none-left');
  const message = refused.message ?? '';
  for (const reason of [
    `${dir}/build/Release/ringcore.node (built for interface ${NATIVE_INTERFACE + 1}, this JavaScript needs ${NATIVE_INTERFACE}: a stale build)`,
    `${dir}/build/Debug/ringcore.node (built before interface numbers, this JavaScript needs ${NATIVE_INTERFACE}: a stale build)`,
    'in a checkout, `npm run install`',
  ]) {
    assert.ok(message.includes(reason), `${reason}\nnot in\n${message}`);
  }
  // The last candidate, the prebuilt binary for this platform and libc, was not there.
  const prebuilt = new RegExp(`${dir}/(prebuilds/[^/]+/ringcore\\.node) \\(absent\\)`).exec(message)?.[1];
  assert.ok(prebuilt !== undefined, message);

  // Both local builds refused: the prebuilt binary is the one in use.
  const used = loadIn('falls-through', { ...stale, [prebuilt]: loadNative() });
  assert.equal(used.file, path.join(work, 'falls-through', prebuilt), JSON.stringify(used));
});
