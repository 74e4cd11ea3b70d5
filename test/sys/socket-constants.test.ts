// Checks src/sys/socket-constants.ts against the C headers: every export is
// printed by a program compiled against <sys/socket.h>, <netinet/in.h>,
// <netinet/tcp.h>, <poll.h> and compared.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import * as S from '../../src/sys/socket-constants.js';
import { cHeaders } from '../../test-support/c-headers.js';

const c = cHeaders('socket-constants', [
  '#define _GNU_SOURCE',
  '#include <sys/socket.h>',
  '#include <netinet/in.h>',
  '#include <netinet/tcp.h>',
  '#include <poll.h>',
]);

test('every socket constant matches the C headers', (t) => {
  if (c.skipReason !== undefined) return void t.skip(c.skipReason);
  const names = Object.keys(S).filter((n) => n !== 'SOMAXCONN');
  const fromC = c.valuesOf('c', names);
  const ours = Object.fromEntries(names.map((n) => [n, (S as Record<string, number>)[n]]));
  assert.deepEqual(ours, fromC);
});
