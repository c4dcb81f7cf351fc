/* Adam / AdamW updates; the row form touches only the embedding rows a batch used and zeroes their
 * gradient, so a step costs O(rows used), not O(vocabulary). */
#include <math.h>
#include <string.h>
#include "kernels.h"

static inline void adam_span(const adam_args *a, float *p, float *g, float *m, float *v, long n) {
  float b1 = a->beta1, b2 = a->beta2, lr = a->lr, eps = a->eps, wd = a->weight_decay;
  float c1 = 1.f / a->bias1, c2 = 1.f / a->bias2;
  for (long i = 0; i < n; i++) {
    float gi = g[i];
    if (!a->decoupled) gi += wd * p[i];
    float mi = b1 * m[i] + (1.f - b1) * gi;
    float vi = b2 * v[i] + (1.f - b2) * gi * gi;
    m[i] = mi;
    v[i] = vi;
    float upd = (mi * c1) / (sqrtf(vi * c2) + eps);
    if (a->decoupled) upd += wd * p[i];
    p[i] -= lr * upd;
  }
}

void curio_adam(const adam_args *a, float *p, float *g, float *m, float *v, long n) {
  adam_span(a, p, g, m, v, n);
}

void curio_adam_rows(const adam_args *a, float *p, float *g, float *m, float *v, const int32_t *rows,
                     long nrows, int d) {
  for (long i = 0; i < nrows; i++) {
    long off = (long)rows[i] * d;
    adam_span(a, p + off, g + off, m + off, v + off, d);
    memset(g + off, 0, sizeof(float) * d);
  }
}
