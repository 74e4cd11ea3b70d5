// The SVG timeline: one band per ring, one rect per op slice, enter ticks and
// counter lines, and nothing that breaks XML.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import { Timeline, renderTimelineSvg, type ChromeTrace } from '../../src/trace/index.js';

/** A made-up run on two rings: 3 NOPs and a TIMEOUT on ring 1, a failed READ on ring 2. */
function sample(): ChromeTrace {
  let clock = 0;
  const gauge = { sqEntries: 8, cqEntries: 16, sqPending: () => 0, cqReady: () => 0 };
  const timeline = new Timeline(
    () => gauge,
    () => clock,
  );
  const sqe = (ring: number, opcode: number, userData: number, fd = -1) =>
    timeline.record({ type: 'sqe', ring, opcode, flags: 0, fd, len: 0, off: 0, userData, slot: userData, generation: 0 });
  const cqe = (ring: number, userData: number, res: number) => timeline.record({ type: 'cqe', ring, res, flags: 0, userData, slot: userData, generation: 0 });
  sqe(1, 0, 0);
  sqe(1, 0, 1);
  sqe(1, 0, 2);
  sqe(1, 11, 3);
  timeline.record({ type: 'enter', ring: 1, toSubmit: 4, minComplete: 0, flags: 0, ret: 4 });
  clock = 0.01;
  for (const u of [0, 1, 2]) cqe(1, u, 0);
  sqe(2, 22, 0, 99);
  timeline.record({ type: 'enter', ring: 2, toSubmit: 1, minComplete: 0, flags: 0, ret: 1 });
  clock = 0.02;
  cqe(2, 0, -9);
  clock = 5;
  cqe(1, 3, -62);
  return timeline.toJSON();
}

const count = (text: string, pattern: RegExp) => (text.match(pattern) ?? []).length;

test('renderTimelineSvg draws a band per ring and a rect per op slice', () => {
  const svg = renderTimelineSvg(sample(), { title: 'a <test> & more' });
  assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" width="1200" height="\d+" viewBox=/);
  assert.ok(svg.trimEnd().endsWith('</svg>'));
  assert.equal(count(svg, /<g class="ring" data-ring="\d+">/g), 2);
  assert.match(svg, /data-ring="1"[\s\S]*data-ring="2"/, 'rings in id order');
  assert.equal(count(svg, /<rect class="op" /g), 5);
  assert.equal(count(svg, /<title>io_uring_enter to_submit=/g), 2);
  assert.ok(count(svg, /<path class="counter" /g) >= 2, 'counter lines');
  assert.match(svg, /a &lt;test&gt; &amp; more/, 'text is escaped');
  assert.match(svg, /<title>READ [^<]*res=-9 errno=EBADF<\/title>/, 'a slice carries its args');
  assert.match(svg, />TIMEOUT<\/text>/, 'a wide slice is labelled');
  // Every element opened is closed (a rough well-formedness check, enough for this generator).
  for (const tag of ['svg', 'g', 'text', 'title', 'rect', 'line']) {
    const opened = count(svg, new RegExp(`<${tag}[ >]`, 'g'));
    const closed = count(svg, new RegExp(`</${tag}>`, 'g')) + count(svg, new RegExp(`<${tag}[^>]*/>`, 'g'));
    assert.equal(opened, closed, `<${tag}> balanced`);
  }
});

test('renderTimelineSvg draws only the window asked for', () => {
  const svg = renderTimelineSvg(sample(), { from: 1000, to: 5000, width: 800 });
  assert.match(svg, /width="800"/);
  assert.equal(count(svg, /<rect class="op" /g), 1, 'only the TIMEOUT reaches into 1-5 ms');
});

test('renderTimelineSvg accepts a bare event list and an empty trace', () => {
  assert.equal(count(renderTimelineSvg(sample().traceEvents), /<rect class="op" /g), 5);
  const empty = renderTimelineSvg([]);
  assert.match(empty, /<svg /);
  assert.equal(count(empty, /class="ring"/g), 0);
});
