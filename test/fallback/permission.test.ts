// Node's permission model (--permission): io_uring would open files and
// sockets past its checks, so under it ringcore does its I/O through node:fs
// and node:net (the node backend), which keep them. Each case runs in a child
// process started with the model's flags.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runtime } from '../../src/sys/runtime.js';
import { requireIoUring } from '../../test-support/backend.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const fsModule = new URL('../../src/fs/index.js', import.meta.url).href;
const httpModule = new URL('../../src/http/index.js', import.meta.url).href;
const index = new URL('../../src/index.js', import.meta.url).href;
const flags = process.allowedNodeEnvironmentFlags;
const modelFlag = flags.has('--permission') ? '--permission' : '--experimental-permission';
const skip = runtime !== 'node' ? "Node's permission model is Node's own" : !flags.has(modelFlag) ? 'this Node has no permission model' : false;

const allowed = mkdtempSync(path.join(os.tmpdir(), 'ringcore-perm-allowed-'));
const outside = mkdtempSync(path.join(os.tmpdir(), 'ringcore-perm-outside-'));
writeFileSync(path.join(allowed, 'in.txt'), 'inside');
writeFileSync(path.join(outside, 'secret.txt'), 'secret');
after(() => {
  rmSync(allowed, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

/** Runs an ES module body under the model: the checkout and `allowed` readable, `allowed` writable. */
function child(body: string, { addons = true, env = {} }: { addons?: boolean; env?: Record<string, string> } = {}) {
  const args = [modelFlag, `--allow-fs-read=${root}*`, `--allow-fs-read=${allowed}/*`, `--allow-fs-write=${allowed}/*`];
  if (addons) args.push('--allow-addons');
  if (flags.has('--allow-net')) args.push('--allow-net');
  const r = spawnSync(process.execPath, [...args, '--input-type=module', '-e', body], {
    env: { ...process.env, RINGCORE_BACKEND: undefined, RINGCORE_QUIET: undefined, NODE_OPTIONS: undefined, ...env },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, `child failed:\n${r.stderr}`);
  return { out: JSON.parse(r.stdout) as Record<string, unknown>, stderr: r.stderr };
}

const probe = `
  import { backend } from '${index}';
  import { readFile, writeFile } from '${fsModule}';
  const outcome = (p) => p.then((v) => v, (e) => e.code);
  console.log(JSON.stringify({
    backend: backend(),
    inside: await outcome(readFile(${JSON.stringify(path.join(allowed, 'in.txt'))}, 'utf8')),
    outside: await outcome(readFile(${JSON.stringify(path.join(outside, 'secret.txt'))}, 'utf8')),
    write: await outcome(writeFile(${JSON.stringify(path.join(allowed, 'out.txt'))}, 'w').then(() => 'written')),
    writeOutside: await outcome(writeFile(${JSON.stringify(path.join(outside, 'out.txt'))}, 'w').then(() => 'written')),
  }));`;

test('under the permission model ringcore uses the node backend: a file outside --allow-fs-read is refused as node:fs refuses it', { skip }, () => {
  const { out, stderr } = child(probe);
  assert.deepEqual(out, { backend: 'node', inside: 'inside', outside: 'ERR_ACCESS_DENIED', write: 'written', writeOutside: 'ERR_ACCESS_DENIED' });
  const warnings = stderr.split('\n').filter((line) => line.includes('RINGCORE_FALLBACK'));
  assert.equal(warnings.length, 1, stderr);
  assert.match(warnings[0]!, /permission model is on/);
});

test('RINGCORE_BACKEND=io_uring opts out: io_uring then reads what the model refuses (why it is not the default)', {
  skip: skip || requireIoUring().skip,
}, () => {
  const { out } = child(probe, { env: { RINGCORE_BACKEND: 'io_uring' } });
  assert.deepEqual(out, { backend: 'io_uring', inside: 'inside', outside: 'secret', write: 'written', writeOutside: 'written' });
});

test('the HTTP server answers under the permission model (node backend)', { skip }, () => {
  const { out } = child(`
    import http from 'node:http';
    import { backend } from '${index}';
    import { serve, HttpResponse } from '${httpModule}';
    const server = await serve({ host: '127.0.0.1', port: 0, fetch: () => new HttpResponse('answered') });
    const body = await new Promise((resolve, reject) =>
      http.get('http://127.0.0.1:' + server.address.port + '/', (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk)).on('end', () => resolve(text));
      }).on('error', reject));
    await server.close();
    console.log(JSON.stringify({ backend: backend(), body }));`);
  assert.deepEqual(out, { backend: 'node', body: 'answered' });
});

test('without --allow-addons the first call says the model refuses the addon, and how to allow it', { skip }, () => {
  const { out } = child(
    `import { readFile } from '${fsModule}';
     const error = await readFile(${JSON.stringify(path.join(allowed, 'in.txt'))}).then(() => null, (e) => e);
     console.log(JSON.stringify({ code: error?.code, hint: /--allow-addons/.test(error?.message) }));`,
    { addons: false },
  );
  assert.deepEqual(out, { code: 'ERR_RINGCORE_NATIVE_MISSING', hint: true });
});
