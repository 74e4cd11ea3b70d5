// The package's types as TypeScript projects resolve them: `"module":
// "commonjs"` (moduleResolution node10, which ignores package.json's exports
// and finds the subpaths through typesVersions), nodenext from a CommonJS and
// an ES module file, and bundler. Each compiles a file that imports every
// entry point and uses a name from each, with the project's own tsc.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

const USES = `import { Ring } from 'ringcore';
import { readFile } from 'ringcore/fs';
import { createServer } from 'ringcore/http';
import { TcpStream } from 'ringcore/net';
import { sleep } from 'ringcore/time';
import { startTimeline } from 'ringcore/trace';
export const uses: unknown[] = [new Ring(), readFile, createServer, TcpStream.connect, sleep, startTimeline];
`;

const PROJECTS: [string, string, string[]][] = [
  ['commonjs (node10 resolution)', 'uses.ts', ['--module', 'commonjs', '--moduleResolution', 'node10']],
  ['nodenext, a CommonJS file', 'uses.cts', ['--module', 'nodenext']],
  ['nodenext, an ES module file', 'uses.mts', ['--module', 'nodenext']],
  ['bundler', 'uses.ts', ['--module', 'preserve', '--moduleResolution', 'bundler']],
];

for (const [name, file, options] of PROJECTS) {
  test(`a TypeScript project (${name}) finds the types of every entry point`, {
    skip: ('bun' in process.versions || 'deno' in process.versions) && 'the types resolve as tsc resolves them, whatever the runtime: checked on Node',
  }, () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ringcore-types-'));
    try {
      mkdirSync(path.join(dir, 'node_modules', '@types'), { recursive: true });
      symlinkSync(root, path.join(dir, 'node_modules', 'ringcore'));
      symlinkSync(path.join(root, 'node_modules', '@types', 'node'), path.join(dir, 'node_modules', '@types', 'node'));
      writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ private: true }));
      writeFileSync(path.join(dir, file), USES);
      const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
      const args = [tsc, '--noEmit', '--strict', '--skipLibCheck', '--target', 'es2022', '--types', 'node', ...options, file];
      const result = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', timeout: 120_000 });
      assert.equal(result.status, 0, `${result.stdout}${result.stderr}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
