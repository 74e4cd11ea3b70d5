// ringcore under Jest, the test runner many TypeScript projects use. Jest
// loads CommonJS itself, each test file in a vm context of its own, and
// resolves package.json's exports with the "require" condition; before
// Node 24.9 it cannot load an ES module that way. The package's CommonJS
// entries (dist/bundle/cjs/, scripts/bundle.mjs) are what it gets. Run as a
// user would: Jest's own command on a test file in a project that has
// ringcore in its node_modules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

test('a Jest test file requires ringcore: every entry point loads, a file, an ENOENT that is an Error of its realm, a TCP echo', {
  skip: ('bun' in process.versions || 'deno' in process.versions) && 'Jest runs on Node',
}, () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'ringcore-jest-'));
  try {
    mkdirSync(path.join(dir, 'node_modules'));
    symlinkSync(root, path.join(dir, 'node_modules', 'ringcore'));
    // No transform: the test file and ringcore run as they are.
    writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ private: true, jest: { transform: {}, testEnvironment: 'node' } }));
    copyFileSync(path.join(root, 'test', 'package', 'under-jest.cjs'), path.join(dir, 'ring.test.cjs'));
    const jest = path.join(root, 'node_modules', 'jest', 'bin', 'jest.js');
    const result = spawnSync(process.execPath, [jest, '--ci', '--runInBand', '--testMatch', '**/*.test.cjs'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 120_000,
      env: { ...process.env, RINGCORE_TRACE: '' },
    });
    const output = `${result.stdout}${result.stderr}`;
    assert.equal(result.status, 0, output);
    assert.match(output, /Tests:\s+2 passed, 2 total/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
