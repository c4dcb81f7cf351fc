{
  "targets": [
    {
      "target_name": "curio_nn",
      "sources": ["src/addon.c", "src/gemm.c", "src/fused.c", "src/adam.c", "src/rows.c", "src/memory.c", "src/conv.c", "src/conv-batch.c"],
      "include_dirs": ["/usr/include/x86_64-linux-gnu/openblas-pthread", "/usr/include/openblas"],
      "libraries": ["-lopenblas", "-lm"],
      "cflags": ["-O3", "-march=native", "-ffast-math", "-std=c11", "-Wall", "-Wno-unused-parameter"],
      "cflags!": ["-O2"],
      "conditions": [["OS=='linux'", { "cflags": ["-fopenmp"], "ldflags": ["-fopenmp"] }]],
      "xcode_settings": { "OTHER_CFLAGS": ["-O3", "-ffast-math"] }
    }
  ]
}
