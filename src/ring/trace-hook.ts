// The white box's hook: every SQE submitted, every CQE reaped and every
// io_uring_enter made can be observed. This file is all the ring layer knows
// of tracing: who listens, and the diagnostics_channel names it publishes on.
// What the events become (readable lines, a timeline, an SVG, RINGCORE_TRACE)
// lives in src/trace, which a program loads only when it asks for it.
//
// Listeners are global (all rings, the default ones included); a ring nobody
// observes pays one null check and one `hasSubscribers` read per submit,
// enter and reap.
import type * as Diagnostics from 'node:diagnostics_channel';
import { lazyBuiltin } from '../sys/builtins.js';

/** What the hook sees: every SQE as it is submitted, every CQE as it is reaped, every io_uring_enter. */
export type TraceEvent = SqeEvent | CqeEvent | EnterEvent;

/** What every trace event carries. */
interface RingEvent {
  /** The ring's id (IoUring.id): a small number, unique in the process. */
  ring: number;
}

/** What an SQE and its CQEs share: the user_data that ties them together. */
interface UserData {
  /** user_data as a number: slot + generation × 2^32. */
  userData: number;
  /** The low word of user_data: the op's slot. */
  slot: number;
  /** The high word of user_data: the slot's generation, which tells a late CQE from a current one. */
  generation: number;
}

/** An SQE, as the kernel is about to read it (traced when the SQ tail is published). */
export interface SqeEvent extends RingEvent, UserData {
  /** Which event: an SQE. */
  type: 'sqe';
  /** IORING_OP_*. */
  opcode: number;
  /** IOSQE_* flags. */
  flags: number;
  /** sqe->fd: the fd, or a registered file's index with IOSQE_FIXED_FILE. */
  fd: number;
  /** sqe->len: a byte count, iovec count or other op-specific length. */
  len: number;
  /** The offset, or -1 for "the file position". */
  off: number;
}

/** A CQE, as it is reaped. */
export interface CqeEvent extends RingEvent, UserData {
  /** Which event: a CQE. */
  type: 'cqe';
  /** The result: a count, an fd, or -errno. */
  res: number;
  /** IORING_CQE_F_* (F_MORE: more CQEs follow for this op; F_NOTIF: a SEND_ZC notification). */
  flags: number;
}

/** An io_uring_enter call and what it returned. */
export interface EnterEvent extends RingEvent {
  /** Which event: an io_uring_enter call. */
  type: 'enter';
  /** The SQEs it was asked to submit. */
  toSubmit: number;
  /** The CQEs it was asked to wait for (with IORING_ENTER_GETEVENTS). */
  minComplete: number;
  /** IORING_ENTER_* flags. */
  flags: number;
  /** SQEs consumed, or -errno. */
  ret: number;
}

/** A function given every trace event of every ring (addTraceListener). */
export type TraceListener = (event: TraceEvent) => void;

/** What the hook needs of a ring (IoUring): declared here so that the two files do not import each other. */
export interface TracedRing {
  /** The id its events carry. */
  readonly id: number;
  /** The hook it calls, set by this module: the listeners' dispatch, or null. */
  trace: TraceListener | null;
  /** SQ size. */
  readonly sqEntries: number;
  /** CQ size. */
  readonly cqEntries: number;
  /** SQEs handed out and not yet consumed by the kernel. */
  sqPending(): number;
  /** CQEs ready to be reaped. */
  cqReady(): number;
}

/**
 * The diagnostics_channel names ringcore publishes on (as undici does), one
 * per event type; the message is the TraceEvent. APM tools subscribe with
 * `diagnostics_channel.subscribe('ringcore:sqe', fn)` and need no ringcore import.
 */
export const TRACE_CHANNELS = {
  /** SqeEvents. */
  sqe: 'ringcore:sqe',
  /** CqeEvents. */
  cqe: 'ringcore:cqe',
  /** EnterEvents. */
  enter: 'ringcore:enter',
} as const;

const diagnostics = lazyBuiltin<typeof Diagnostics>('node:diagnostics_channel');
type Channels = Record<keyof typeof TRACE_CHANNELS, Diagnostics.Channel>;
// Held here: the channels must outlive any one subscriber (Node keeps them
// weakly). Made with the first ring, which is the first that can publish: a
// subscriber that came earlier is found by name then.
let channels: Channels | null = null;

const listeners = new Set<TraceListener>();
// By id: the timeline reads a ring's SQ and CQ occupancy when its events arrive.
const rings = new Map<number, TracedRing>();

function publish(event: TraceEvent): void {
  const channel = channels![event.type];
  if (channel.hasSubscribers) channel.publish(event);
}

function dispatch(event: TraceEvent): void {
  for (const listener of listeners) listener(event);
  publish(event);
}

/**
 * The hook a ring calls now: its listeners' dispatch, or the channels when
 * only they have subscribers, or null. Read once per submit, enter and reap:
 * a subscription can come at any time, and Node tells nobody when it does.
 */
export function traceHook(uring: TracedRing): TraceListener | null {
  if (uring.trace !== null) return uring.trace;
  // attachTrace() ran for every ring, so the channels exist.
  const all = channels!;
  return all.sqe.hasSubscribers || all.cqe.hasSubscribers || all.enter.hasSubscribers ? publish : null;
}

function makeChannels(): Channels {
  const { channel } = diagnostics();
  return { sqe: channel(TRACE_CHANNELS.sqe), cqe: channel(TRACE_CHANNELS.cqe), enter: channel(TRACE_CHANNELS.enter) };
}

/** Called by TracedRing for itself: rings created while tracing is on trace too. */
export function attachTrace(uring: TracedRing): void {
  channels ??= makeChannels();
  rings.set(uring.id, uring);
  uring.trace = listeners.size > 0 ? dispatch : null;
}

/** Called by IoUring.close(): a closed ring is no longer traced or looked up. */
export function detachTrace(uring: TracedRing): void {
  rings.delete(uring.id);
  uring.trace = null;
}

/** The open ring with this id, for observers that read its occupancy (undefined once closed). */
export function tracedRing(id: number): TracedRing | undefined {
  return rings.get(id);
}

/** Receives every trace event of every ring. Returns a function that removes the listener. */
export function addTraceListener(listener: TraceListener): () => void {
  listeners.add(listener);
  for (const uring of rings.values()) uring.trace = dispatch;
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0) for (const uring of rings.values()) uring.trace = null;
  };
}
