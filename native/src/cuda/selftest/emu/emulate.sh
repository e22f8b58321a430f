#!/usr/bin/env bash
# Runs the CUDA self-test on the CPU through the emulation in cuda_runtime.h (no GPU, no nvcc needed; g++ >= 11).
# The kernel sources are copied, their <<<grid, block, smem>>> launches rewritten to shimLaunch(...) and their one
# dynamic shared-memory declaration to a pointer; nothing else changes. Slow (one std::thread per CUDA thread):
# checks plus the benchmark path on tiny shapes. Usage: emulate.sh [--quick|--tiny-bench]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
src="$(cd "$here/../.." && pwd)"
out="${OUT_DIR:-${TMPDIR:-/tmp}/selfj-cuda-emu}"
rm -rf "$out" && mkdir -p "$out/src/selftest"
cp "$src"/*.h "$src"/*.cuh "$out/src/"
cp "$here/../cpu_ref.h" "$here/../selftest.cu" "$out/src/selftest/"
for f in "$src"/*.cu; do
  sed -E \
    -e 's/([A-Za-z_][A-Za-z0-9_]*(<[^;<>]*>)?)<<<([^>]*)>>>/shimLaunch(\1, \3)/g' \
    -e 's/extern __shared__ __align__\(16\) float ([A-Za-z_]+)\[\];/float* \1 = emuDynamicSmem<float>();/' \
    "$f" > "$out/src/$(basename "$f")"
done
grep -n "<<<" "$out"/src/*.cu && { echo "emulate.sh: a launch was not rewritten" >&2; exit 1; }
objs=()
for f in "$out"/src/*.cu "$out"/src/selftest/selftest.cu; do
  o="$out/$(basename "$f" .cu).o"
  g++ -std=c++20 -O1 -x c++ -I"$here" -I"$out/src" -c "$f" -o "$o" &
  objs+=("$o")
  [ "$(jobs -rp | wc -l)" -ge 2 ] && wait -n
done
wait
g++ -pthread -o "$out/selftest-emu" "${objs[@]}"
echo "built $out/selftest-emu"
exec "$out/selftest-emu" "${1:---tiny-bench}"
