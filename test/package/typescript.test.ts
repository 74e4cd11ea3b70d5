// The package's types as TypeScript projects resolve them: `"module":
// "commonjs"` (moduleResolution node10, which ignores package.json's exports
// and finds the subpaths through typesVersions), node16 and nodenext from
// CommonJS files (.cts, and .ts in a package without "type": "module") and an
// ES module file (.mts), and bundler. Each compiles files that import every
// entry point and use a name from each, with the project's own tsc: one tsc
// run per setting, all its files at once (a run is seconds, on 4 Node majors in CI).
//
// A CommonJS file gets the CommonJS declarations (dist/bundle/cjs/types/*.d.cts,
// package.json's "types" → "require"): under node16 the ES module ones are
// TS1479 there. WRONG checks that both trees are real declarations, not `any`:
// each @ts-expect-error must meet an error (an unused one is an error too).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

const USES = `import { Ring } from 'ringcore';
import type { Ring as RingType } from 'ringcore';
import { readFile } from 'ringcore/fs';
import { createServer } from 'ringcore/http';
import { TcpStream } from 'ringcore/net';
import { sleep } from 'ringcore/time';
import { startTimeline } from 'ringcore/trace';
export const ring: RingType = new Ring();
export const uses: unknown[] = [readFile, createServer, TcpStream.connect, sleep, startTimeline];
`;

const WRONG = `export async function wrong(): Promise<void> {
  // @ts-expect-error readFile takes a path or a FileHandle, not an fd
  await readFile(42);
  // @ts-expect-error with an encoding it resolves to a string
  const length: number = await readFile('x', 'utf8');
  // @ts-expect-error sleep takes milliseconds
  await sleep('1s');
  // @ts-expect-error no such method
  new Ring().noSuchMethod();
}
`;

/** Each setting's tsc options, its files, and the declarations of ringcore/fs each file is to get. */
const PROJECTS: [string, string[], Record<string, 'cjs' | 'esm'>][] = [
  ['commonjs (node10 resolution)', ['--module', 'commonjs', '--moduleResolution', 'node10'], { 'uses.ts': 'esm' }],
  ['node16', ['--module', 'node16'], { 'uses.cts': 'cjs', 'uses.ts': 'cjs', 'uses.mts': 'esm' }],
  ['nodenext', ['--module', 'nodenext'], { 'uses.cts': 'cjs', 'uses.ts': 'cjs', 'uses.mts': 'esm' }],
  ['bundler', ['--module', 'preserve', '--moduleResolution', 'bundler'], { 'uses.ts': 'esm' }],
];

const DECLARATIONS = { cjs: 'dist/bundle/cjs/types/fs/index.d.cts', esm: 'dist/src/fs/index.d.ts' };

for (const [name, options, files] of PROJECTS) {
  test(`a TypeScript project (${name}: ${Object.keys(files).join(', ')}) finds the types of every entry point`, {
    skip: ('bun' in process.versions || 'deno' in process.versions) && 'the types resolve as tsc resolves them, whatever the runtime: checked on Node',
  }, () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'ringcore-types-'));
    try {
      mkdirSync(path.join(dir, 'node_modules', '@types'), { recursive: true });
      symlinkSync(root, path.join(dir, 'node_modules', 'ringcore'));
      symlinkSync(path.join(root, 'node_modules', '@types', 'node'), path.join(dir, 'node_modules', '@types', 'node'));
      // No "type": a .ts file is CommonJS under node16 and nodenext.
      writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ private: true }));
      for (const file of Object.keys(files)) writeFileSync(path.join(dir, file), `${USES}${WRONG}`);
      const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
      // --traceResolution: which declarations each file's import of ringcore/fs got.
      const args = [
        tsc,
        '--noEmit',
        '--strict',
        '--skipLibCheck',
        '--target',
        'es2022',
        '--types',
        'node',
        '--traceResolution',
        ...options,
        ...Object.keys(files),
      ];
      const result = spawnSync(process.execPath, args, { cwd: dir, encoding: 'utf8', timeout: 120_000, maxBuffer: 256 * 1024 * 1024 });
      const errors = result.stdout.split('\n').filter((line) => line.includes('error TS'));
      assert.equal(result.status, 0, `${errors.join('\n')}${result.stderr}`);
      for (const [file, tree] of Object.entries(files)) {
        const resolved = new RegExp(`Resolving module 'ringcore/fs' from '${path.join(dir, file)}'[^]*?successfully resolved to '([^']+)'`).exec(result.stdout);
        assert.equal(resolved && path.relative(root, resolved[1]), DECLARATIONS[tree], `the declarations of ringcore/fs for ${file}`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}
