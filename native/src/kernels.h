/* Curio neural kernels: the C side of src/nn's native backend. Every function works on raw float
 * buffers; src/addon.c unpacks N-API arguments and calls these. */
#ifndef CURIO_KERNELS_H
#define CURIO_KERNELS_H
#include <stdint.h>

typedef struct {
  int trans_a, trans_b, m, n, k, lda, ldb, ldc, batch;
  long stride_a, stride_b, stride_c;
  float alpha, beta;
} gemm_args;

void curio_gemm(const gemm_args *g, const float *a, const float *b, float *c);
void curio_set_threads(int n);
int curio_get_threads(void);

void curio_layer_norm_fwd(const float *x, const float *gamma, const float *beta, float *y, float *mean,
                          float *rstd, int rows, int d, float eps);
void curio_layer_norm_bwd(const float *dy, const float *x, const float *gamma, const float *mean,
                          const float *rstd, float *dx, float *dgamma, float *dbeta, int rows, int d);
void curio_softmax_fwd(const float *x, float *y, long rows, int cols, float scale, int causal);
void curio_softmax_bwd(const float *y, const float *dy, float *dx, long rows, int cols, float scale, int causal);
void curio_col_sum(const float *g, float *out, long rows, int cols);
void curio_cross_entropy_fwd(const float *logits, const int32_t *targets, float *lse, float *losses, long rows,
                             int cols);
void curio_cross_entropy_bwd(const float *logits, const int32_t *targets, const float *lse, const float *grow,
                             float *dx, long rows, int cols);

typedef struct {
  float lr, beta1, beta2, eps, weight_decay, bias1, bias2;
  int decoupled;
} adam_args;

void curio_adam(const adam_args *a, float *p, float *g, float *m, float *v, long n);
void curio_adam_rows(const adam_args *a, float *p, float *g, float *m, float *v, const int32_t *rows,
                     long nrows, int d);
void curio_gather_rows(const float *table, const int32_t *ids, float *out, long n, int d, float scale);
void curio_scatter_add_rows(const float *g, const int32_t *ids, float *gt, long n, int d, float scale, int pad);
void curio_gather_dot(const float *x, const float *table, const int32_t *ids, float *out, long n, int d);
void curio_gather_dot_bwd(const float *g, const float *x, const float *table, const int32_t *ids, float *gx,
                          float *gt, long n, int d);
void curio_add_rows(float *out, const float *row, long rows, int d);
void curio_relu_fwd(const float *x, float *y, long n);
void curio_relu_bwd(const float *x, float *g, long n);

typedef struct {
  int n, h, w, c, kh, kw, stride, padding, out_h, out_w;
} patch_geometry;

void curio_patches(float *img, float *col, const patch_geometry *g, int back);
void curio_channel_stats(const float *x, long rows, int c, float *mean, float *rstd, float eps);
void curio_channel_affine(const float *x, const float *a, const float *b, float *y, long rows, int c);
void curio_channel_grad_sums(const float *g, const float *x, const float *mean, float *sum_g, float *sum_gx, long rows,
                             int c);
void curio_channel_grad_input(const float *g, const float *x, const float *mean, const float *a, const float *k1,
                              const float *k2, float *dx, long rows, int c);
void curio_conv_forward(const float *x, const float *w, float *out, const patch_geometry *g, int c_out, int per_chunk,
                        int accumulate);
void curio_conv_backward(const float *x, const float *w, const float *grad, float *gw, float *gx, const patch_geometry *g,
                         int c_out, int per_chunk);
#endif
