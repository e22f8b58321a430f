#!/usr/bin/env bash
# Builds the CUDA self-test (all kernels + selftest.cu, static cudart) and runs it unless --build-only.
#   ./run.sh                 build for sm_80 + sm_90 and run (needs a GPU)
#   ./run.sh --build-only    compile and link only (works without a GPU)
#   ./run.sh --quick         run the correctness checks, skip the benchmark
# Env: SELFJ_CUDA_ARCHS="80 90" (space separated), NVCC=nvcc, OUT_DIR=/tmp/selfj-cuda-selftest
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$(dirname "$here")"
out="${OUT_DIR:-${TMPDIR:-/tmp}/selfj-cuda-selftest}"
nvcc="${NVCC:-nvcc}"
archs="${SELFJ_CUDA_ARCHS:-80 90}"
mkdir -p "$out"
gencode=()
for a in $archs; do gencode+=("-gencode=arch=compute_$a,code=[sm_$a,compute_$a]"); done
"$nvcc" -std=c++17 -O3 "${gencode[@]}" -cudart static -I"$src" -o "$out/selftest" "$src"/*.cu "$here/selftest.cu"
echo "built $out/selftest"
build_only=0
args=()
for arg in "$@"; do
  if [ "$arg" = "--build-only" ]; then build_only=1; else args+=("$arg"); fi
done
[ "$build_only" = 1 ] && exit 0
exec "$out/selftest" "${args[@]+"${args[@]}"}"
