// The echo example under load: 1000 concurrent node:net clients, all answered
// correctly, from a server in its own process.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';

import { startExample } from '../../test-support/server.js';

function exchange(port: number, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1' });
    let got = '';
    socket.setEncoding('utf8');
    socket.on('connect', () => socket.end(message));
    socket.on('data', (d: string) => (got += d));
    socket.on('end', () => resolve(got));
    socket.on('error', reject);
  });
}

test('1000 concurrent connections to the echo example are all answered correctly', async () => {
  const server = await startExample('echo');
  try {
    const messages = Array.from({ length: 1000 }, (_, i) => `message ${i} `.repeat(1 + (i % 7)));
    const answers = await Promise.all(messages.map((m) => exchange(server.port, m)));
    assert.deepEqual(answers, messages);
    assert.equal(server.child.exitCode, null, 'the server is still running');
  } finally {
    const code = await server.stop();
    assert.equal(server.stderr(), '');
    void code;
  }
});
