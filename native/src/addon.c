/* N-API bindings (plain node_api.h, no node-addon-api). Arguments are positional: typed arrays for
 * buffers, numbers for sizes. The TypeScript side (src/nn/kernels-native.ts) checks shapes first. */
#include <node_api.h>
#include <stdint.h>
#include "kernels.h"

#define MAX_ARGS 20
#define CHECK(call)                                                   \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error(env, "CURIO_NATIVE", "N-API call failed: " #call); \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

static void *buf(napi_env env, napi_value v) {
  void *data = NULL;
  size_t len = 0;
  napi_typedarray_type type;
  if (napi_get_typedarray_info(env, v, &type, &len, &data, NULL, NULL) != napi_ok) return NULL;
  return data;
}
static double num(napi_env env, napi_value v) {
  double d = 0;
  napi_get_value_double(env, v, &d);
  return d;
}
static int args(napi_env env, napi_callback_info info, napi_value *argv, size_t want) {
  size_t argc = MAX_ARGS;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < want) {
    napi_throw_type_error(env, "CURIO_NATIVE", "too few arguments");
    return 0;
  }
  return 1;
}

/* gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, batch, strideA, strideB, strideC) */
static napi_value gemm(napi_env env, napi_callback_info info) {
  napi_value v[MAX_ARGS];
  if (!args(env, info, v, 17)) return NULL;
  gemm_args g = {(int)num(env, v[0]), (int)num(env, v[1]), (int)num(env, v[2]), (int)num(env, v[3]),
                 (int)num(env, v[4]), (int)num(env, v[7]), (int)num(env, v[9]), (int)num(env, v[12]),
                 (int)num(env, v[13]), (long)num(env, v[14]), (long)num(env, v[15]), (long)num(env, v[16]),
                 (float)num(env, v[5]), (float)num(env, v[10])};
  curio_gemm(&g, buf(env, v[6]), buf(env, v[8]), buf(env, v[11]));
  return NULL;
}

/* layerNormFwd(x, gamma, beta, y, mean, rstd, rows, d, eps) */
static napi_value ln_fwd(napi_env env, napi_callback_info info) {
  napi_value v[MAX_ARGS];
  if (!args(env, info, v, 9)) return NULL;
  curio_layer_norm_fwd(buf(env, v[0]), buf(env, v[1]), buf(env, v[2]), buf(env, v[3]), buf(env, v[4]),
                       buf(env, v[5]), (int)num(env, v[6]), (int)num(env, v[7]), (float)num(env, v[8]));
  return NULL;
}

/* layerNormBwd(dy, x, gamma, mean, rstd, dx, dgamma, dbeta, rows, d) */
static napi_value ln_bwd(napi_env env, napi_callback_info info) {
  napi_value v[MAX_ARGS];
  if (!args(env, info, v, 10)) return NULL;
  curio_layer_norm_bwd(buf(env, v[0]), buf(env, v[1]), buf(env, v[2]), buf(env, v[3]), buf(env, v[4]),
                       buf(env, v[5]), buf(env, v[6]), buf(env, v[7]), (int)num(env, v[8]), (int)num(env, v[9]));
  return NULL;
}

/* softmaxFwd(x, y, rows, cols, scale, causal) */
static napi_value sm_fwd(napi_env env, napi_callback_info info) {
  napi_value v[MAX_ARGS];
  if (!args(env, info, v, 6)) return NULL;
  curio_softmax_fwd(buf(env, v[0]), buf(env, v[1]), (long)num(env, v[2]), (int)num(env, v[3]),
                    (float)num(env, v[4]), (int)num(env, v[5]));
  return NULL;
}

/* softmaxBwd(y, dy, dx, rows, cols, scale, causal) */
static napi_value sm_bwd(napi_env env, napi_callback_info info) {
  napi_value v[MAX_ARGS];
  if (!args(env, info, v, 7)) return NULL;
  curio_softmax_bwd(buf(env, v[0]), buf(env, v[1]), buf(env, v[2]), (long)num(env, v[3]), (int)num(env, v[4]),
                    (float)num(env, v[5]), (int)num(env, v[6]));
  return NULL;
}

/* crossEntropyFwd(logits, targets, lse, losses, rows, cols) */
static napi_value ce_fwd(napi_env env, napi_callback_info info) {
  napi_value v[MAX_ARGS];
  if (!args(env, info, v, 6)) return NULL;
  curio_cross_entropy_fwd(buf(env, v[0]), buf(env, v[1]), buf(env, v[2]), buf(env, v[3]), (long)num(env, v[4]),
                          (int)num(env, v[5]));
  return NULL;
}

/* crossEntropyBwd(logits, targets, lse, growPerRow, dx, rows, cols) */
static napi_value ce_bwd(napi_env env, napi_callback_info info) {
  napi_value v[MAX_ARGS];
  if (!args(env, info, v, 7)) return NULL;
  curio_cross_entropy_bwd(buf(env, v[0]), buf(env, v[1]), buf(env, v[2]), buf(env, v[3]), buf(env, v[4]),
                          (long)num(env, v[5]), (int)num(env, v[6]));
  return NULL;
}

/* colSum(g, out, rows, cols): out += column sums of g */
static napi_value col_sum(napi_env env, napi_callback_info info) {
  napi_value v[MAX_ARGS];
  if (!args(env, info, v, 4)) return NULL;
  curio_col_sum(buf(env, v[0]), buf(env, v[1]), (long)num(env, v[2]), (int)num(env, v[3]));
  return NULL;
}

static size_t len_of(napi_env env, napi_value v) {
  size_t len = 0;
  napi_get_typedarray_info(env, v, NULL, &len, NULL, NULL, NULL);
  return len;
}

/* gatherRows(table, ids, out, dim, scale) */
static napi_value gather_rows(napi_env env, napi_callback_info info) {
  napi_value v[MAX_ARGS];
  if (!args(env, info, v, 5)) return NULL;
  curio_gather_rows(buf(env, v[0]), buf(env, v[1]), buf(env, v[2]), (long)len_of(env, v[1]), (int)num(env, v[3]),
                    (float)num(env, v[4]));
  return NULL;
}

/* scatterAddRows(g, ids, gt, dim, scale, pad) */
static napi_value scatter_add_rows(napi_env env, napi_callback_info info) {
  napi_value v[MAX_ARGS];
  if (!args(env, info, v, 6)) return NULL;
  curio_scatter_add_rows(buf(env, v[0]), buf(env, v[1]), buf(env, v[2]), (long)len_of(env, v[1]), (int)num(env, v[3]),
                         (float)num(env, v[4]), (int)num(env, v[5]));
  return NULL;
}

/* gatherDot(x, table, ids, out, dim) */
static napi_value gather_dot(napi_env env, napi_callback_info info) {
  napi_value v[MAX_ARGS];
  if (!args(env, info, v, 5)) return NULL;
  curio_gather_dot(buf(env, v[0]), buf(env, v[1]), buf(env, v[2]), buf(env, v[3]), (long)len_of(env, v[2]),
                   (int)num(env, v[4]));
  return NULL;
}

/* gatherDotBwd(g, x, table, ids, gx | null, gt | null, dim) */
static napi_value gather_dot_bwd(napi_env env, napi_callback_info info) {
  napi_value v[MAX_ARGS];
  if (!args(env, info, v, 7)) return NULL;
  napi_valuetype t4, t5;
  napi_typeof(env, v[4], &t4);
  napi_typeof(env, v[5], &t5);
  curio_gather_dot_bwd(buf(env, v[0]), buf(env, v[1]), buf(env, v[2]), buf(env, v[3]),
                       t4 == napi_null ? NULL : buf(env, v[4]), t5 == napi_null ? NULL : buf(env, v[5]),
                       (long)len_of(env, v[3]), (int)num(env, v[6]));
  return NULL;
}

/* addRows(out, row, rows, dim) */
static napi_value add_rows(napi_env env, napi_callback_info info) {
  napi_value v[MAX_ARGS];
  if (!args(env, info, v, 4)) return NULL;
  curio_add_rows(buf(env, v[0]), buf(env, v[1]), (long)num(env, v[2]), (int)num(env, v[3]));
  return NULL;
}

/* reluFwd(x, y) */
static napi_value relu_fwd(napi_env env, napi_callback_info info) {
  napi_value v[MAX_ARGS];
  if (!args(env, info, v, 2)) return NULL;
  curio_relu_fwd(buf(env, v[0]), buf(env, v[1]), (long)len_of(env, v[0]));
  return NULL;
}

/* reluBwd(x, g): g *= x > 0 */
static napi_value relu_bwd(napi_env env, napi_callback_info info) {
  napi_value v[MAX_ARGS];
  if (!args(env, info, v, 2)) return NULL;
  curio_relu_bwd(buf(env, v[0]), buf(env, v[1]), (long)len_of(env, v[0]));
  return NULL;
}

/* The geometry's ten numbers starting at argument `at`. */
static patch_geometry geometry_at(napi_env env, napi_value *v, int at) {
  patch_geometry g = {(int)num(env, v[at]),     (int)num(env, v[at + 1]), (int)num(env, v[at + 2]), (int)num(env, v[at + 3]),
                      (int)num(env, v[at + 4]), (int)num(env, v[at + 5]), (int)num(env, v[at + 6]), (int)num(env, v[at + 7]),
                      (int)num(env, v[at + 8]), (int)num(env, v[at + 9])};
  return g;
}

/* patches(img, col, back, n, h, w, c, kh, kw, stride, padding, outH, outW) */
static napi_value patches(napi_env env, napi_callback_info info) {
  napi_value v[MAX_ARGS];
  if (!args(env, info, v, 13)) return NULL;
  patch_geometry g = geometry_at(env, v, 3);
  curio_patches(buf(env, v[0]), buf(env, v[1]), &g, (int)num(env, v[2]));
  return NULL;
}

/* convFwd(x, w, out, accumulate, cOut, perChunk, n, h, w, c, kh, kw, stride, padding, outH, outW) */
static napi_value conv_fwd(napi_env env, napi_callback_info info) {
  napi_value v[MAX_ARGS];
  if (!args(env, info, v, 16)) return NULL;
  patch_geometry g = geometry_at(env, v, 6);
  curio_conv_forward(buf(env, v[0]), buf(env, v[1]), buf(env, v[2]), &g, (int)num(env, v[4]), (int)num(env, v[5]),
                     (int)num(env, v[3]));
  return NULL;
}

/* convBwd(x, w, grad, gw | null, gx | null, cOut, perChunk, n, h, w, c, kh, kw, stride, padding, outH, outW) */
static napi_value conv_bwd(napi_env env, napi_callback_info info) {
  napi_value v[MAX_ARGS];
  if (!args(env, info, v, 17)) return NULL;
  patch_geometry g = geometry_at(env, v, 7);
  curio_conv_backward(buf(env, v[0]), buf(env, v[1]), buf(env, v[2]), buf(env, v[3]), buf(env, v[4]), &g,
                      (int)num(env, v[5]), (int)num(env, v[6]));
  return NULL;
}

/* channelStats(x, mean, rstd, c, eps): rows = len(x) / c */
static napi_value channel_stats(napi_env env, napi_callback_info info) {
  napi_value v[MAX_ARGS];
  if (!args(env, info, v, 5)) return NULL;
  int c = (int)num(env, v[3]);
  curio_channel_stats(buf(env, v[0]), (long)len_of(env, v[0]) / c, c, buf(env, v[1]), buf(env, v[2]),
                      (float)num(env, v[4]));
  return NULL;
}

/* channelAffine(x, a, b, y): y = x * a + b per channel, c = len(a) */
static napi_value channel_affine(napi_env env, napi_callback_info info) {
  napi_value v[MAX_ARGS];
  if (!args(env, info, v, 4)) return NULL;
  long c = (long)len_of(env, v[1]);
  curio_channel_affine(buf(env, v[0]), buf(env, v[1]), buf(env, v[2]), buf(env, v[3]), (long)len_of(env, v[0]) / c,
                       (int)c);
  return NULL;
}

/* channelGradSums(g, x, mean, sumG, sumGX), c = len(mean) */
static napi_value channel_grad_sums(napi_env env, napi_callback_info info) {
  napi_value v[MAX_ARGS];
  if (!args(env, info, v, 5)) return NULL;
  long c = (long)len_of(env, v[2]);
  curio_channel_grad_sums(buf(env, v[0]), buf(env, v[1]), buf(env, v[2]), buf(env, v[3]), buf(env, v[4]),
                          (long)len_of(env, v[0]) / c, (int)c);
  return NULL;
}

/* channelGradInput(g, x, mean, a, k1, k2, dx), c = len(mean) */
static napi_value channel_grad_input(napi_env env, napi_callback_info info) {
  napi_value v[MAX_ARGS];
  if (!args(env, info, v, 7)) return NULL;
  long c = (long)len_of(env, v[2]);
  curio_channel_grad_input(buf(env, v[0]), buf(env, v[1]), buf(env, v[2]), buf(env, v[3]), buf(env, v[4]),
                           buf(env, v[5]), buf(env, v[6]), (long)len_of(env, v[0]) / c, (int)c);
  return NULL;
}

static adam_args adam_from(napi_env env, napi_value *v) {
  adam_args a = {(float)num(env, v[0]), (float)num(env, v[1]), (float)num(env, v[2]), (float)num(env, v[3]),
                 (float)num(env, v[4]), (float)num(env, v[5]), (float)num(env, v[6]), (int)num(env, v[7])};
  return a;
}

/* adam(lr, beta1, beta2, eps, weightDecay, bias1, bias2, decoupled, p, g, m, v) */
static napi_value adam(napi_env env, napi_callback_info info) {
  napi_value v[MAX_ARGS];
  if (!args(env, info, v, 12)) return NULL;
  adam_args a = adam_from(env, v);
  size_t len = 0;
  napi_get_typedarray_info(env, v[8], NULL, &len, NULL, NULL, NULL);
  curio_adam(&a, buf(env, v[8]), buf(env, v[9]), buf(env, v[10]), buf(env, v[11]), (long)len);
  return NULL;
}

/* adamRows(lr, beta1, beta2, eps, weightDecay, bias1, bias2, decoupled, p, g, m, v, rows, nrows, d) */
static napi_value adam_rows(napi_env env, napi_callback_info info) {
  napi_value v[MAX_ARGS];
  if (!args(env, info, v, 15)) return NULL;
  adam_args a = adam_from(env, v);
  curio_adam_rows(&a, buf(env, v[8]), buf(env, v[9]), buf(env, v[10]), buf(env, v[11]), buf(env, v[12]),
                  (long)num(env, v[13]), (int)num(env, v[14]));
  return NULL;
}

static napi_value set_threads(napi_env env, napi_callback_info info) {
  napi_value v[MAX_ARGS];
  if (!args(env, info, v, 1)) return NULL;
  curio_set_threads((int)num(env, v[0]));
  return NULL;
}

static napi_value get_threads(napi_env env, napi_callback_info info) {
  napi_value out;
  CHECK(napi_create_int32(env, curio_get_threads(), &out));
  return out;
}

napi_value curio_malloc_trim(napi_env env, napi_callback_info info);
napi_value curio_malloc_trim_async(napi_env env, napi_callback_info info);
napi_value curio_malloc_mmap_threshold(napi_env env, napi_callback_info info);

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor d[] = {
      {"gemm", 0, gemm, 0, 0, 0, napi_default, 0},
      {"layerNormFwd", 0, ln_fwd, 0, 0, 0, napi_default, 0},
      {"layerNormBwd", 0, ln_bwd, 0, 0, 0, napi_default, 0},
      {"softmaxFwd", 0, sm_fwd, 0, 0, 0, napi_default, 0},
      {"softmaxBwd", 0, sm_bwd, 0, 0, 0, napi_default, 0},
      {"crossEntropyFwd", 0, ce_fwd, 0, 0, 0, napi_default, 0},
      {"crossEntropyBwd", 0, ce_bwd, 0, 0, 0, napi_default, 0},
      {"colSum", 0, col_sum, 0, 0, 0, napi_default, 0},
      {"gatherRows", 0, gather_rows, 0, 0, 0, napi_default, 0},
      {"scatterAddRows", 0, scatter_add_rows, 0, 0, 0, napi_default, 0},
      {"gatherDot", 0, gather_dot, 0, 0, 0, napi_default, 0},
      {"gatherDotBwd", 0, gather_dot_bwd, 0, 0, 0, napi_default, 0},
      {"addRows", 0, add_rows, 0, 0, 0, napi_default, 0},
      {"reluFwd", 0, relu_fwd, 0, 0, 0, napi_default, 0},
      {"reluBwd", 0, relu_bwd, 0, 0, 0, napi_default, 0},
      {"patches", 0, patches, 0, 0, 0, napi_default, 0},
      {"convFwd", 0, conv_fwd, 0, 0, 0, napi_default, 0},
      {"convBwd", 0, conv_bwd, 0, 0, 0, napi_default, 0},
      {"channelStats", 0, channel_stats, 0, 0, 0, napi_default, 0},
      {"channelAffine", 0, channel_affine, 0, 0, 0, napi_default, 0},
      {"channelGradSums", 0, channel_grad_sums, 0, 0, 0, napi_default, 0},
      {"channelGradInput", 0, channel_grad_input, 0, 0, 0, napi_default, 0},
      {"adam", 0, adam, 0, 0, 0, napi_default, 0},
      {"adamRows", 0, adam_rows, 0, 0, 0, napi_default, 0},
      {"setThreads", 0, set_threads, 0, 0, 0, napi_default, 0},
      {"getThreads", 0, get_threads, 0, 0, 0, napi_default, 0},
      {"mallocTrim", 0, curio_malloc_trim, 0, 0, 0, napi_default, 0},
      {"mallocTrimAsync", 0, curio_malloc_trim_async, 0, 0, 0, napi_default, 0},
      {"mallocMmapThreshold", 0, curio_malloc_mmap_threshold, 0, 0, 0, napi_default, 0},
  };
  if (napi_define_properties(env, exports, sizeof(d) / sizeof(d[0]), d) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
