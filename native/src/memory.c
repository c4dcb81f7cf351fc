// The process allocator's knobs (glibc malloc), for a long-running server whose large buffers come and go.
//
// V8 allocates ArrayBuffers (model weights, score tables, artifacts) with malloc. glibc serves a large
// request with mmap until the first such block is freed, then raises its mmap threshold to that size, so
// every later buffer below it lands in the heap or a thread's arena; a long-lived one above a freed hole
// keeps the hole's pages in the process. Each model swap frees and allocates tens of MB this way, and the
// resident size creeps up swap after swap. Fixing the threshold keeps large buffers in their own
// mappings (returned whole when freed); trimming hands free pages inside the heaps back to the system.
#define _GNU_SOURCE
#include <node_api.h>
#include <stdlib.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

napi_value curio_malloc_trim(napi_env env, napi_callback_info info) {
  napi_value out;
#if defined(__GLIBC__)
  napi_get_boolean(env, malloc_trim(0) == 1, &out);
#else
  napi_get_boolean(env, false, &out);
#endif
  return out;
}

// The same trim on a libuv pool thread: it walks every arena and hands pages back one madvise at a time,
// tens of milliseconds on a large heap where system calls are dear, which the request thread need not wait
// out. glibc takes each arena's lock while trimming it, so an allocation meanwhile may wait for that arena.
typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  int trimmed;
} trim_job;

static void trim_execute(napi_env env, void *data) {
  trim_job *job = data;
#if defined(__GLIBC__)
  job->trimmed = malloc_trim(0) == 1;
#else
  job->trimmed = 0;
#endif
}

static void trim_complete(napi_env env, napi_status status, void *data) {
  trim_job *job = data;
  napi_value out;
  napi_get_boolean(env, status == napi_ok && job->trimmed, &out);
  napi_resolve_deferred(env, job->deferred, out);
  napi_delete_async_work(env, job->work);
  free(job);
}

napi_value curio_malloc_trim_async(napi_env env, napi_callback_info info) {
  napi_value promise, name;
  trim_job *job = calloc(1, sizeof(trim_job));
  if (!job) {
    napi_throw_error(env, NULL, "mallocTrimAsync: out of memory");
    return NULL;
  }
  napi_create_promise(env, &job->deferred, &promise);
  napi_create_string_utf8(env, "curio:mallocTrim", NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, trim_execute, trim_complete, job, &job->work);
  napi_queue_async_work(env, job->work);
  return promise;
}

napi_value curio_malloc_mmap_threshold(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  double bytes = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || napi_get_value_double(env, argv[0], &bytes) != napi_ok) {
    napi_throw_type_error(env, NULL, "mallocMmapThreshold(bytes) takes a number");
    return NULL;
  }
#if defined(__GLIBC__)
  napi_get_boolean(env, mallopt(M_MMAP_THRESHOLD, (int)bytes) == 1, &out);
#else
  napi_get_boolean(env, false, &out);
#endif
  return out;
}
