// The package through require(), as a CommonJS program uses it: package.json's
// "require" condition on Node that cannot require an ES module (before 20.19
// and 22.12), "module-sync" on later Node, "bun" on Bun. Every entry point
// gives the names its ES module exports, and a file, an error and a timer go
// through them, and both ways reach one copy of the package.
// test/package/tarball.mjs runs it beside the program it is given.
'use strict';
const assert = require('node:assert/strict');
const path = require('node:path');

const ENTRIES = ['ringcore', 'ringcore/fs', 'ringcore/net', 'ringcore/http', 'ringcore/time', 'ringcore/trace'];

async function main() {
  for (const entry of ENTRIES) {
    // ringcore/fs has a default export: require() of the ES module adds `__esModule` beside it (Node's interop mark).
    const required = Object.keys(require(entry))
      .filter((name) => name !== 'default' && name !== '__esModule')
      .sort();
    const imported = Object.keys(await import(entry)).filter((name) => name !== 'default').sort();
    assert.deepEqual(required, imported, `require('${entry}') and import('${entry}') export other names`);
  }
  // One copy of the package whichever way it is reached: on old Node the CommonJS entries share the ES ones' registry.
  const { Ring } = require('ringcore');
  assert.equal(Ring, (await import('ringcore')).Ring, "require('ringcore') and import('ringcore') give two Ring classes");
  assert.equal(require('ringcore/fs').readFile, (await import('ringcore/fs')).readFile);
  assert.equal(require('ringcore/fs').default.readFile, (await import('ringcore/fs')).default.readFile, "require('ringcore/fs').default");
  const { readFile } = require('ringcore/fs');
  const { sleep } = require('ringcore/time');
  const ring = new Ring();
  try {
    await ring.nop();
    assert.match(await readFile(__filename, { encoding: 'utf8', ring }), /through require\(\)/);
    const absent = path.join(__dirname, 'absent');
    await assert.rejects(readFile(absent, { ring }), (error) => {
      assert.ok(error instanceof Error);
      assert.deepEqual([error.code, error.syscall, error.path], ['ENOENT', 'open', absent]);
      return true;
    });
    await sleep(1);
  } finally {
    await ring.close();
  }
  console.log(`require(): ${ENTRIES.length} entry points, a file, an error and a timer`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
