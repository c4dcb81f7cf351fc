/* Row-wise loops: embedding gather / scatter-add, item scores (x · table[id]), bias rows, relu. */
#include <string.h>
#include "kernels.h"

void curio_gather_rows(const float *table, const int32_t *ids, float *out, long n, int d, float scale) {
  for (long i = 0; i < n; i++) {
    const float *src = table + (long)ids[i] * d;
    float *dst = out + i * d;
    for (int j = 0; j < d; j++) dst[j] = src[j] * scale;
  }
}

void curio_scatter_add_rows(const float *g, const int32_t *ids, float *gt, long n, int d, float scale, int pad) {
  for (long i = 0; i < n; i++) {
    if (ids[i] == pad) continue;
    float *dst = gt + (long)ids[i] * d;
    const float *src = g + i * d;
    for (int j = 0; j < d; j++) dst[j] += src[j] * scale;
  }
}

void curio_gather_dot(const float *x, const float *table, const int32_t *ids, float *out, long n, int d) {
  for (long i = 0; i < n; i++) {
    const float *xr = x + i * d, *wr = table + (long)ids[i] * d;
    float s = 0.f;
    for (int j = 0; j < d; j++) s += xr[j] * wr[j];
    out[i] = s;
  }
}

/* gx (overwritten) = g[i] * table[id]; gt[id] += g[i] * x[i]; either may be NULL. */
void curio_gather_dot_bwd(const float *g, const float *x, const float *table, const int32_t *ids, float *gx,
                          float *gt, long n, int d) {
  for (long i = 0; i < n; i++) {
    float gi = g[i];
    long o = (long)ids[i] * d;
    if (gx) for (int j = 0; j < d; j++) gx[i * d + j] = gi * table[o + j];
    if (gt) for (int j = 0; j < d; j++) gt[o + j] += gi * x[i * d + j];
  }
}

void curio_add_rows(float *out, const float *row, long rows, int d) {
  for (long r = 0; r < rows; r++) {
    float *o = out + r * d;
    for (int j = 0; j < d; j++) o[j] += row[j];
  }
}

void curio_relu_fwd(const float *x, float *y, long n) {
  for (long i = 0; i < n; i++) y[i] = x[i] > 0.f ? x[i] : 0.f;
}

/* g *= (x > 0), in place. */
void curio_relu_bwd(const float *x, float *g, long n) {
  for (long i = 0; i < n; i++) g[i] = x[i] > 0.f ? g[i] : 0.f;
}
