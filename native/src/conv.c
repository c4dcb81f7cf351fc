/* Loops of convolutional layers over channels-last (NHWC) pictures: the patch matrix (im2col) and its
 * transpose (col2im), and batch normalisation's per-channel passes. In TypeScript these were about half
 * of a training step of the image encoder (the products themselves a quarter): short runs of copies and
 * per-channel accumulations that V8 does not vectorise. */
#include <string.h>
#include "kernels.h"

void curio_patches(float *img, float *col, const patch_geometry *g, int back) {
  const int n = g->n, h = g->h, w = g->w, c = g->c, kh = g->kh, kw = g->kw;
  const int stride = g->stride, pad = g->padding, out_h = g->out_h, out_w = g->out_w;
  const long row_len = (long)kh * kw * c;
  long row = 0;
  for (int b = 0; b < n; b++) {
    const long img_base = (long)b * h * w * c;
    for (int oy = 0; oy < out_h; oy++) {
      const int y0 = oy * stride - pad;
      for (int ox = 0; ox < out_w; ox++, row += row_len) {
        const int x0 = ox * stride - pad;
        const int kx0 = x0 < 0 ? -x0 : 0;
        const int kx1 = kw < w - x0 ? kw : w - x0;
        if (kx1 <= kx0) continue;
        const long run = (long)(kx1 - kx0) * c;
        for (int ky = 0; ky < kh; ky++) {
          const int iy = y0 + ky;
          if (iy < 0 || iy >= h) continue;
          float *src = img + img_base + ((long)iy * w + x0 + kx0) * c;
          float *dst = col + row + ((long)ky * kw + kx0) * c;
          if (back) {
            for (long j = 0; j < run; j++) src[j] += dst[j];
          } else {
            memcpy(dst, src, (size_t)run * sizeof(float));
          }
        }
      }
    }
  }
}

void curio_channel_stats(const float *x, long rows, int c, float *mean, float *rstd, float eps) {
  double s[c], q[c];
  for (int j = 0; j < c; j++) s[j] = q[j] = 0;
  for (long r = 0; r < rows; r++) {
    const float *xr = x + r * c;
    for (int j = 0; j < c; j++) s[j] += xr[j];
  }
  float m[c];
  for (int j = 0; j < c; j++) m[j] = mean[j] = (float)(s[j] / rows);
  for (long r = 0; r < rows; r++) {
    const float *xr = x + r * c;
    for (int j = 0; j < c; j++) {
      const float d = xr[j] - m[j];
      q[j] += d * d;
    }
  }
  for (int j = 0; j < c; j++) rstd[j] = (float)(1.0 / __builtin_sqrt(q[j] / rows + eps));
}

void curio_channel_affine(const float *x, const float *a, const float *b, float *y, long rows, int c) {
  for (long r = 0; r < rows; r++) {
    const float *xr = x + r * c;
    float *yr = y + r * c;
    for (int j = 0; j < c; j++) yr[j] = xr[j] * a[j] + b[j];
  }
}

void curio_channel_grad_sums(const float *g, const float *x, const float *mean, float *sum_g, float *sum_gx, long rows,
                             int c) {
  double s[c], t[c];
  for (int j = 0; j < c; j++) s[j] = t[j] = 0;
  for (long r = 0; r < rows; r++) {
    const float *gr = g + r * c, *xr = x + r * c;
    for (int j = 0; j < c; j++) {
      s[j] += gr[j];
      t[j] += gr[j] * (xr[j] - mean[j]);
    }
  }
  for (int j = 0; j < c; j++) {
    sum_g[j] = (float)s[j];
    sum_gx[j] = (float)t[j];
  }
}

void curio_channel_grad_input(const float *g, const float *x, const float *mean, const float *a, const float *k1,
                              const float *k2, float *dx, long rows, int c) {
  for (long r = 0; r < rows; r++) {
    const float *gr = g + r * c, *xr = x + r * c;
    float *dr = dx + r * c;
    for (int j = 0; j < c; j++) dr[j] = a[j] * (gr[j] - k1[j] - (xr[j] - mean[j]) * k2[j]);
  }
}
