/* Fused loops for the non-matmul hot spots: layer norm, (causal) softmax, cross-entropy. Each mirrors
 * a reference loop in src/nn/kernels-js.ts; the tests compare the two. */
#include <math.h>
#include <string.h>
#include "kernels.h"

void curio_layer_norm_fwd(const float *x, const float *gamma, const float *beta, float *y, float *mean,
                          float *rstd, int rows, int d, float eps) {
  for (int r = 0; r < rows; r++) {
    const float *xr = x + (long)r * d;
    float *yr = y + (long)r * d;
    float s = 0.f;
    for (int j = 0; j < d; j++) s += xr[j];
    float mu = s / d, q = 0.f;
    for (int j = 0; j < d; j++) { float t = xr[j] - mu; q += t * t; }
    float rs = 1.f / sqrtf(q / d + eps);
    for (int j = 0; j < d; j++) yr[j] = (xr[j] - mu) * rs * gamma[j] + beta[j];
    mean[r] = mu;
    rstd[r] = rs;
  }
}

/* dx is overwritten; dgamma and dbeta are accumulated into. */
void curio_layer_norm_bwd(const float *dy, const float *x, const float *gamma, const float *mean,
                          const float *rstd, float *dx, float *dgamma, float *dbeta, int rows, int d) {
  for (int r = 0; r < rows; r++) {
    const float *xr = x + (long)r * d, *dyr = dy + (long)r * d;
    float *dxr = dx + (long)r * d;
    float mu = mean[r], rs = rstd[r], sg = 0.f, sgx = 0.f;
    for (int j = 0; j < d; j++) {
      float xh = (xr[j] - mu) * rs, gj = dyr[j] * gamma[j];
      dgamma[j] += dyr[j] * xh;
      dbeta[j] += dyr[j];
      sg += gj;
      sgx += gj * xh;
    }
    sg /= d;
    sgx /= d;
    for (int j = 0; j < d; j++) {
      float xh = (xr[j] - mu) * rs;
      dxr[j] = rs * (dyr[j] * gamma[j] - sg - xh * sgx);
    }
  }
}

/* Row r of a causal softmax sees columns 0..(r % cols): rows are square attention matrices. */
void curio_softmax_fwd(const float *x, float *y, long rows, int cols, float scale, int causal) {
  for (long r = 0; r < rows; r++) {
    const float *xr = x + r * cols;
    float *yr = y + r * cols;
    int n = causal ? (int)(r % cols) + 1 : cols;
    float mx = xr[0];
    for (int j = 1; j < n; j++) mx = xr[j] > mx ? xr[j] : mx;
    float s = 0.f;
    for (int j = 0; j < n; j++) { float e = expf((xr[j] - mx) * scale); yr[j] = e; s += e; }
    float inv = 1.f / s;
    for (int j = 0; j < n; j++) yr[j] *= inv;
    if (n < cols) memset(yr + n, 0, sizeof(float) * (cols - n));
  }
}

/* dx = scale * y * (dy - sum(y * dy)); dx may alias dy. */
void curio_softmax_bwd(const float *y, const float *dy, float *dx, long rows, int cols, float scale, int causal) {
  for (long r = 0; r < rows; r++) {
    const float *yr = y + r * cols, *dyr = dy + r * cols;
    float *dxr = dx + r * cols;
    int n = causal ? (int)(r % cols) + 1 : cols;
    float dot = 0.f;
    for (int j = 0; j < n; j++) dot += yr[j] * dyr[j];
    for (int j = 0; j < n; j++) dxr[j] = scale * yr[j] * (dyr[j] - dot);
    if (n < cols) memset(dxr + n, 0, sizeof(float) * (cols - n));
  }
}

void curio_cross_entropy_fwd(const float *logits, const int32_t *targets, float *lse, float *losses, long rows,
                             int cols) {
  for (long r = 0; r < rows; r++) {
    const float *xr = logits + r * cols;
    float mx = xr[0];
    for (int j = 1; j < cols; j++) mx = xr[j] > mx ? xr[j] : mx;
    float s = 0.f;
    for (int j = 0; j < cols; j++) s += expf(xr[j] - mx);
    float l = mx + logf(s);
    lse[r] = l;
    int t = targets[r];
    losses[r] = t >= 0 ? l - xr[t] : 0.f;
  }
}

/* dx[r] = grow[r] * (softmax(logits[r]) - onehot(target)); rows with a negative target get 0. */
void curio_cross_entropy_bwd(const float *logits, const int32_t *targets, const float *lse, const float *grow,
                             float *dx, long rows, int cols) {
  for (long r = 0; r < rows; r++) {
    const float *xr = logits + r * cols;
    float *dxr = dx + r * cols;
    int t = targets[r];
    if (t < 0) { memset(dxr, 0, sizeof(float) * cols); continue; }
    float g = grow[r], l = lse[r];
    for (int j = 0; j < cols; j++) dxr[j] = g * expf(xr[j] - l);
    dxr[t] -= g;
  }
}

/* out[j] += sum_r g[r * cols + j]: bias gradients. */
void curio_col_sum(const float *g, float *out, long rows, int cols) {
  for (long r = 0; r < rows; r++) {
    const float *gr = g + r * cols;
    for (int j = 0; j < cols; j++) out[j] += gr[j];
  }
}
