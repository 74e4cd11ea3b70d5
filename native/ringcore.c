// Layer 0: the only native code in ringcore.
//
// It knows nothing about io_uring. It gives TypeScript four things Node lacks:
//   syscall(nr, ...args)        a raw system call, returning -errno on failure
//   mmap(fd, offset, length)    shared memory as an ArrayBuffer; unmap(buffer) releases it early
//   address(view)               where a buffer view's first byte lives
//   watch(fd, callback)         a uv_poll on fd that calls back with microtasks run afterwards
// Everything else (io_uring_setup/enter/register, ring layouts, SQEs) is TypeScript.

#define _GNU_SOURCE
#include <errno.h>
#include <node_api.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <uv.h>

#define CHECK(env, call)                                                        \
  do {                                                                          \
    if ((call) != napi_ok) {                                                    \
      napi_throw_error((env), "ERR_RINGCORE_NATIVE", #call " failed");          \
      return NULL;                                                              \
    }                                                                           \
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

// syscall(nr, a0?, a1?, a2?, a3?, a4?, a5?) -> result, or -errno
static napi_value js_syscall(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  long args[7] = {0};
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "syscall needs a number");
    return NULL;
  }
  for (size_t i = 0; i < argc; i++) {
    if (!arg_to_long(env, argv[i], &args[i])) {
      napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "syscall arguments must be numbers or bigints");
      return NULL;
    }
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

static void finalize_mapping(napi_env env, void *data, void *hint) {
  mapping *m = hint;
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
  long fd, offset, length;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 3 || !arg_to_long(env, argv[0], &fd) || !arg_to_long(env, argv[1], &offset) ||
      !arg_to_long(env, argv[2], &length) || length <= 0) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "mmap(fd, offset, length) needs numbers");
    return NULL;
  }
  void *addr = mmap(NULL, (size_t)length, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, (int)fd, offset);
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
    napi_throw_error(env, "ERR_RINGCORE_NATIVE", "napi_create_external_arraybuffer failed");
    return NULL;
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
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "unmap needs an ArrayBuffer from mmap");
    return NULL;
  }
  pthread_mutex_lock(&mappings_lock);
  mapping *m = mappings;
  while (m && (m->addr != data || m->unmapped)) m = m->next;
  pthread_mutex_unlock(&mappings_lock);
  if (!m) return make_number(env, -(double)EINVAL);
  if (napi_detach_arraybuffer(env, argv[0]) != napi_ok) {
    napi_throw_error(env, "ERR_RINGCORE_NATIVE", "napi_detach_arraybuffer failed");
    return NULL;
  }
  pthread_mutex_lock(&mappings_lock);
  release_mapping(m);
  pthread_mutex_unlock(&mappings_lock);
  return make_number(env, 0);
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
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "address needs an ArrayBuffer, TypedArray or DataView");
  return NULL;
}

// ---- watching an fd in Node's event loop -----------------------------------

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

static void on_poll(uv_poll_t *handle, int status, int events) {
  watcher *w = handle->data;
  napi_env env = w->env;
  napi_handle_scope scope;
  napi_value callback, recv, result, argv[1];
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_get_reference_value(env, w->callback, &callback);
  napi_get_global(env, &recv);  // make_callback needs an object as `this`
  argv[0] = make_number(env, status);
  // make_callback (not call_function) so that Node runs the tick and microtask
  // queues afterwards: promise continuations must not wait for another event.
  napi_status s = napi_make_callback(env, w->context, recv, callback, 1, argv, &result);
  if (s == napi_pending_exception) {
    napi_value error;
    napi_get_and_clear_last_exception(env, &error);
    napi_fatal_exception(env, error);
  }
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
  size_t argc = 2;
  napi_value argv[2], handle, fn, name;
  long fd;
  napi_valuetype type;
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 2 || !arg_to_long(env, argv[0], &fd) || napi_typeof(env, argv[1], &type) != napi_ok ||
      type != napi_function) {
    napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", "watch(fd, callback) needs an fd and a function");
    return NULL;
  }
  uv_loop_t *loop;
  CHECK(env, napi_get_uv_event_loop(env, &loop));
  watcher *w = calloc(1, sizeof *w);
  if (!w) {
    napi_throw_error(env, "ERR_RINGCORE_NATIVE", "out of memory");
    return NULL;
  }
  int rc = uv_poll_init(loop, &w->poll, (int)fd);
  if (rc != 0) {
    free(w);
    napi_throw_error(env, uv_err_name(rc), uv_strerror(rc));
    return NULL;
  }
  w->env = env;
  w->poll.data = w;
  w->owners = 2;
  napi_create_reference(env, argv[1], 1, &w->callback);
  napi_create_string_utf8(env, "ringcore:watch", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &w->context);
  // A worker thread's loop must not end with our handle still open.
  napi_add_async_cleanup_hook(env, on_env_cleanup, w, &w->cleanup);
  uv_unref((uv_handle_t *)&w->poll);
  rc = uv_poll_start(&w->poll, UV_READABLE, on_poll);

  napi_create_object(env, &handle);
  napi_wrap(env, handle, w, finalize_watcher, NULL, NULL);
  napi_create_function(env, "ref", NAPI_AUTO_LENGTH, js_watch_ref, w, &fn);
  napi_set_named_property(env, handle, "ref", fn);
  napi_create_function(env, "unref", NAPI_AUTO_LENGTH, js_watch_unref, w, &fn);
  napi_set_named_property(env, handle, "unref", fn);
  napi_create_function(env, "close", NAPI_AUTO_LENGTH, js_watch_close, w, &fn);
  napi_set_named_property(env, handle, "close", fn);
  if (rc != 0) {
    close_watcher(w);
    napi_throw_error(env, uv_err_name(rc), uv_strerror(rc));
    return NULL;
  }
  return handle;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
      {"syscall", NULL, js_syscall, NULL, NULL, NULL, napi_default, NULL},
      {"mmap", NULL, js_mmap, NULL, NULL, NULL, napi_default, NULL},
      {"unmap", NULL, js_unmap, NULL, NULL, NULL, napi_default, NULL},
      {"address", NULL, js_address, NULL, NULL, NULL, napi_default, NULL},
      {"watch", NULL, js_watch, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(env, napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
