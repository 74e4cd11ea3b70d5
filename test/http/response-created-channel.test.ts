// diagnostics_channel's 'http.server.response.created' (published by node's
// ServerResponse constructor, on Node 24 and Deno, not Node 20): createServer's
// check of how this Node's responses take an unknown encoding
// (encoding-check.ts) built a response of its own at the first request,
// which a subscriber saw as a second response with no client behind it. Now
// only the responses the handler gets are published, as node:http's.
// (Its own file: the check runs once per process, at the first request.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import dc from 'node:diagnostics_channel';
import type http from 'node:http';
import { once } from 'node:events';

import { nodeHttpThenRingcore } from '../../test-support/twin-servers.js';

test("'http.server.response.created' is published for the responses the handler gets, none other", async () => {
  const counts: Record<string, number> = {};
  for (const [name, make] of nodeHttpThenRingcore()) {
    const published: unknown[] = [];
    const handed: http.ServerResponse[] = [];
    const subscriber = (message: unknown) => published.push((message as { response: unknown }).response);
    dc.subscribe('http.server.response.created', subscriber);
    const server = make((_req, res) => {
      handed.push(res);
      res.end('ok');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
      for (const path of ['/a', '/b']) assert.equal(await (await fetch(base + path)).text(), 'ok');
    } finally {
      dc.unsubscribe('http.server.response.created', subscriber);
      server.closeAllConnections();
      server.close();
    }
    assert.equal(handed.length, 2, name);
    // Each published response is one the handler got (on a runtime without the channel, none is published).
    for (const response of published) assert.ok(handed.includes(response as http.ServerResponse), `${name}: a response the handler never got was published`);
    assert.ok(published.length === 0 || published.length === 2, `${name}: ${published.length} published for 2 requests`);
    counts[name] = published.length;
  }
  if (counts['node:http'] !== undefined) assert.equal(counts.createServer, counts['node:http'], 'createServer publishes as node:http does');
});
