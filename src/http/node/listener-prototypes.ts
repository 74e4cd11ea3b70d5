// Requests built with the request listener's own prototypes. Express's
// app.handle gives every req and res its app's prototypes
// (Object.setPrototypeOf(req, app.request), app.response likewise). On V8 an
// object whose prototype was switched after it was built gets a map with no
// transitions: each property added to it later (res.statusCode at writeHead,
// req.params, res.locals...) copies the whole map and its ~40 descriptors, so
// every request has hidden classes of its own, Express's code goes
// megamorphic, and the copies fill the old generation (about 100 µs of a
// hello world's 120 µs on Node 20, both on node:http and here). When the
// first 'request' listener carries such prototypes (an Express app), its
// req/res are built with them from the start, by plain constructors that
// call node:http's (as ServerResponse calls OutgoingMessage): Express's
// switch then finds the prototype in place and does nothing.
//
// Only where that cannot be told apart from node:http's objects: node:http's
// own classes, prototypes that derive from them and only add members (no
// member of node:http's classes or their instances is replaced, so building
// and filling the objects does exactly what it does there), and only for the
// requests that go to 'request' first (not 'checkContinue', 'dropRequest'...).
import type { IncomingMessage, ServerResponse } from 'node:http';

/** How a connection builds a request's req and res. */
export interface MessageClasses {
  readonly IncomingMessage: new (socket: never) => IncomingMessage;
  readonly ServerResponse: new (req: IncomingMessage) => ServerResponse;
}

type Members = { request?: unknown; response?: unknown };

/**
 * Constructors that build `Base`'s objects with `listener`'s prototypes
 * (`listener.request` / `listener.response`), or null when the listener has
 * none, or they could change what building the objects does.
 */
export function listenerClasses(listener: unknown, Base: MessageClasses): MessageClasses | null {
  if (typeof listener !== 'function') return null;
  const { request, response } = listener as Members;
  if (!onlyAdds(request, Base.IncomingMessage) || !onlyAdds(response, Base.ServerResponse)) return null;
  // The instances' own members (as built and filled by the connection) must not meet the prototypes' either.
  const probe = new Base.IncomingMessage(undefined as never);
  const own = new Set<PropertyKey>([
    ...Reflect.ownKeys(probe),
    ...Reflect.ownKeys(new Base.ServerResponse(probe)),
    // Set by the connection on each response (NodeConnection.dispatch).
    '_keepAliveTimeout',
    '_maxRequestsPerSocket',
  ]);
  if (addedKeys(request as object, Base.IncomingMessage).some((key) => own.has(key))) return null;
  if (addedKeys(response as object, Base.ServerResponse).some((key) => own.has(key))) return null;
  return { IncomingMessage: derived(Base.IncomingMessage, request as object), ServerResponse: derived(Base.ServerResponse, response as object) };
}

/** `prototype` derives from `Base`'s and adds members without replacing any; `Base` can be called as a function. */
function onlyAdds(prototype: unknown, Base: abstract new (...args: never[]) => object): boolean {
  if (typeof prototype !== 'object' || prototype === null || prototype === Base.prototype) return false;
  if (!Object.prototype.isPrototypeOf.call(Base.prototype, prototype)) return false;
  // A class constructor cannot be called with a `this` of ours.
  if (Function.prototype.toString.call(Base).startsWith('class')) return false;
  return addedKeys(prototype, Base).every((key) => !(key in Base.prototype));
}

/** The keys of the prototypes between `prototype` (included) and `Base.prototype` (excluded). */
function addedKeys(prototype: object, Base: abstract new (...args: never[]) => object): PropertyKey[] {
  const keys: PropertyKey[] = [];
  for (let p: object | null = prototype; p !== null && p !== Base.prototype; p = Object.getPrototypeOf(p) as object | null) keys.push(...Reflect.ownKeys(p));
  return keys;
}

/** A constructor of `Base`'s objects with `prototype`: `Base` called on an object that has it from the start. */
function derived<T extends abstract new (...args: never[]) => object>(Base: T, prototype: object): T {
  const call = Base as unknown as (this: object, arg: unknown) => void;
  function Derived(this: object, arg: unknown): void {
    call.call(this, arg);
  }
  Derived.prototype = prototype;
  return Derived as unknown as T;
}
