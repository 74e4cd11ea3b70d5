// Layer 0: the only native code in ringcore.
//
// It knows nothing about io_uring. It gives TypeScript four things Node lacks:
//   syscall(nr, ...args)        a raw system call, returning -errno on failure
//   mmap(fd, offset, length)    shared memory as an ArrayBuffer; unmap(buffer) releases it early
//   address(view)               where a buffer view's first byte lives
//   watch(fd, callback)         a uv_poll on fd that calls back with microtasks run afterwards
//   watchThread(fd, callback)   the same, for runtimes without uv_poll (Bun, Deno): a thread
//                               waits on fd and wakes JS through a threadsafe function
//   own(fd, ring?) / close(fd)  fds (rings, eventfds) closed with the thread's environment
//   copyFileRange(...)          copy_file_range (and FICLONE) on a libuv thread-pool thread:
//                               io_uring has no copy op, and this was the fastest copy measured
//   copyFileChecked(...)        libuv's copyfile of two paths on a pool thread, unless the source
//                               is a regular file of size 0 (a /proc file: libuv would copy nothing)
//   spliceToPipe(...)           splice(2) from a file into a small pipe on a pool thread: each
//                               SPLICE request moves one pipe-full and wakes the JS thread
//   poolBlock()                 a zeroed 64 KiB Buffer over memory that stays mapped, taken back
//                               by its finalizer once V8 has collected it (or null: use Buffer.alloc)
//   mountsGeneration()          a count of the changes seen in the process's mount table
//   interfaceVersion            NATIVE_INTERFACE below: which of these this binary has, and how they are called
// Everything else (io_uring_setup/enter/register, ring layouts, SQEs) is TypeScript. The one
// exception is tearing a ring down when its thread's environment goes away, when no JS can
// run any more: TypeScript hands over, in advance, where the ring's fields live and two
// ready-made SQEs (see "what a thread owns" below).

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <node_api.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <uv.h>

#ifndef FICLONE
#define FICLONE _IOW(0x94, 9, int)  // linux/fs.h
#endif

#ifndef SYS_io_uring_setup
#define SYS_io_uring_setup 425  // the same on every architecture's generic table
#endif
#ifndef SYS_io_uring_enter
#define SYS_io_uring_enter 426
#endif

// The interface between this file and the JavaScript: every function above,
// its arguments, results and statuses. The loader (src/sys/native.ts) refuses
// a binary whose interfaceVersion is not its own NATIVE_INTERFACE (a stale
// build of an older checkout) and tries the next one, so the JavaScript never
// asks a binary what it has. Bump both on any change to the interface
// (test/sys/native-interface.test.ts holds them equal).
#define NATIVE_INTERFACE 1

// Throws a TypeError for a call's bad arguments; returns NULL, for the caller to return.
static napi_value bad_arguments(napi_env env, const char *usage) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", usage);
  return NULL;
}

// Throws an Error for a step of the shim that failed; returns NULL, for the caller to return.
static napi_value native_failure(napi_env env, const char *what) {
  napi_throw_error(env, "ERR_RINGCORE_NATIVE", what);
  return NULL;
}

#define CHECK(env, call)                                                 \
  do {                                                                   \
    if ((call) != napi_ok) return native_failure((env), #call " failed"); \
  } while (0)

static napi_value make_number(napi_env env, double value) {
  napi_value result;
  napi_create_double(env, value, &result);
  return result;
}

// Numbers are doubles in JS; every value we pass (fds, lengths, user-space
// addresses below 2^47) is exact in one. BigInts are accepted too.
static int arg_to_long(napi_env env, napi_value value, long *out) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok) return 0;
  if (type == napi_number) {
    int64_t v;
    if (napi_get_value_int64(env, value, &v) != napi_ok) return 0;
    *out = (long)v;
    return 1;
  }
  if (type == napi_bigint) {
    int64_t v;
    bool lossless;
    if (napi_get_value_bigint_int64(env, value, &v, &lossless) != napi_ok) return 0;
    *out = (long)v;
    return 1;
  }
  if (type == napi_undefined) {
    *out = 0;
    return 1;
  }
  return 0;
}

// An fd argument: a number that is an integer in [0, INT_MAX]. arg_to_long
// would truncate 1.5 to 1, and the (int) cast of 2**32 + 1 would be fd 1: a
// valid fd, and the wrong one. Anything else throws (a TypeError for a value
// that is not a number, a RangeError for a number that is no fd), so that a
// caller's bug never reaches a syscall on another fd. Returns 0 then.
static int arg_to_fd(napi_env env, napi_value value, const char *usage, int *out) {
  napi_valuetype type;
  double v;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_number || napi_get_value_double(env, value, &v) != napi_ok) {
    bad_arguments(env, usage);
    return 0;
  }
  if (!(v >= 0 && v <= INT_MAX) || v != (double)(int)v) {
    char message[160];
    snprintf(message, sizeof message, "%s: an fd must be an integer >= 0 && <= %d", usage, INT_MAX);
    napi_throw_range_error(env, "ERR_OUT_OF_RANGE", message);
    return 0;
  }
  *out = (int)v;
  return 1;
}

// syscall(nr, a0?, a1?, a2?, a3?, a4?, a5?) -> result, or -errno
static napi_value js_syscall(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  long args[7] = {0};
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) return bad_arguments(env, "syscall needs a number");
  for (size_t i = 0; i < argc; i++) {
    if (!arg_to_long(env, argv[i], &args[i])) return bad_arguments(env, "syscall arguments must be numbers or bigints");
  }
  long ret = syscall(args[0], args[1], args[2], args[3], args[4], args[5], args[6]);
  return make_number(env, ret < 0 ? -(double)errno : (double)ret);
}

// ---- shared memory -------------------------------------------------------

typedef struct mapping {
  void *addr;
  size_t length;
  int unmapped;
  struct mapping *next;
} mapping;

// Live mappings, so that unmap(buffer) can find the record its finalizer will
// also see. Worker threads share this list, hence the lock.
static mapping *mappings = NULL;
static pthread_mutex_t mappings_lock = PTHREAD_MUTEX_INITIALIZER;

static void release_mapping(mapping *m) {
  if (!m->unmapped) {
    munmap(m->addr, m->length);
    m->unmapped = 1;
  }
}

// The live (not yet unmapped) mapping that starts at addr, or NULL. Call with mappings_lock held.
static mapping *live_mapping_at(void *addr) {
  mapping *m = mappings;
  while (m && (m->addr != addr || m->unmapped)) m = m->next;
  return m;
}

// Unmaps the live mapping that starts at addr, if any. Returns 0, or -EINVAL.
static int release_mapping_at(void *addr) {
  pthread_mutex_lock(&mappings_lock);
  mapping *m = live_mapping_at(addr);
  if (m) release_mapping(m);
  pthread_mutex_unlock(&mappings_lock);
  return m ? 0 : -EINVAL;
}

static void teardown_ring_mapped_at(void *addr);

// The buffer is garbage, or its environment is going away. If it is the
// memory of a ring that is still open, the ring is quiesced and closed first:
// the environment's buffers may be freed once the mappings are (Node runs
// these finalizers before the ring's own cleanup hook).
static void finalize_mapping(napi_env env, void *data, void *hint) {
  mapping *m = hint;
  pthread_mutex_lock(&mappings_lock);
  int unmapped = m->unmapped;
  pthread_mutex_unlock(&mappings_lock);
  // unmap() (the ring's own close) unmaps before it detaches, which may finalize.
  if (!unmapped) teardown_ring_mapped_at(m->addr);
  pthread_mutex_lock(&mappings_lock);
  for (mapping **p = &mappings; *p; p = &(*p)->next) {
    if (*p == m) {
      *p = m->next;
      break;
    }
  }
  release_mapping(m);
  pthread_mutex_unlock(&mappings_lock);
  free(m);
}

// mmap(fd, offset, length) -> ArrayBuffer, or -errno
static napi_value js_mmap(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  long offset, length;
  int fd;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3) return bad_arguments(env, "mmap(fd, offset, length) needs numbers");
  if (!arg_to_fd(env, argv[0], "mmap(fd, offset, length)", &fd)) return NULL;
  if (!arg_to_long(env, argv[1], &offset) || !arg_to_long(env, argv[2], &length) || length <= 0) {
    return bad_arguments(env, "mmap(fd, offset, length) needs numbers");
  }
  void *addr = mmap(NULL, (size_t)length, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, offset);
  if (addr == MAP_FAILED) return make_number(env, -(double)errno);
  // A forked child must not share the rings with its parent.
  madvise(addr, (size_t)length, MADV_DONTFORK);

  mapping *m = calloc(1, sizeof *m);
  if (!m) {
    munmap(addr, (size_t)length);
    return make_number(env, -(double)ENOMEM);
  }
  m->addr = addr;
  m->length = (size_t)length;
  napi_value buffer;
  if (napi_create_external_arraybuffer(env, addr, (size_t)length, finalize_mapping, m, &buffer) != napi_ok) {
    munmap(addr, (size_t)length);
    free(m);
    return native_failure(env, "napi_create_external_arraybuffer failed");
  }
  pthread_mutex_lock(&mappings_lock);
  m->next = mappings;
  mappings = m;
  pthread_mutex_unlock(&mappings_lock);
  return buffer;
}

// unmap(arrayBuffer): detach the buffer (so JS can no longer touch the memory)
// and munmap it now rather than at garbage collection. Returns 0, or -EINVAL.
static napi_value js_unmap(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *data;
  size_t length;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_arraybuffer_info(env, argv[0], &data, &length) != napi_ok) {
    return bad_arguments(env, "unmap needs an ArrayBuffer from mmap");
  }
  pthread_mutex_lock(&mappings_lock);
  mapping *m = live_mapping_at(data);
  pthread_mutex_unlock(&mappings_lock);
  if (!m) return make_number(env, -(double)EINVAL);
  // Unmapped first, so that the finalizer the detach may run knows it was not garbage.
  int ret = release_mapping_at(data);
  if (napi_detach_arraybuffer(env, argv[0]) != napi_ok) return native_failure(env, "napi_detach_arraybuffer failed");
  return make_number(env, ret);
}

// address(view) -> address of the view's first byte. Taking a typed array's
// buffer moves any on-heap storage off the heap, so the address stays valid
// for as long as the buffer is alive.
static napi_value js_address(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void *data = NULL;
  size_t length;
  bool is;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) goto bad;
  if (napi_is_typedarray(env, argv[0], &is) == napi_ok && is) {
    napi_typedarray_type type;
    napi_value ab;
    size_t offset;
    CHECK(env, napi_get_typedarray_info(env, argv[0], &type, &length, &data, &ab, &offset));
  } else if (napi_is_dataview(env, argv[0], &is) == napi_ok && is) {
    napi_value ab;
    size_t offset;
    CHECK(env, napi_get_dataview_info(env, argv[0], &length, &data, &ab, &offset));
  } else if (napi_is_arraybuffer(env, argv[0], &is) == napi_ok && is) {
    CHECK(env, napi_get_arraybuffer_info(env, argv[0], &data, &length));
  } else {
    goto bad;
  }
  return make_number(env, (double)(uintptr_t)data);
bad:
  return bad_arguments(env, "address needs an ArrayBuffer, TypedArray or DataView");
}

// ---- a pool of blocks that stay mapped ---------------------------------------
//
// Buffers the JavaScript fills and hands to users (request bodies, stream
// chunks) made by Buffer.alloc live in fresh malloc memory: V8 frees hundreds
// at one scavenge, glibc gives the top of its heap back (brk), and the next
// ones fault it in again (~22 µs a fault on this VM, which decided the upload
// rows; docs/performance.md, session 20). Blocks from here come from one
// region reserved once per process and stay mapped: a block goes back to the
// pool only in its Buffer's finalizer, when V8 has collected the Buffer and
// every view of it, so no user can see the block again, and it is zeroed
// when handed out again, so that no user sees an earlier one's bytes either.
// Node runs the finalizers on the JS thread, at the turn after the GC; a
// runtime may run them where V8 frees the backing store, another thread, and
// worker threads share the pool: hence the lock.
//
// Except at a thread's teardown: when a worker's environment is torn down,
// Node calls the finalizer of every external Buffer still alive (it detaches
// the Buffer first), collected or not, and does so before any cleanup hook,
// the one that quiesces the worker's ring (own(), below) included. Such a
// block may still be in use: a read into it may be in flight, and the kernel
// would write into the block after the pool has handed it to another thread.
// So a finalizer that runs at its thread's teardown leaves its block out of
// the pool for good, counted as handed out: a worker's teardown costs the pool
// at most the blocks the worker still held. Node runs such finalizers where
// JavaScript can no longer run (a Node-API call that needs it fails); Deno
// runs them after the environment's cleanup hooks, one of which marks the
// thread. Asked only on the thread that took the block: a finalizer on another
// thread is a collection's.
//
// Bounded: at most POOL_BLOCKS blocks (64 MiB) ever exist. Free blocks stay
// resident while they are being used: V8 lets up to ~600 of them (37 MiB of
// 1 MiB uploads) pile up between two scavenges, and giving back any part of
// that batch brings the faults back. What a window of POOL_WINDOW hand-outs
// (many such batches: their sizes vary by 2× from one scavenge to the next)
// never took (the free list's low-water mark over the window: the blocks at
// its bottom, the least recently returned) is given back to the kernel
// (MADV_DONTNEED; such a block reads as zeros when next touched), so a burst
// does not stay resident once the load that needed it is gone. A window also
// ends every 10 s (poolTrim, on a timer in src/sys/pooled-block.ts): an idle
// process keeps no free block resident past two of them.

#define POOL_BLOCK (64 * 1024)
#define POOL_BLOCKS 1024  // 64 MiB of address space, reserved at the first call, committed as touched
#define POOL_WINDOW (8 * POOL_BLOCKS)  // hand-outs (512 MiB of blocks) between two trims

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;
static char *pool_region = NULL;         // POOL_BLOCKS blocks; NULL until the first call (MAP_FAILED if refused)
static uint32_t pool_used = 0;           // blocks [0, pool_used) have been handed out at least once
static uint32_t pool_hot[POOL_BLOCKS];   // free and resident (dirty): a stack, the latest on top
static uint32_t pool_hot_count = 0;
static uint32_t pool_cold[POOL_BLOCKS];  // free and given back to the kernel (reads as zeros)
static uint32_t pool_cold_count = 0;
static uint32_t pool_out = 0;            // blocks handed out and not yet finalized
static uint32_t pool_takes = 0;          // hand-outs in the current window
static uint32_t pool_low = 0;            // the fewest hot blocks in the current window
static pthread_t pool_owner[POOL_BLOCKS];  // the thread each block was last handed out on

// Whether JavaScript can run in env: Node-API's calls that may run it fail once
// the environment's teardown has begun. Call on env's thread only.
static int js_can_run(napi_env env) {
  napi_value undefined;
  bool same;
  return napi_get_undefined(env, &undefined) == napi_ok && napi_strict_equals(env, undefined, undefined, &same) == napi_ok;
}

// This thread's state, in a pthread key rather than a __thread variable (whose
// general-dynamic access in a shared object links ld.so's __tls_get_addr: a
// prebuilt binary must need nothing but libc): unset, POOL_HOOKED once a
// cleanup hook is added at the thread's first hand-out (its argument, the env,
// is unique to the thread, as Node requires of a hook), POOL_TORN_DOWN once
// that hook has run.
#define POOL_HOOKED ((void *)1)
#define POOL_TORN_DOWN ((void *)2)
static pthread_key_t pool_thread_key;
static pthread_once_t pool_thread_once = PTHREAD_ONCE_INIT;
static void pool_thread_key_create(void) { pthread_key_create(&pool_thread_key, NULL); }
static void pool_tear_down(void *env) { pthread_setspecific(pool_thread_key, POOL_TORN_DOWN); }

// The Buffer's finalizer: the block is back, unless the finalizer is its
// thread's teardown (see above). May run on any thread.
static void pool_give_back(napi_env env, void *data, void *hint) {
  uint32_t index = (uint32_t)(((char *)data - pool_region) / POOL_BLOCK);
  pthread_mutex_lock(&pool_lock);
  int owner = pthread_equal(pool_owner[index], pthread_self());
  pthread_mutex_unlock(&pool_lock);
  if (owner && (pthread_getspecific(pool_thread_key) == POOL_TORN_DOWN || !js_can_run(env))) return;
  pthread_mutex_lock(&pool_lock);
  pool_out--;
  pool_hot[pool_hot_count++] = index;
  pthread_mutex_unlock(&pool_lock);
}

// At the end of a window: gives back the `idle` blocks at the bottom of the
// hot stack, which no hand-out of the window reached. Call with pool_lock
// held; it is released around the madvise calls.
static void pool_trim(uint32_t idle) {
  uint32_t trimmed[POOL_BLOCKS];
  memcpy(trimmed, pool_hot, idle * sizeof *pool_hot);
  memmove(pool_hot, pool_hot + idle, (pool_hot_count - idle) * sizeof *pool_hot);
  pool_hot_count -= idle;
  pthread_mutex_unlock(&pool_lock);
  for (uint32_t i = 0; i < idle; i++) madvise(pool_region + (size_t)trimmed[i] * POOL_BLOCK, POOL_BLOCK, MADV_DONTNEED);
  pthread_mutex_lock(&pool_lock);
  // Listed as free only now that they read as zeros.
  memcpy(pool_cold + pool_cold_count, trimmed, idle * sizeof *pool_hot);
  pool_cold_count += idle;
}

// Ends the window: what no hand-out of it reached is given back. Call with pool_lock held.
static void pool_end_window(void) {
  uint32_t idle = pool_low < pool_hot_count ? pool_low : pool_hot_count;
  pool_takes = 0;
  if (idle > 0) pool_trim(idle);
  pool_low = pool_hot_count;
}

// A free block and whether it needs zeroing, or NULL. Call with pool_lock held.
static char *pool_take(int *dirty) {
  uint32_t index;
  if (pool_region == NULL) {
    void *region = mmap(NULL, (size_t)POOL_BLOCKS * POOL_BLOCK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    pool_region = region == MAP_FAILED ? MAP_FAILED : region;
  }
  if (pool_region == MAP_FAILED) return NULL;
  if (++pool_takes == POOL_WINDOW) pool_end_window();
  if (pool_hot_count > 0) {
    index = pool_hot[--pool_hot_count];
    *dirty = 1;
  } else if (pool_used < POOL_BLOCKS) {
    index = pool_used++;
    *dirty = 0;
  } else if (pool_cold_count > 0) {
    index = pool_cold[--pool_cold_count];
    *dirty = 0;
  } else {
    return NULL;
  }
  if (pool_hot_count < pool_low) pool_low = pool_hot_count;
  pool_out++;
  pool_owner[index] = pthread_self();
  return pool_region + (size_t)index * POOL_BLOCK;
}

// poolBlock() -> a zeroed Buffer of POOL_BLOCK bytes, or null (the pool is
// used up, or the runtime refuses external buffers): the caller allocates.
static int pool_refused = 0;  // the runtime refused an external buffer: it will again

static napi_value js_pool_block(napi_env env, napi_callback_info info) {
  int dirty = 0;
  napi_value result;
  char *block = NULL;
  if (!__atomic_load_n(&pool_refused, __ATOMIC_RELAXED)) {
    pthread_mutex_lock(&pool_lock);
    block = pool_take(&dirty);
    pthread_mutex_unlock(&pool_lock);
  }
  if (block != NULL) {
    if (dirty) memset(block, 0, POOL_BLOCK);
    pthread_once(&pool_thread_once, pool_thread_key_create);
    if (pthread_getspecific(pool_thread_key) == NULL && napi_add_env_cleanup_hook(env, pool_tear_down, env) == napi_ok)
      pthread_setspecific(pool_thread_key, POOL_HOOKED);
    if (napi_create_external_buffer(env, POOL_BLOCK, block, pool_give_back, NULL, &result) == napi_ok) return result;
    // Refused (napi_no_external_buffers_allowed under a V8 sandbox, say): the block was never seen, and
    // no later call asks again.
    __atomic_store_n(&pool_refused, 1, __ATOMIC_RELAXED);
    pool_give_back(env, block, NULL);
  }
  CHECK(env, napi_get_null(env, &result));
  return result;
}

// poolTrim(): ends the window now. Called on a timer (src/sys/pooled-block.ts), so that
// a process that stops handing blocks out gives its free ones back within two calls.
static napi_value js_pool_trim(napi_env env, napi_callback_info info) {
  pthread_mutex_lock(&pool_lock);
  if (pool_region != NULL && pool_region != MAP_FAILED) pool_end_window();
  pthread_mutex_unlock(&pool_lock);
  return NULL;
}

// poolStats() -> [handed out, free resident, free given back, never used]: for tests and measurements.
static napi_value js_pool_stats(napi_env env, napi_callback_info info) {
  napi_value result;
  uint32_t counts[4];
  pthread_mutex_lock(&pool_lock);
  counts[0] = pool_out;
  counts[1] = pool_hot_count;
  counts[2] = pool_cold_count;
  counts[3] = POOL_BLOCKS - pool_used;
  pthread_mutex_unlock(&pool_lock);
  CHECK(env, napi_create_array_with_length(env, 4, &result));
  for (uint32_t i = 0; i < 4; i++) CHECK(env, napi_set_element(env, result, i, make_number(env, counts[i])));
  return result;
}

// ---- watching an fd in Node's event loop -----------------------------------

// Both watchers take (fd, callback); returns 0 (a TypeError, or a RangeError
// for a number that is no fd, is thrown) unless the arguments are that.
static int watch_arguments(napi_env env, napi_callback_info info, const char *usage, int *fd, napi_value *callback) {
  size_t argc = 2;
  napi_value argv[2];
  napi_valuetype type;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", usage);
    return 0;
  }
  if (!arg_to_fd(env, argv[0], usage, fd)) return 0;
  if (napi_typeof(env, argv[1], &type) != napi_ok || type != napi_function) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", usage);
    return 0;
  }
  *callback = argv[1];
  return 1;
}

// The { ref(), unref(), close() } object both watchers hand to JS; it owns
// one reference to `data`, dropped by `finalize` when it is collected.
static napi_value watch_handle(napi_env env, void *data, napi_finalize finalize, napi_callback ref, napi_callback unref,
                               napi_callback close_fn) {
  napi_value handle, fn;
  napi_create_object(env, &handle);
  napi_wrap(env, handle, data, finalize, NULL, NULL);
  napi_create_function(env, "ref", NAPI_AUTO_LENGTH, ref, data, &fn);
  napi_set_named_property(env, handle, "ref", fn);
  napi_create_function(env, "unref", NAPI_AUTO_LENGTH, unref, data, &fn);
  napi_set_named_property(env, handle, "unref", fn);
  napi_create_function(env, "close", NAPI_AUTO_LENGTH, close_fn, data, &fn);
  napi_set_named_property(env, handle, "close", fn);
  return handle;
}

// A watcher has two owners: libuv (until the poll handle's close callback) and
// the JS handle object (until it is garbage collected). The last one frees it.
typedef struct watcher {
  uv_poll_t poll;
  napi_env env;
  napi_ref callback;
  napi_async_context context;
  napi_async_cleanup_hook_handle cleanup;
  int closed;
  int owners;
} watcher;

static void release_watcher(watcher *w) {
  if (--w->owners == 0) free(w);
}

static void on_poll_closed(uv_handle_t *handle) {
  watcher *w = handle->data;
  // Tells Node a worker's teardown may go on, or just drops the hook.
  napi_remove_async_cleanup_hook(w->cleanup);
  release_watcher(w);
}

static void close_watcher(watcher *w) {
  if (w->closed) return;
  w->closed = 1;
  uv_poll_stop(&w->poll);
  napi_delete_reference(w->env, w->callback);
  napi_async_destroy(w->env, w->context);
  uv_close((uv_handle_t *)&w->poll, on_poll_closed);
}

static void on_env_cleanup(napi_async_cleanup_hook_handle handle, void *data) { close_watcher(data); }

static void finalize_watcher(napi_env env, void *data, void *hint) {
  watcher *w = data;
  close_watcher(w);
  release_watcher(w);
}

// Calls callback(status) so that the runtime runs the tick and microtask queues
// afterwards (make_callback, not call_function): promise continuations must not
// wait for another event. A throw is reported as uncaught, not left pending
// (the next make_callback would fail with napi_pending_exception).
static void call_back(napi_env env, napi_async_context context, napi_value callback, int status) {
  napi_value recv, result, argv[1];
  napi_get_global(env, &recv);  // make_callback needs an object as `this`
  argv[0] = make_number(env, status);
  napi_status s = napi_make_callback(env, context, recv, callback, 1, argv, &result);
  if (s == napi_pending_exception) {
    napi_value error;
    napi_get_and_clear_last_exception(env, &error);
    napi_fatal_exception(env, error);
  }
}

static void on_poll(uv_poll_t *handle, int status, int events) {
  watcher *w = handle->data;
  napi_env env = w->env;
  napi_handle_scope scope;
  napi_value callback;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_get_reference_value(env, w->callback, &callback);
  call_back(env, w->context, callback, status);
  napi_close_handle_scope(env, scope);
}

static watcher *this_watcher(napi_env env, napi_callback_info info) {
  watcher *w = NULL;
  napi_get_cb_info(env, info, NULL, NULL, NULL, (void **)&w);
  return w && !w->closed ? w : NULL;
}

static napi_value js_watch_ref(napi_env env, napi_callback_info info) {
  watcher *w = this_watcher(env, info);
  if (w) uv_ref((uv_handle_t *)&w->poll);
  return NULL;
}

static napi_value js_watch_unref(napi_env env, napi_callback_info info) {
  watcher *w = this_watcher(env, info);
  if (w) uv_unref((uv_handle_t *)&w->poll);
  return NULL;
}

static napi_value js_watch_close(napi_env env, napi_callback_info info) {
  watcher *w = this_watcher(env, info);
  if (w) close_watcher(w);
  return NULL;
}

// watch(fd, callback) -> { ref(), unref(), close() }. callback(status) runs
// when fd is readable. The watch starts unreferenced: it does not keep the
// process alive until ref() is called. ref/unref/close after close do nothing.
static napi_value js_watch(napi_env env, napi_callback_info info) {
  napi_value callback, handle, name;
  int fd;
  if (!watch_arguments(env, info, "watch(fd, callback) needs an fd and a function", &fd, &callback)) return NULL;
  uv_loop_t *loop;
  CHECK(env, napi_get_uv_event_loop(env, &loop));
  watcher *w = calloc(1, sizeof *w);
  if (!w) return native_failure(env, "out of memory");
  int rc = uv_poll_init(loop, &w->poll, fd);
  if (rc != 0) {
    free(w);
    napi_throw_error(env, uv_err_name(rc), uv_strerror(rc));
    return NULL;
  }
  w->env = env;
  w->poll.data = w;
  w->owners = 2;
  napi_create_reference(env, callback, 1, &w->callback);
  napi_create_string_utf8(env, "ringcore:watch", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &w->context);
  // A worker thread's loop must not end with our handle still open.
  napi_add_async_cleanup_hook(env, on_env_cleanup, w, &w->cleanup);
  uv_unref((uv_handle_t *)&w->poll);
  rc = uv_poll_start(&w->poll, UV_READABLE, on_poll);

  handle = watch_handle(env, w, finalize_watcher, js_watch_ref, js_watch_unref, js_watch_close);
  if (rc != 0) {
    close_watcher(w);
    napi_throw_error(env, uv_err_name(rc), uv_strerror(rc));
    return NULL;
  }
  return handle;
}

// ---- what a thread owns, torn down with its environment ---------------------
//
// A worker that is terminate()d runs no more JS: its rings would stay open,
// and the kernel would go on writing into read buffers the isolate is about to
// free (heap corruption). So every ring and eventfd is registered here (own)
// and, when the environment is torn down, closed in C: each ring's in-flight
// requests first, then its memory, then its fd. Closing a ring fd alone is not
// enough: the kernel cancels its requests later, from a workqueue, and a read
// running in an io-wq worker or waiting for a page can still write after
// close() returns. So the ring is quiesced first, in the thread that owns it:
//   1. an ASYNC_CANCEL with IORING_ASYNC_CANCEL_ANY cancels every request;
//   2. a NOP with IOSQE_IO_DRAIN starts only once every request before it
//      has posted its CQE, cancelled ones included;
//   3. we wait (io_uring_enter GETEVENTS) for that NOP's CQE, giving every
//      CQE back to the kernel as it comes.
// After that no request is left that could touch user memory. Both SQEs are
// written by TypeScript with its own prep helpers, and where the ring's fields
// live comes from src/sys/layout.ts: this file keeps no io_uring layout.

// Indexes into the layout TypeScript passes to own() (src/ring/teardown.ts).
enum {
  L_SQ_HEAD, L_SQ_TAIL, L_SQ_MASK, L_SQ_ENTRIES, L_SQ_ARRAY, L_SQE_SIZE, L_SQE_USER_DATA,
  L_CQ_HEAD, L_CQ_TAIL, L_CQ_MASK, L_CQES, L_CQE_SIZE, L_CQE_USER_DATA, L_CQE_RES,
  L_SUBMIT_FLAGS, L_ROOM_FLAGS, L_WAIT_FLAGS, L_SQ_POLL, L_COUNT
};
#define NO_SQ_ARRAY 0xffffffffu
// A misbehaving ring (it should not happen) must not hang the thread's exit for ever
// while it waits for SQ room.
#define MAX_ROOM_TRIES 100000

typedef struct owned {
  napi_env env;
  int fd;
  struct owned *next;
  // Rings only (sq == NULL for a plain fd such as an eventfd).
  uint8_t *sq, *cq, *sqes;
  uint32_t layout[L_COUNT];
  // The cancel-everything SQE, then the drain NOP: each L_SQE_SIZE bytes.
  uint8_t *sqe_cancel, *sqe_drain;
} owned;

// Every environment's owned fds, found by (env, fd) when JS closes one.
static owned *owned_list = NULL;
static pthread_mutex_t owned_lock = PTHREAD_MUTEX_INITIALIZER;

static int ring_enter(int fd, uint32_t to_submit, uint32_t min_complete, uint32_t flags) {
  for (;;) {
    long ret = syscall(SYS_io_uring_enter, fd, to_submit, min_complete, flags, NULL, 0);
    if (ret >= 0) return (int)ret;
    if (errno != EINTR) return -errno;
  }
}

static uint32_t load_u32(const uint8_t *base, uint32_t offset) {
  return __atomic_load_n((const uint32_t *)(base + offset), __ATOMIC_ACQUIRE);
}

static void store_u32(uint8_t *base, uint32_t offset, uint32_t value) {
  __atomic_store_n((uint32_t *)(base + offset), value, __ATOMIC_RELEASE);
}

static uint64_t user_data_of(const uint8_t *sqe, const uint32_t *L) {
  uint64_t value;
  memcpy(&value, sqe + L[L_SQE_USER_DATA], sizeof value);
  return value;
}

// Gives every ready CQE back to the kernel (nobody will read them now). When
// the CQE tagged `tag` is among them, stores its result in *res and returns 1.
static int drop_cqes(owned *o, uint64_t tag, int32_t *res) {
  const uint32_t *L = o->layout;
  int seen = 0;
  uint32_t head = load_u32(o->cq, L[L_CQ_HEAD]);
  uint32_t tail = load_u32(o->cq, L[L_CQ_TAIL]);
  for (; head != tail; head++) {
    const uint8_t *cqe = o->cq + L[L_CQES] + (size_t)(head & L[L_CQ_MASK]) * L[L_CQE_SIZE];
    uint64_t user_data;
    memcpy(&user_data, cqe + L[L_CQE_USER_DATA], sizeof user_data);
    if (user_data == tag) {
      memcpy(res, cqe + L[L_CQE_RES], sizeof *res);
      seen = 1;
    }
  }
  store_u32(o->cq, L[L_CQ_HEAD], head);
  return seen;
}

// Lets the kernel post what it holds back (a full CQ, task work) and drops it.
static void flush_cqes(owned *o) {
  int32_t res;
  drop_cqes(o, 0, &res);
  ring_enter(o->fd, 0, 0, o->layout[L_WAIT_FLAGS]);
  drop_cqes(o, 0, &res);
}

// Queues one SQE after whatever the SQ already published, and submits all of
// them. SQEs JS prepared but never published (past the SQ tail) are overwritten:
// the kernel never saw them, and now never will.
static int push_sqe(owned *o, const uint8_t *sqe) {
  const uint32_t *L = o->layout;
  uint32_t tail = load_u32(o->sq, L[L_SQ_TAIL]);
  for (int tries = 0;; tries++) {
    uint32_t head = load_u32(o->sq, L[L_SQ_HEAD]);
    if (tail - head < L[L_SQ_ENTRIES]) break;
    if (tries == MAX_ROOM_TRIES) return -EBUSY;
    int ret = ring_enter(o->fd, tail - head, 0, L[L_ROOM_FLAGS]);
    if (ret == -EBUSY || ret == -EAGAIN) flush_cqes(o);
    else if (ret < 0) return ret;
  }
  uint32_t index = tail & L[L_SQ_MASK];
  memcpy(o->sqes + (size_t)index * L[L_SQE_SIZE], sqe, L[L_SQE_SIZE]);
  if (L[L_SQ_ARRAY] != NO_SQ_ARRAY) ((uint32_t *)(o->sq + L[L_SQ_ARRAY]))[index] = index;
  store_u32(o->sq, L[L_SQ_TAIL], tail + 1);
  for (int tries = 0;; tries++) {
    uint32_t pending = tail + 1 - load_u32(o->sq, L[L_SQ_HEAD]);
    if (pending == 0) return 0;
    if (tries == MAX_ROOM_TRIES) return -EBUSY;
    int ret = ring_enter(o->fd, pending, 0, L[L_SUBMIT_FLAGS]);
    if (ret == -EBUSY || ret == -EAGAIN) flush_cqes(o);
    else if (ret < 0) return ret;
    else if (L[L_SQ_POLL]) return 0;  // its kernel thread consumes them, woken by the enter
  }
}

// Waits until the CQE tagged with sqe's user_data arrives; returns its result.
static int32_t await_sqe(owned *o, const uint8_t *sqe) {
  uint64_t tag = user_data_of(sqe, o->layout);
  int32_t res = 0;
  while (!drop_cqes(o, tag, &res)) {
    int ret = ring_enter(o->fd, 0, 1, o->layout[L_WAIT_FLAGS]);
    if (ret < 0 && ret != -EBUSY && ret != -EAGAIN && ret != -ETIME) return ret;
  }
  return res;
}

// Steps 1 to 3 above. If the kernel cannot cancel everything (no
// IORING_ASYNC_CANCEL_ANY before Linux 5.19), waiting would hang on requests
// that never end: the fd is closed without waiting, as before.
static void quiesce_ring(owned *o) {
  if (push_sqe(o, o->sqe_cancel) < 0) return;
  int32_t cancelled = await_sqe(o, o->sqe_cancel);
  if (cancelled == -EINVAL) return;
  if (push_sqe(o, o->sqe_drain) < 0) return;
  await_sqe(o, o->sqe_drain);
}

static void free_owned(owned *o) {
  free(o->sqe_cancel);
  free(o->sqe_drain);
  free(o);
}

// Takes the record of (env, fd) out of the list; NULL if fd is not owned.
static owned *unlink_owned(napi_env env, int fd) {
  owned *found = NULL;
  pthread_mutex_lock(&owned_lock);
  for (owned **p = &owned_list; *p; p = &(*p)->next) {
    if ((*p)->env == env && (*p)->fd == fd) {
      found = *p;
      *p = found->next;
      break;
    }
  }
  pthread_mutex_unlock(&owned_lock);
  return found;
}

// The environment's cleanup hook for one owned fd. Each fd has its own hook,
// added when it was owned: hooks run newest first, so this one runs after
// those of the watches on the fd, made later, which stop watching it.
static void teardown_owned(void *arg) {
  owned *o = arg;
  unlink_owned(o->env, o->fd);
  if (o->sq) {
    quiesce_ring(o);
    release_mapping_at(o->sq);
    if (o->cq != o->sq) release_mapping_at(o->cq);
    release_mapping_at(o->sqes);
  }
  close(o->fd);
  free_owned(o);
}

static void teardown_ring_mapped_at(void *addr) {
  owned *found = NULL;
  pthread_mutex_lock(&owned_lock);
  for (owned *o = owned_list; o && !found; o = o->next) {
    if (o->sq && (o->sq == addr || o->cq == addr || o->sqes == addr)) found = o;
  }
  pthread_mutex_unlock(&owned_lock);
  if (!found) return;
  napi_remove_env_cleanup_hook(found->env, teardown_owned, found);
  teardown_owned(found);
}

static int get_buffer(napi_env env, napi_value value, uint8_t **data, size_t *length) {
  bool is;
  if (napi_is_arraybuffer(env, value, &is) == napi_ok && is) {
    return napi_get_arraybuffer_info(env, value, (void **)data, length) == napi_ok;
  }
  if (napi_is_typedarray(env, value, &is) == napi_ok && is) {
    napi_typedarray_type type;
    napi_value ab;
    size_t offset, count;
    if (napi_get_typedarray_info(env, value, &type, &count, (void **)data, &ab, &offset) != napi_ok) return 0;
    size_t element = type == napi_uint32_array || type == napi_int32_array ? 4 : type == napi_uint8_array ? 1 : 0;
    *length = count * element;
    return element != 0;
  }
  return 0;
}

// Puts o on the list and adds its cleanup hook; false (o freed) if the hook could not be added.
// A ring's fd is owned plainly from its setup (setupRing) and again, with its memory, once
// mapped: the second record replaces the first in one call, so no JS runs while neither holds it.
static bool register_owned(napi_env env, owned *o) {
  owned *before = unlink_owned(env, o->fd);
  if (before) {
    napi_remove_env_cleanup_hook(env, teardown_owned, before);
    free_owned(before);
  }
  if (napi_add_env_cleanup_hook(env, teardown_owned, o) != napi_ok) {
    free_owned(o);
    return false;
  }
  pthread_mutex_lock(&owned_lock);
  o->next = owned_list;
  owned_list = o;
  pthread_mutex_unlock(&owned_lock);
  return true;
}

// own(fd) or own(ringFd, layout: Uint32Array, sqRing, cqRing, sqes: ArrayBuffer,
// cancelSqe, drainSqe: Uint8Array): fd is closed (a ring quiesced first) when
// this thread's environment is torn down, unless close(fd) came first. Owning
// an fd again replaces its record.
static napi_value js_own(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  int fd;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || (argc > 1 && argc < 7)) return bad_arguments(env, "own(fd[, layout, sqRing, cqRing, sqes, cancelSqe, drainSqe])");
  if (!arg_to_fd(env, argv[0], "own(fd[, layout, sqRing, cqRing, sqes, cancelSqe, drainSqe])", &fd)) return NULL;
  owned *o = calloc(1, sizeof *o);
  if (!o) return native_failure(env, "out of memory");
  o->env = env;
  o->fd = fd;
  if (argc == 7) {
    uint8_t *layout, *cancel, *drain;
    size_t layout_bytes, sq_bytes, cq_bytes, sqes_bytes, cancel_bytes, drain_bytes;
    int ok = get_buffer(env, argv[1], &layout, &layout_bytes) && layout_bytes == sizeof o->layout &&
             get_buffer(env, argv[2], &o->sq, &sq_bytes) && get_buffer(env, argv[3], &o->cq, &cq_bytes) &&
             get_buffer(env, argv[4], &o->sqes, &sqes_bytes) && get_buffer(env, argv[5], &cancel, &cancel_bytes) &&
             get_buffer(env, argv[6], &drain, &drain_bytes);
    if (ok) memcpy(o->layout, layout, sizeof o->layout);
    ok = ok && cancel_bytes == o->layout[L_SQE_SIZE] && drain_bytes == o->layout[L_SQE_SIZE];
    if (ok) {
      o->sqe_cancel = malloc(cancel_bytes);
      o->sqe_drain = malloc(drain_bytes);
    }
    if (!ok || !o->sqe_cancel || !o->sqe_drain) {
      free_owned(o);
      return bad_arguments(env, "own(): a ring needs its layout, its three mappings and two SQEs");
    }
    memcpy(o->sqe_cancel, cancel, cancel_bytes);
    memcpy(o->sqe_drain, drain, drain_bytes);
  }
  return register_owned(env, o) ? NULL : native_failure(env, "napi_add_env_cleanup_hook failed");
}

// setupRing(entries, params) -> a new ring's fd, or -errno: io_uring_setup(entries,
// params address), the fd owned (as own(fd)) in the same call, so that a worker
// terminated as the call returns cannot leak it. own() with the ring's memory
// replaces that record once the rings are mapped.
static napi_value js_setup_ring(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  long entries, params;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2 || !arg_to_long(env, argv[0], &entries) || !arg_to_long(env, argv[1], &params)) {
    return bad_arguments(env, "setupRing(entries, paramsAddress) needs numbers");
  }
  long fd = syscall(SYS_io_uring_setup, entries, params);
  if (fd < 0) return make_number(env, -(double)errno);
  owned *o = calloc(1, sizeof *o);
  if (!o) {
    close((int)fd);
    return make_number(env, -(double)ENOMEM);
  }
  o->env = env;
  o->fd = (int)fd;
  if (!register_owned(env, o)) {
    close((int)fd);
    return native_failure(env, "napi_add_env_cleanup_hook failed");
  }
  return make_number(env, (double)fd);
}

// close(fd) -> 0 or -errno: close(2), and forget fd if own() took it, so that
// the teardown never closes a reused fd number.
static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int fd;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) return bad_arguments(env, "close(fd) needs a number");
  if (!arg_to_fd(env, argv[0], "close(fd)", &fd)) return NULL;
  owned *o = unlink_owned(env, fd);
  if (o) {
    napi_remove_env_cleanup_hook(env, teardown_owned, o);
    free_owned(o);
  }
  return make_number(env, close(fd) < 0 ? -(double)errno : 0);
}

// ---- waking JS from a thread (runtimes without uv_poll) ---------------------
//
// Bun and Deno load N-API addons but have no uv_poll. There a thread blocks in
// epoll_wait on the fd and, when it turns readable, calls a threadsafe
// function; the callback runs on the JS thread, which reaps the ring itself.
// Only the wake-up crosses threads, never the ring. EPOLLONESHOT, re-armed
// after the callback, gives uv_poll's level-triggered behaviour with at most
// one wake-up queued.

enum { WAKE_READABLE = 1, WAKE_STOP = 2 };

typedef struct thread_watch {
  napi_env env;
  napi_threadsafe_function tsfn;
  napi_async_context context;
  int fd, epfd, stopfd;
  pthread_t thread;
  int running;  // the thread is started and not yet joined
  int closed;   // no more callbacks, ref or unref
  int released; // the tsfn is released
  int hooked;   // its environment cleanup hook is registered
  int owners;   // the JS handle and the tsfn's finalizer; the last one frees it
} thread_watch;

static void *wait_for_fd(void *arg) {
  thread_watch *w = arg;
  for (;;) {
    struct epoll_event event;
    int n = epoll_wait(w->epfd, &event, 1, -1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0 || event.data.u32 == WAKE_STOP) break;
    // napi_closing once the environment is going away: stop.
    if (napi_call_threadsafe_function(w->tsfn, NULL, napi_tsfn_nonblocking) != napi_ok) break;
  }
  return NULL;
}

static int arm(thread_watch *w, int op) {
  struct epoll_event event = {.events = EPOLLIN | EPOLLONESHOT, .data.u32 = WAKE_READABLE};
  return epoll_ctl(w->epfd, op, w->fd, &event);
}

static void join_thread(thread_watch *w) {
  if (!w->running) return;
  uint64_t one = 1;
  while (write(w->stopfd, &one, sizeof one) < 0 && errno == EINTR) {
  }
  pthread_join(w->thread, NULL);
  w->running = 0;
  close(w->epfd);
  close(w->stopfd);
}

static void release_thread_watch(thread_watch *w) {
  if (--w->owners == 0) free(w);
}

static void teardown_thread_watch(void *arg);

// Stops the thread (joined: it never touches the tsfn again) and lets the tsfn go.
static void close_thread_watch(thread_watch *w) {
  if (w->closed) return;
  w->closed = 1;
  join_thread(w);
  if (w->hooked) napi_remove_env_cleanup_hook(w->env, teardown_thread_watch, w);
  w->hooked = 0;
  napi_async_destroy(w->env, w->context);
  if (!w->released) {
    w->released = 1;
    napi_release_threadsafe_function(w->tsfn, napi_tsfn_abort);
  }
}

// The environment is going away: its hook was added after the tsfn's, so it
// runs first, and the thread is joined before the tsfn can be deleted. The
// tsfn is released (Deno would otherwise keep its eventfd); the async context
// is left to the runtime: Deno aborts (no HandleScope) on napi_async_destroy here.
static void teardown_thread_watch(void *arg) {
  thread_watch *w = arg;
  w->hooked = 0;
  w->closed = 1;
  join_thread(w);
  if (!w->released) {
    w->released = 1;
    napi_release_threadsafe_function(w->tsfn, napi_tsfn_abort);
  }
}

static void on_wake(napi_env env, napi_value callback, void *context, void *data) {
  thread_watch *w = context;
  napi_handle_scope scope;
  if (env == NULL || w->closed) return;
  // Node opens a scope around this callback; not every runtime does (Deno).
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  call_back(env, w->context, callback, 0);
  napi_close_handle_scope(env, scope);
  if (!w->closed) arm(w, EPOLL_CTL_MOD);
}

// The tsfn is going away (released, or its environment torn down): the thread
// must be joined before it is, as it calls the tsfn.
static void finalize_tsfn(napi_env env, void *data, void *hint) {
  thread_watch *w = hint;
  w->released = 1;
  close_thread_watch(w);
  release_thread_watch(w);
}

static void finalize_thread_handle(napi_env env, void *data, void *hint) {
  thread_watch *w = data;
  close_thread_watch(w);
  release_thread_watch(w);
}

static thread_watch *this_thread_watch(napi_env env, napi_callback_info info) {
  thread_watch *w = NULL;
  napi_get_cb_info(env, info, NULL, NULL, NULL, (void **)&w);
  return w && !w->closed ? w : NULL;
}

static napi_value js_thread_ref(napi_env env, napi_callback_info info) {
  thread_watch *w = this_thread_watch(env, info);
  if (w) napi_ref_threadsafe_function(env, w->tsfn);
  return NULL;
}

static napi_value js_thread_unref(napi_env env, napi_callback_info info) {
  thread_watch *w = this_thread_watch(env, info);
  if (w) napi_unref_threadsafe_function(env, w->tsfn);
  return NULL;
}

static napi_value js_thread_close(napi_env env, napi_callback_info info) {
  thread_watch *w = this_thread_watch(env, info);
  if (w) close_thread_watch(w);
  return NULL;
}

// watchThread(fd, callback) -> { ref(), unref(), close() }: watch()'s contract,
// kept by a thread instead of uv_poll.
static napi_value js_watch_thread(napi_env env, napi_callback_info info) {
  napi_value callback, name;
  int fd;
  if (!watch_arguments(env, info, "watchThread(fd, callback) needs an fd and a function", &fd, &callback)) return NULL;
  thread_watch *w = calloc(1, sizeof *w);
  if (!w) return native_failure(env, "out of memory");
  w->env = env;
  w->fd = fd;
  w->epfd = epoll_create1(EPOLL_CLOEXEC);
  w->stopfd = eventfd(0, EFD_CLOEXEC);
  struct epoll_event stop = {.events = EPOLLIN, .data.u32 = WAKE_STOP};
  if (w->epfd < 0 || w->stopfd < 0 || epoll_ctl(w->epfd, EPOLL_CTL_ADD, w->stopfd, &stop) < 0 ||
      arm(w, EPOLL_CTL_ADD) < 0) {
    int error = errno;
    if (w->epfd >= 0) close(w->epfd);
    if (w->stopfd >= 0) close(w->stopfd);
    free(w);
    return native_failure(env, strerror(error));
  }
  napi_create_string_utf8(env, "ringcore:watchThread", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &w->context);
  if (napi_create_threadsafe_function(env, callback, NULL, name, 0, 1, w, finalize_tsfn, w, on_wake, &w->tsfn) != napi_ok) {
    napi_async_destroy(env, w->context);
    close(w->epfd);
    close(w->stopfd);
    free(w);
    return native_failure(env, "napi_create_threadsafe_function failed");
  }
  w->owners = 2;
  // Like watch(): it does not keep the process alive until ref().
  napi_unref_threadsafe_function(env, w->tsfn);
  w->hooked = napi_add_env_cleanup_hook(env, teardown_thread_watch, w) == napi_ok;
  if (pthread_create(&w->thread, NULL, wait_for_fd, w) != 0) {
    close_thread_watch(w);
    release_thread_watch(w);  // the JS handle that will not exist
    return native_failure(env, "pthread_create failed");
  }
  w->running = 1;

  return watch_handle(env, w, finalize_thread_handle, js_thread_ref, js_thread_unref, js_thread_close);
}

// ---- copying a file in the kernel ------------------------------------------
//
// copyFileRange(srcFd, destFd, length, clone, flags, callback, destOffset, srcOffset, truncate, mode):
// on a thread of libuv's pool, first cuts the destination to 0 bytes when
// truncate is 1 and sets its mode with fchmod when mode is not -1 (copyFile's
// existing destination, as libuv's copyfile does on its one pool thread: an
// FTRUNCATE op before the job was a second trip to another thread, an io-wq
// worker, per copy; docs/performance.md, "Session 23"), unless flags[0] is
// already set; then tries ioctl(FICLONE) when clone is 1 (a
// reflink: no data copied) or 2 (the clone or nothing), then copies `length`
// bytes of the source from srcOffset on with copy_file_range to the
// destination from destOffset on (libuv's copyfile copies [0, length) to the
// same offsets; transfer() to a file writes at its current position).
// Neither fd's file offset moves. flags is an Int32Array the caller keeps:
// the loop stops before its next call once flags[0] is nonzero (an abort).
// Each call moves at most COPY_CHUNK bytes, so an abort is seen within one
// chunk. callback(copied, status, cloned, prepared) runs on the JS thread: status is 0,
// or -errno of the failed call (the clone's when cloned is -1, the ftruncate's
// or fchmod's when prepared is -1; prepared is 1 once they are done), 1 when
// stopped by flags[0], or COPY_AGAIN: the call has run POOL_SLICE_MS and
// gives its thread back with bytes left, and the JavaScript calls again from
// srcOffset + copied. Node ends a worker's environment (worker.terminate(),
// the worker's or the process's exit) only once every job it queued has
// returned, when no JavaScript can set flags[0] any more, and process.exit()
// joins the pool's threads: a 1 GiB copy held them until its end
// (test/fs/copy-pool-teardown.test.ts), as spliceToPipe did.

#define COPY_CHUNK (16L * 1024 * 1024)
#define COPY_AGAIN 2
// How long one pool job of copyFileRange or spliceToPipe runs before it gives its thread back (see above).
#define POOL_SLICE_MS 50

/** CLOCK_MONOTONIC in ms (vDSO: no syscall). */
static int64_t monotonic_ms(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

// What copyFileRange and spliceToPipe share: a job on libuv's pool, an
// Int32Array whose flags[0] the JS thread sets to stop it, and the callback
// that gets its result on the JS thread. Each job's struct starts with it.
typedef struct pool_work {
  napi_async_work work;
  napi_ref callback;
  napi_ref flags_ref;
  volatile int32_t *flags;
} pool_work;

// Checks the (flags, callback) arguments and queues `job` on the pool; false,
// with an error pending, when they are not an Int32Array (or NULL: a job
// nothing stops) and a function, or N-API fails.
static bool queue_pool_work(napi_env env, pool_work *job, const char *name, napi_value flags, napi_value callback,
                            napi_async_execute_callback execute, napi_async_complete_callback complete) {
  bool is_typed = false;
  napi_typedarray_type type = napi_int32_array;
  size_t count = 1;
  void *data = NULL;
  napi_valuetype callback_type;
  if ((flags != NULL && (napi_is_typedarray(env, flags, &is_typed) != napi_ok || !is_typed ||
                         napi_get_typedarray_info(env, flags, &type, &count, &data, NULL, NULL) != napi_ok)) ||
      type != napi_int32_array || count < 1 || napi_typeof(env, callback, &callback_type) != napi_ok || callback_type != napi_function) {
    char message[96];
    snprintf(message, sizeof message, "%s: flags must be an Int32Array, callback a function", name);
    bad_arguments(env, message);
    return false;
  }
  job->flags = data;
  napi_value resource;
  char label[64];
  snprintf(label, sizeof label, "ringcore:%s", name);
  if (napi_create_string_utf8(env, label, NAPI_AUTO_LENGTH, &resource) == napi_ok &&
      napi_create_reference(env, callback, 1, &job->callback) == napi_ok &&
      (flags == NULL || napi_create_reference(env, flags, 1, &job->flags_ref) == napi_ok) &&
      napi_create_async_work(env, NULL, resource, execute, complete, job, &job->work) == napi_ok && napi_queue_async_work(env, job->work) == napi_ok)
    return true;
  native_failure(env, label);
  return false;
}

// On the JS thread: calls the job's callback with argv, then frees the job.
static void finish_pool_work(napi_env env, pool_work *job, size_t argc, napi_value *argv) {
  napi_value callback, global;
  if (napi_get_reference_value(env, job->callback, &callback) == napi_ok && napi_get_global(env, &global) == napi_ok) {
    napi_call_function(env, global, callback, argc, argv, NULL);
  }
  napi_delete_reference(env, job->callback);
  if (job->flags_ref != NULL) napi_delete_reference(env, job->flags_ref);
  napi_delete_async_work(env, job->work);
  free(job);
}

typedef struct copy_work {
  pool_work job;
  int src, dest, clone, truncate, mode;
  int64_t length, copied, dest_offset, src_offset;
  int status, cloned, prepared;
} copy_work;

static void copy_execute(napi_env env, void *data) {
  copy_work *c = data;
  if (c->truncate || c->mode >= 0) {
    if (__atomic_load_n(c->job.flags, __ATOMIC_ACQUIRE)) {
      c->status = 1;
      return;
    }
    // In libuv's order: the cut, then the mode.
    if ((c->truncate && ftruncate(c->dest, 0) != 0) || (c->mode >= 0 && fchmod(c->dest, (mode_t)c->mode) != 0)) {
      c->prepared = -1;
      c->status = -errno;
      return;
    }
    c->prepared = 1;
  }
  if (c->clone) {
    if (ioctl(c->dest, FICLONE, c->src) == 0) {
      c->cloned = 1;
      c->copied = c->length;
      return;
    }
    if (c->clone == 2) {
      c->cloned = -1;
      c->status = -errno;
      return;
    }
  }
  loff_t in = c->src_offset, out = c->dest_offset;
  int64_t until = monotonic_ms() + POOL_SLICE_MS;
  while (c->copied < c->length) {
    if (__atomic_load_n(c->job.flags, __ATOMIC_ACQUIRE)) {
      c->status = 1;
      return;
    }
    int64_t left = c->length - c->copied;
    ssize_t n = copy_file_range(c->src, &in, c->dest, &out, left < COPY_CHUNK ? (size_t)left : (size_t)COPY_CHUNK, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      c->status = -errno;
      return;
    }
    if (n == 0) return;  // the source ended early (it shrank)
    c->copied += n;
    if (c->copied < c->length && monotonic_ms() >= until) {
      c->status = COPY_AGAIN;  // the slice is over: the thread goes back, the JavaScript calls again
      return;
    }
  }
}

static void copy_complete(napi_env env, napi_status status, void *data) {
  copy_work *c = data;
  napi_value argv[4] = {
      make_number(env, (double)c->copied),
      make_number(env, status == napi_cancelled ? 1 : c->status),
      make_number(env, c->cloned),
      make_number(env, c->prepared),
  };
  finish_pool_work(env, &c->job, 4, argv);
}

static napi_value js_copy_file_range(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  long length, clone, dest_offset, src_offset, truncate, mode;
  int src, dest;
  const char *usage = "copyFileRange(srcFd, destFd, length, clone, flags, callback, destOffset, srcOffset, truncate, mode)";
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 10) return bad_arguments(env, usage);
  if (!arg_to_fd(env, argv[0], usage, &src) || !arg_to_fd(env, argv[1], usage, &dest)) return NULL;
  if (!arg_to_long(env, argv[2], &length) ||
      !arg_to_long(env, argv[3], &clone) || length < 0 || !arg_to_long(env, argv[6], &dest_offset) || dest_offset < 0 ||
      !arg_to_long(env, argv[7], &src_offset) || src_offset < 0 || !arg_to_long(env, argv[8], &truncate) || truncate < 0 || truncate > 1 ||
      !arg_to_long(env, argv[9], &mode) || mode < -1 || mode > 07777)
    return bad_arguments(env, usage);
  copy_work *c = calloc(1, sizeof *c);
  if (!c) return native_failure(env, "copyFileRange: out of memory");
  c->src = src;
  c->dest = dest;
  c->length = length;
  c->dest_offset = dest_offset;
  c->src_offset = src_offset;
  c->clone = (int)clone;
  c->truncate = (int)truncate;
  c->mode = (int)mode;
  if (!queue_pool_work(env, &c->job, "copyFileRange", argv[4], argv[5], copy_execute, copy_complete)) free(c);
  return NULL;
}

// copyFileChecked(src, dest, mode, callback): copyFile's default on Node
// (src/fs/copy-file.ts), as one job on libuv's pool: a stat of the source
// path, then, unless it is a regular file of size 0, libuv's own copyfile of
// the two paths on that same thread (uv_fs_copyfile without a callback runs
// there and then: the copy node:fs's copyFile queues, with its opens, stats,
// cut, mode, clone, copy and its removal of the destination after an error).
// libuv copies the size it stats, so of a file whose size reads 0 but has
// bytes all the same (a /proc file) it would copy nothing: for that source,
// and an empty one, nothing is done and the JavaScript copies through the
// ring, which reads until a read returns 0. The check ran on the JS thread
// before: three system calls there per copy (docs/performance.md, "Session
// 31"). src and dest are NUL-terminated Buffers (copied here), mode
// copyFile's COPYFILE_* flags (libuv's UV_FS_COPYFILE_*, the same numbers).
// callback(status) on the JS thread: 0 (copied), -errno (libuv's error, a
// UV_E* code, which is -errno on Linux) or COPY_EMPTY_SOURCE (nothing done).
// Only called on Node: Bun's and Deno's runtimes are not libuv.

#define COPY_EMPTY_SOURCE 1

typedef struct checked_copy_work {
  pool_work job;
  char *src, *dest;
  int mode, status;
} checked_copy_work;

static void free_checked_copy(checked_copy_work *c) {
  free(c->src);
  free(c->dest);
  free(c);
}

static void checked_copy_execute(napi_env env, void *data) {
  checked_copy_work *c = data;
  // libuv's stat (a statx(2)), not glibc's stat(), which the prebuilt binaries' glibc floor (2.28) lacks.
  // A failed stat is left to the copy, whose error is the one to report (libuv's, as node:fs's).
  uv_fs_t req;
  int empty = uv_fs_stat(NULL, &req, c->src, NULL) == 0 && S_ISREG(req.statbuf.st_mode) && req.statbuf.st_size == 0;
  uv_fs_req_cleanup(&req);
  if (empty) {
    c->status = COPY_EMPTY_SOURCE;
    return;
  }
  c->status = uv_fs_copyfile(NULL, &req, c->src, c->dest, c->mode, NULL);
  uv_fs_req_cleanup(&req);
}

static void checked_copy_complete(napi_env env, napi_status status, void *data) {
  checked_copy_work *c = data;
  napi_value argv[1] = {make_number(env, status == napi_cancelled ? -ECANCELED : c->status)};
  free(c->src);
  free(c->dest);
  finish_pool_work(env, &c->job, 1, argv);  // frees c
}

/** A copy of a NUL-terminated path Buffer (NULL when `value` is not one, or out of memory). */
static char *path_copy(napi_env env, napi_value value) {
  uint8_t *data;
  size_t length;
  if (!get_buffer(env, value, &data, &length) || length == 0 || memchr(data, 0, length) != data + length - 1) return NULL;
  char *copy = malloc(length);
  if (copy) memcpy(copy, data, length);
  return copy;
}

static napi_value js_copy_file_checked(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  long mode;
  const char *usage = "copyFileChecked(src, dest, mode, callback): src and dest NUL-terminated Buffers";
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4 || !arg_to_long(env, argv[2], &mode) || mode < 0 || mode > (UV_FS_COPYFILE_EXCL | UV_FS_COPYFILE_FICLONE | UV_FS_COPYFILE_FICLONE_FORCE))
    return bad_arguments(env, usage);
  checked_copy_work *c = calloc(1, sizeof *c);
  if (!c) return native_failure(env, "copyFileChecked: out of memory");
  c->src = path_copy(env, argv[0]);
  c->dest = path_copy(env, argv[1]);
  c->mode = (int)mode;
  if (!c->src || !c->dest) {
    free_checked_copy(c);
    return bad_arguments(env, usage);
  }
  if (!queue_pool_work(env, &c->job, "copyFileChecked", NULL, argv[3], checked_copy_execute, checked_copy_complete)) free_checked_copy(c);
  return NULL;
}

// spliceToPipe(srcFd, pipeFd, start, end, flags, callback): on a thread of
// libuv's pool, splices bytes [start, end) of the file srcFd (its offset does
// not move; the copy stops early where the file ends) into the pipe pipeFd at
// its position. A splice into a pipe moves at most what the pipe has room for
// (64 KiB by default) and returns, so a file goes in as one splice per
// pipe-full: as a syscall on one thread that costs next to nothing, where as
// an io_uring SPLICE each is a request freed by task work that wakes the JS
// thread (docs/performance.md, "Session 15: cat to a pipe"). The splices are
// non-blocking. A full pipe is waited for with poll(2) for at most
// SPLICE_ROOM_MS: a reader that keeps up empties it within that (measured
// with `cat` reading: nearly every wait under 0.1 ms, a few per 100 MB up to
// tens of ms when the machine is loaded). A pipe still full after that gives
// the thread back, status SPLICE_PIPE_FULL: libuv's pool is 4 threads that
// Node's fs, dns.lookup, zlib and crypto share, and a pipe nobody reads must
// not hold one; the JavaScript waits for room on the ring (a POLL_ADD an
// abort cancels, room.ts) and calls again from start + copied.
// callback(copied, status) on the JS thread: copied counts from start;
// status 0 (end reached, or the file's end), -errno, SPLICE_ABORTED (stopped
// by flags[0]) or SPLICE_PIPE_FULL.
// A call also gives its thread back, with the same status, once it has run
// POOL_SLICE_MS, however fast the pipe is read: Node ends a worker's
// environment (worker.terminate(), the worker's or the process's exit) only
// once every job it queued has returned, when no JavaScript can set flags[0]
// any more, and process.exit() joins the pool's threads; a reader that kept
// up held that end until the whole file was in the pipe
// (test/fs/splice-pool-teardown.test.ts). The JavaScript then waits for room,
// which a pipe that has some gives at once, and calls again.

#define SPLICE_ROOM_MS 10
#define SPLICE_ABORTED 1
#define SPLICE_PIPE_FULL 2

typedef struct pipe_work {
  pool_work job;
  int src, pipe;
  int64_t start, end, copied;
  int status;
} pipe_work;

static void pipe_execute(napi_env env, void *data) {
  pipe_work *c = data;
  loff_t in = c->start;
  int64_t until = monotonic_ms() + POOL_SLICE_MS;
  while (in < c->end) {
    if (__atomic_load_n(c->job.flags, __ATOMIC_ACQUIRE)) {
      c->status = SPLICE_ABORTED;
      break;
    }
    int64_t left = c->end - in;
    ssize_t n = splice(c->src, &in, c->pipe, NULL, left < COPY_CHUNK ? (size_t)left : (size_t)COPY_CHUNK, SPLICE_F_NONBLOCK);
    if (n > 0) {  // splice moved `in` on
      if (in < c->end && monotonic_ms() >= until) {
        c->status = SPLICE_PIPE_FULL;  // the slice is over: the thread goes back, the JavaScript calls again
        break;
      }
      continue;
    }
    if (n == 0) break;    // the end of the file
    if (errno == EINTR) continue;
    if (errno == EAGAIN) {
      // The pipe is full: wait a little for its reader (POLLERR when it has none: the next splice fails with EPIPE).
      struct pollfd p = {.fd = c->pipe, .events = POLLOUT};
      int ready = poll(&p, 1, SPLICE_ROOM_MS);
      if (ready < 0 && errno != EINTR) {
        c->status = -errno;
        break;
      }
      if (ready == 0) {
        c->status = SPLICE_PIPE_FULL;
        break;
      }
      continue;
    }
    c->status = -errno;
    break;
  }
  c->copied = in - c->start;
}

static void pipe_complete(napi_env env, napi_status status, void *data) {
  pipe_work *c = data;
  napi_value argv[2] = {make_number(env, (double)c->copied), make_number(env, status == napi_cancelled ? SPLICE_ABORTED : c->status)};
  finish_pool_work(env, &c->job, 2, argv);
}

static napi_value js_splice_to_pipe(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  long start, end;
  int src, pipe_fd;
  const char *usage = "spliceToPipe(srcFd, pipeFd, start, end, flags, callback)";
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 6) return bad_arguments(env, usage);
  if (!arg_to_fd(env, argv[0], usage, &src) || !arg_to_fd(env, argv[1], usage, &pipe_fd)) return NULL;
  if (!arg_to_long(env, argv[2], &start) || !arg_to_long(env, argv[3], &end) || start < 0 || end < start) return bad_arguments(env, usage);
  pipe_work *c = calloc(1, sizeof *c);
  if (!c) return native_failure(env, "spliceToPipe: out of memory");
  c->src = src;
  c->pipe = pipe_fd;
  c->start = start;
  c->end = end;
  if (!queue_pool_work(env, &c->job, "spliceToPipe", argv[4], argv[5], pipe_execute, pipe_complete)) free(c);
  return NULL;
}

// ---- mount table changes -------------------------------------------------

// mountsGeneration() -> a number that grows whenever the process's mount table
// changed since the last call on any thread, or -1 where that cannot be told.
// Before Linux 6.8 a mount ID can be reused after an unmount, so what the
// stat fast path learned of a mount's filesystem (src/fs/cached-stat.ts) is
// forgotten on any change. /proc/self/mountinfo reports a change to poll(2)
// as POLLPRI once per open file, hence one file for the process (never
// closed: one fd for its whole life, not one per worker) and one count that
// every thread compares with the one it saw.
static int mounts_fd = -2; // -2: not opened yet, -1: could not be
static double mounts_generation = 0;
static pthread_mutex_t mounts_lock = PTHREAD_MUTEX_INITIALIZER;

static napi_value js_mounts_generation(napi_env env, napi_callback_info info) {
  (void)info;
  double generation = -1;
  pthread_mutex_lock(&mounts_lock);
  if (mounts_fd == -2) mounts_fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
  if (mounts_fd >= 0) {
    struct pollfd p = {.fd = mounts_fd, .events = POLLPRI};
    int n = poll(&p, 1, 0);
    if (n >= 0) {
      if (n > 0 && (p.revents & (POLLPRI | POLLERR))) mounts_generation++;
      generation = mounts_generation;
    }
  }
  pthread_mutex_unlock(&mounts_lock);
  return make_number(env, generation);
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value interface_version = make_number(env, NATIVE_INTERFACE);
  napi_property_descriptor props[] = {
      {"syscall", NULL, js_syscall, NULL, NULL, NULL, napi_default, NULL},
      {"mmap", NULL, js_mmap, NULL, NULL, NULL, napi_default, NULL},
      {"unmap", NULL, js_unmap, NULL, NULL, NULL, napi_default, NULL},
      {"address", NULL, js_address, NULL, NULL, NULL, napi_default, NULL},
      {"watch", NULL, js_watch, NULL, NULL, NULL, napi_default, NULL},
      {"watchThread", NULL, js_watch_thread, NULL, NULL, NULL, napi_default, NULL},
      {"own", NULL, js_own, NULL, NULL, NULL, napi_default, NULL},
      {"setupRing", NULL, js_setup_ring, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_default, NULL},
      {"copyFileRange", NULL, js_copy_file_range, NULL, NULL, NULL, napi_default, NULL},
      {"copyFileChecked", NULL, js_copy_file_checked, NULL, NULL, NULL, napi_default, NULL},
      {"spliceToPipe", NULL, js_splice_to_pipe, NULL, NULL, NULL, napi_default, NULL},
      {"poolBlock", NULL, js_pool_block, NULL, NULL, NULL, napi_default, NULL},
      {"poolTrim", NULL, js_pool_trim, NULL, NULL, NULL, napi_default, NULL},
      {"poolStats", NULL, js_pool_stats, NULL, NULL, NULL, napi_default, NULL},
      {"mountsGeneration", NULL, js_mounts_generation, NULL, NULL, NULL, napi_default, NULL},
      {"interfaceVersion", NULL, NULL, NULL, NULL, interface_version, napi_enumerable, NULL},
  };
  CHECK(env, napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
