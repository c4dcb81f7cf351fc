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
