/* A convolution layer's whole batch, forward and backward, in chunks of pictures split across threads.
 * Each chunk's patch matrix stays in cache (see src/nn/ops-conv.ts), so its products are small: OpenBLAS's
 * own threads gained little on them (about a seventh with two cores, the second core mostly spinning),
 * while chunks are independent and divide evenly between threads. Inside the parallel region OpenBLAS
 * runs on one thread; it gets its count back after. Chunks go to threads in a fixed order and the
 * per-thread weight gradients are added in thread order, so a run is reproducible at a given thread count. */
#include <cblas.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif
#include "kernels.h"

typedef struct {
  long positions, cols, in_size, chunk_cols;
  int chunks;
} conv_plan;

static conv_plan plan_of(const patch_geometry *g, int per_chunk) {
  conv_plan p;
  p.positions = (long)g->out_h * g->out_w;
  p.cols = (long)g->kh * g->kw * g->c;
  p.in_size = (long)g->h * g->w * g->c;
  p.chunk_cols = (long)per_chunk * p.positions * p.cols;
  p.chunks = (g->n + per_chunk - 1) / per_chunk;
  return p;
}

/* Threads for a layer: OpenBLAS's configured count, never more than there are chunks. */
static int team_size(int threads, int chunks) { return threads < chunks ? threads : chunks; }

/* The geometry of chunk k (its first picture in *first). */
static patch_geometry chunk_geometry(const patch_geometry *g, int per_chunk, int k, int *first) {
  patch_geometry cg = *g;
  *first = k * per_chunk;
  cg.n = g->n - *first < per_chunk ? g->n - *first : per_chunk;
  return cg;
}

void curio_conv_forward(const float *x, const float *w, float *out, const patch_geometry *g, int c_out, int per_chunk,
                        int accumulate) {
  const int threads = openblas_get_num_threads();
  const conv_plan p = plan_of(g, per_chunk);
  const int team = team_size(threads, p.chunks);
  if (team < 1) return;
  openblas_set_num_threads(1);
#pragma omp parallel num_threads(team)
  {
    /* Zeroed once: padding cells are never written, so they stay zero for every chunk. */
    float *col = calloc((size_t)p.chunk_cols, sizeof(float));
#pragma omp for schedule(static)
    for (int k = 0; k < p.chunks; k++) {
      int first;
      patch_geometry cg = chunk_geometry(g, per_chunk, k, &first);
      curio_patches((float *)x + first * p.in_size, col, &cg, 0);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)(cg.n * p.positions), c_out, (int)p.cols, 1.0f, col,
                  (int)p.cols, w, (int)p.cols, accumulate ? 1.0f : 0.0f, out + first * p.positions * c_out, c_out);
    }
    free(col);
  }
  openblas_set_num_threads(threads);
}

void curio_conv_backward(const float *x, const float *w, const float *grad, float *gw, float *gx, const patch_geometry *g,
                         int c_out, int per_chunk) {
  const int threads = openblas_get_num_threads();
  const conv_plan p = plan_of(g, per_chunk);
  const int team = team_size(threads, p.chunks);
  if (team < 1) return;
  const long w_size = (long)c_out * p.cols;
  /* One weight gradient per thread, added into gw in thread order after the region. */
  float *gw_parts = gw ? calloc((size_t)team * w_size, sizeof(float)) : NULL;
  openblas_set_num_threads(1);
#pragma omp parallel num_threads(team)
  {
#ifdef _OPENMP
    const int me = omp_get_thread_num();
#else
    const int me = 0;
#endif
    float *col = gw ? calloc((size_t)p.chunk_cols, sizeof(float)) : NULL;
    float *dcol = gx ? malloc((size_t)p.chunk_cols * sizeof(float)) : NULL;
#pragma omp for schedule(static)
    for (int k = 0; k < p.chunks; k++) {
      int first;
      patch_geometry cg = chunk_geometry(g, per_chunk, k, &first);
      const int rows = (int)(cg.n * p.positions);
      const float *g_chunk = grad + first * p.positions * c_out;
      if (gw) {
        /* dW += g_chunkᵀ @ patches */
        curio_patches((float *)x + first * p.in_size, col, &cg, 0);
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, c_out, (int)p.cols, rows, 1.0f, g_chunk, c_out, col,
                    (int)p.cols, 1.0f, gw_parts + me * w_size, (int)p.cols);
      }
      if (gx) {
        /* dPatches = g_chunk @ W, added back into this chunk's own pictures of dx (col2im) */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, rows, (int)p.cols, c_out, 1.0f, g_chunk, c_out, w,
                    (int)p.cols, 0.0f, dcol, (int)p.cols);
        curio_patches(gx + first * p.in_size, dcol, &cg, 1);
      }
    }
    free(col);
    free(dcol);
  }
  openblas_set_num_threads(threads);
  if (gw) {
    for (int t = 0; t < team; t++) {
      const float *part = gw_parts + t * w_size;
      for (long i = 0; i < w_size; i++) gw[i] += part[i];
    }
    free(gw_parts);
  }
}
