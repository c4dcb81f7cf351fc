/* Batched sgemm through OpenBLAS, row-major. */
#include <cblas.h>
#include "kernels.h"

void curio_gemm(const gemm_args *g, const float *a, const float *b, float *c) {
  enum CBLAS_TRANSPOSE ta = g->trans_a ? CblasTrans : CblasNoTrans;
  enum CBLAS_TRANSPOSE tb = g->trans_b ? CblasTrans : CblasNoTrans;
  for (int i = 0; i < g->batch; i++) {
    cblas_sgemm(CblasRowMajor, ta, tb, g->m, g->n, g->k, g->alpha, a + i * g->stride_a, g->lda,
                b + i * g->stride_b, g->ldb, g->beta, c + i * g->stride_c, g->ldc);
  }
}

void curio_set_threads(int n) { openblas_set_num_threads(n); }
int curio_get_threads(void) { return openblas_get_num_threads(); }
