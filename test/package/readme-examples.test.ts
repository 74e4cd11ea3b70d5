// README.md's code examples, run as a user runs them: each ```ts block is
// taken from the README as it is, compiled by TypeScript (target ES2022, so
// `await using` runs on Node 20 too, as docs say) and run by this runtime in
// a fresh process, importing 'ringcore' through package.json's exports (the
// bundles). Only what a snippet leaves to its reader is supplied: the files
// the fs example opens, an `expressApp`, and free ports for the fixed ones
// (other programs on the machine may hold them). The long-running examples
// (servers, a UDP loop) are driven until they answer, then stopped.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

import { backend, completionDriver } from '../../src/index.js';
import { nodeChildSkip } from '../../test-support/backend.js';
import { until } from '../../test-support/net.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

/** The README's code blocks in a language, in order. */
function blocks(lang: string): string[] {
  return [...readme.matchAll(new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\`$`, 'gm'))].map((m) => m[1]!);
}

/** The one block that contains `marker`. */
function block(marker: string): string {
  const found = [...blocks('ts'), ...blocks('js')].filter((b) => b.includes(marker));
  assert.equal(found.length, 1, `README.md has ${found.length} code blocks containing ${marker}`);
  return found[0]!;
}

const skip = nodeChildSkip();

// The snippets and the files they open live in a temporary folder, never in
// the package (a killed run, or a runtime whose 'exit' does not fire, left
// them in dist/), with node_modules links as an installed package has them:
// `import 'ringcore'` resolves through this package's "exports", and the
// Express example's `import 'express'` to the one this package has. Made
// only when the tests run: Deno, which skips them, fires neither 'exit' nor
// after(). rmSync removes the links, not what they point to.
const cwd = skip ? '' : mkdtempSync(path.join(tmpdir(), 'ringcore-readme-'));
if (!skip) {
  mkdirSync(path.join(cwd, 'node_modules'));
  symlinkSync(root, path.join(cwd, 'node_modules', 'ringcore'));
  symlinkSync(path.join(root, 'node_modules', 'express'), path.join(cwd, 'node_modules', 'express'));
  after(() => rmSync(cwd, { recursive: true, force: true }));
}

/** The snippet as tsc compiles it for Node 20 (ES2022 rewrites `await using`), in a file ready to run. */
function program(name: string, source: string): string {
  const { outputText, diagnostics } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    reportDiagnostics: true,
  });
  assert.deepEqual(diagnostics?.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')) ?? [], [], `${name} does not compile`);
  const file = path.join(cwd, `${name}.mjs`);
  writeFileSync(file, outputText);
  return file;
}

function run(file: string): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [file], { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, RINGCORE_TRACE: '' } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** Starts a long-running example; resolves once GET http://127.0.0.1:port/ answers, with its body. */
async function serving(file: string, port: number): Promise<{ child: ChildProcess; body: string; output: () => string }> {
  const child = spawn(process.execPath, [file], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, RINGCORE_TRACE: '' } });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d));
  child.stderr!.on('data', (d: Buffer) => (output += d));
  let exited = false;
  child.on('exit', () => (exited = true));
  let body: string | null = null;
  let asking = false;
  await until(
    () => {
      if (exited) throw new Error(`the example exited:\n${output}`);
      if (body === null && !asking) {
        asking = true;
        fetch(`http://127.0.0.1:${port}/`)
          .then(async (r) => (body = await r.text()))
          .catch(() => {})
          .finally(() => (asking = false));
      }
      return body !== null;
    },
    30_000,
    'the example answers HTTP',
  );
  return { child, body: body!, output: () => output };
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill();
  });
}

test("README's Usage example runs and prints 'done'", { skip }, () => {
  const result = run(program('usage', block("import { Ring, nop, run } from 'ringcore';")));
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, 'done\n');
});

test("README's file example: writes app.log, copies big.iso, streams data.bin", { skip }, () => {
  writeFileSync(path.join(cwd, 'config.json'), '{"ok":true}');
  const iso = randomBytes(3 << 20);
  writeFileSync(path.join(cwd, 'big.iso'), iso);
  writeFileSync(path.join(cwd, 'data.bin'), randomBytes(100_000));
  const result = run(program('files', block("from 'ringcore/fs';")));
  assert.equal(readFileSync(path.join(cwd, 'app.log'), 'utf8'), 'started\n');
  assert.ok(readFileSync(path.join(cwd, 'copy.iso')).equals(iso), 'copy.iso is big.iso');
  if (backend() === 'io_uring') {
    assert.equal(result.status, 0, result.stderr);
    const sizes = result.stdout.trim().split('\n').map(Number);
    assert.equal(
      sizes.reduce((a, b) => a + b, 0),
      100_000,
      `the stream's chunks (${sizes}) add up to data.bin`,
    );
  } else {
    // Registered files need io_uring (docs/fallback.md, "What throws ERR_RINGCORE_IO_URING_REQUIRED").
    assert.notEqual(result.status, 0);
    assert.match(result.stderr, /code: 'ERR_RINGCORE_IO_URING_REQUIRED'/);
  }
});

test("README's backend example prints the backend and the driver", { skip }, () => {
  const result = run(program('backend', block('console.log(backend(), completionDriver());')));
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, `${backend()} ${completionDriver()}\n`);
  if (backend() === 'io_uring' && !('bun' in process.versions) && process.env.RINGCORE_DRIVER === undefined) {
    assert.equal(result.stdout, 'io_uring poll\n', 'as its comment says, on Node with io_uring allowed');
  }
});

test("README's Express one-liner serves an Express app", { skip }, async () => {
  const port = await freePort();
  const source = block('createServer(expressApp).listen(3000);').replace('3000', String(port));
  const prologue = "import express from 'express';\nconst expressApp = express();\nexpressApp.get('/', (_req, res) => { res.send('from express'); });\n";
  const { child, body } = await serving(program('express', prologue + source), port);
  await stop(child);
  assert.equal(body, 'from express');
});

test("README's sockets example: echo client, serveHttp answers 'hi', then waits on UDP", { skip }, async () => {
  const port = await freePort();
  const source = block("from 'ringcore/net';");
  assert.ok(source.includes('port: 8081'));
  const { child, body, output } = await serving(program('sockets', source.replace('port: 8081', `port: ${port}`)), port);
  await stop(child);
  // Reaching serveHttp means connect and write resolved; the UDP loop has printed nothing (no datagram came).
  assert.equal(body, 'hi');
  assert.equal(output(), '');
});
