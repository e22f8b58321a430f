// Self-test of the CUDA kernels through the C API (cuda_api.h): random data, compared with double-precision CPU
// loops (cpu_ref.h); batch invariance and run-to-run determinism checked bitwise; then a short device-resident
// benchmark. Exit code: 0 all PASS, 1 some FAIL, 2 no usable CUDA device. Build and run: ./run.sh
#include <cmath>
#include <cstdio>
#include <cstring>
#include <random>
#include <vector>

#include "../cuda_api.h"
#include "cpu_ref.h"

namespace {

int g_failures = 0;
char g_err[512];
std::mt19937 g_rng(12345);

std::vector<float> randomVec(size_t count, float lo = -1.f, float hi = 1.f) {
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> v(count);
  for (float& x : v) x = dist(g_rng);
  return v;
}

void report(const char* name, double maxErr, double tol) {
  const bool ok = maxErr <= tol;  // NaN fails
  if (!ok) ++g_failures;
  std::printf("%-58s max err %.3g (tol %.1g)  %s\n", name, maxErr, tol, ok ? "PASS" : "FAIL");
}

void check(const char* name, bool ok, const char* detail = "") {
  if (!ok) ++g_failures;
  std::printf("%-58s %s %s\n", name, ok ? "PASS" : "FAIL", detail);
}

bool call(int rc, const char* what) {
  if (rc != 0) {
    ++g_failures;
    std::printf("%-58s FAIL: %s\n", what, g_err);
  }
  return rc == 0;
}

bool sameBits(const float* a, const float* b, size_t count) { return std::memcmp(a, b, count * sizeof(float)) == 0; }

void testCosineRows(size_t n, size_t dim) {
  auto a = randomVec(n * dim), b = randomVec(n * dim);
  std::fill(a.begin() + 3 * dim, a.begin() + 4 * dim, 0.f);  // zero row -> 0
  std::vector<float> out(n), sub(7);
  if (!call(selfj_cuda_cosine_rows(a.data(), b.data(), n, dim, out.data(), g_err, sizeof g_err), "cosineRows")) return;
  double e = 0;
  for (size_t i = 0; i < n; ++i) e = std::fmax(e, std::fabs(out[i] - ref::cosine(&a[i * dim], &b[i * dim], dim)));
  char name[96];
  std::snprintf(name, sizeof name, "cosineRows n=%zu dim=%zu", n, dim);
  report(name, e, 1e-5);
  check("  zero row gives exactly 0", out[3] == 0.f);
  call(selfj_cuda_cosine_rows(a.data(), b.data(), 7, dim, sub.data(), g_err, sizeof g_err), "cosineRows subset");
  check("  batch-invariant (7-row batch bitwise equal)", sameBits(sub.data(), out.data(), 7));
}

void testCosineMatrix(size_t na, size_t nb, size_t dim) {
  auto a = randomVec(na * dim), b = randomVec(nb * dim);
  std::fill(b.begin() + 2 * dim, b.begin() + 3 * dim, 0.f);
  std::vector<float> out(na * nb);
  if (!call(selfj_cuda_cosine_matrix(a.data(), na, b.data(), nb, dim, out.data(), g_err, sizeof g_err),
            "cosineMatrix"))
    return;
  double e = 0;
  for (size_t i = 0; i < na; ++i)
    for (size_t j = 0; j < nb; ++j)
      e = std::fmax(e, std::fabs(out[i * nb + j] - ref::cosine(&a[i * dim], &b[j * dim], dim)));
  char name[96];
  std::snprintf(name, sizeof name, "cosineMatrix %zux%zu dim=%zu", na, nb, dim);
  report(name, e, 1e-5);
  check("  zero row of b gives exactly 0", out[2] == 0.f && out[(na - 1) * nb + 2] == 0.f);
  // rows 130..134 of a against columns 129..131 of b: a different tile position, same values expected bitwise
  const size_t i0 = na > 135 ? 130 : 0, j0 = nb > 132 ? 129 : 0, sa = na < 5 ? na : 5, sb = nb < 3 ? nb : 3;
  std::vector<float> sub(sa * sb);
  call(selfj_cuda_cosine_matrix(&a[i0 * dim], sa, &b[j0 * dim], sb, dim, sub.data(), g_err, sizeof g_err),
       "cosineMatrix subset");
  bool same = true;
  for (size_t i = 0; i < sa; ++i) same = same && sameBits(&sub[i * sb], &out[(i0 + i) * nb + j0], sb);
  check("  batch-invariant (sub-matrix bitwise equal)", same);
}

void testForward(size_t n, size_t dim, size_t bins, bool withOffset) {
  auto h = randomVec(n * dim), w = randomVec(bins * dim, -0.05f, 0.05f), bias = randomVec(bins, -0.5f, 0.5f);
  auto off = randomVec(n * bins, -6.f, 0.f);
  const float* offp = withOffset ? off.data() : nullptr;
  std::vector<float> probs(n * bins), scores(n);
  if (!call(selfj_cuda_judge_head_forward(h.data(), n, dim, w.data(), bias.data(), offp, bins, probs.data(),
                                          scores.data(), g_err, sizeof g_err),
            "judgeHeadForward"))
    return;
  const auto lp = ref::headLogp(h.data(), n, dim, w.data(), bias.data(), offp, bins);
  double ep = 0, es = 0;
  for (size_t i = 0; i < n; ++i) {
    double s = 0;
    for (size_t k = 0; k < bins; ++k) {
      const double p = std::exp(lp[i * bins + k]);
      s += double(k) * p;
      ep = std::fmax(ep, std::fabs(probs[i * bins + k] - p));
    }
    es = std::fmax(es, std::fabs(scores[i] - s));
  }
  char name[96];
  std::snprintf(name, sizeof name, "judgeHeadForward n=%zu dim=%zu bins=%zu offset=%d probs", n, dim, bins,
                int(withOffset));
  report(name, ep, 1e-5);
  report("  scores", es, 1e-4 * bins);
  const size_t s0 = n > 40 ? 33 : 0, sn = 5;  // a sub-batch starting at another warp slot
  std::vector<float> sp(sn * bins), ss(sn);
  call(selfj_cuda_judge_head_forward(&h[s0 * dim], sn, dim, w.data(), bias.data(), offp ? &off[s0 * bins] : nullptr,
                                     bins, sp.data(), ss.data(), g_err, sizeof g_err),
       "judgeHeadForward subset");
  check("  batch-invariant (5-row batch bitwise equal)",
        sameBits(sp.data(), &probs[s0 * bins], sn * bins) && sameBits(ss.data(), &scores[s0], sn));
}

double maxDiff(const std::vector<float>& a, const std::vector<float>& b, bool relative) {
  double e = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double d = std::fabs(double(a[i]) - b[i]);
    e = std::fmax(e, relative ? d / std::fmax(1e-12, std::fabs(double(b[i]))) : d);
  }
  return e;
}

void testTrain(size_t n, size_t dim, size_t bins, bool withExtras) {
  auto hT = randomVec(n * dim), hS = randomVec(n * dim);
  auto offT = randomVec(n * bins, -6.f, 0.f), offS = randomVec(n * bins, -6.f, 0.f);
  auto wt = randomVec(n, 0.2f, 2.f);
  std::vector<float> y(n * bins, 0.f);
  for (size_t i = 0; i < n; ++i) {  // soft targets around a random bin, rows sum to 1
    const size_t c = g_rng() % bins;
    y[i * bins + c] = 0.7f;
    y[i * bins + (c + 1) % bins] += 0.3f;
  }
  const float* oT = withExtras ? offT.data() : nullptr;
  const float* oS = withExtras ? offS.data() : nullptr;
  const float* wp = withExtras ? wt.data() : nullptr;
  ref::TrainState gpu{randomVec(bins * dim, -0.05f, 0.05f), randomVec(bins, -0.1f, 0.1f),
                      std::vector<float>(bins * dim), std::vector<float>(bins * dim),
                      std::vector<float>(bins), std::vector<float>(bins)};
  ref::TrainState cpu = gpu;
  const SelfjTrainHyper hp{1e-3f, 0.9f, 0.999f, 1e-8f, 0.01f, 0.3f, 2.f};
  char name[112];
  for (long step = 1; step <= 3; ++step) {
    ref::TrainState before = gpu;
    SelfjTrainLoss L{};
    if (!call(selfj_cuda_judge_head_train_step(hT.data(), hS.data(), oT, oS, y.data(), wp, n, dim, bins,
                                               gpu.w.data(), gpu.bias.data(), gpu.mW.data(), gpu.vW.data(),
                                               gpu.mB.data(), gpu.vB.data(), step, hp, &L, g_err, sizeof g_err),
              "judgeHeadTrainStep"))
      return;
    const ref::Loss R = ref::trainStep(hT.data(), hS.data(), oT, oS, y.data(), wp, n, dim, bins, cpu, step, 1e-3,
                                       0.9, 0.999, 1e-8, 0.01, 0.3, 2.0);
    std::snprintf(name, sizeof name, "judgeHeadTrainStep n=%zu dim=%zu bins=%zu extras=%d step %ld loss", n, dim,
                  bins, int(withExtras), step);
    const double el = std::fmax(std::fmax(std::fabs(L.loss - R.loss), std::fabs(L.ceTeacher - R.ceT)),
                                std::fmax(std::fabs(L.ceStudent - R.ceS), std::fabs(L.kl - R.kl)));
    report(name, el / std::fmax(1.0, std::fabs(R.loss)), 1e-5);
    // AdamW's early steps are close to lr * sign(g): where |g| is tiny, float rounding of g can legitimately move
    // an element by up to 2 lr. So: almost all elements within 2e-6, every element within 2.1 lr.
    size_t off = 0;
    for (size_t j = 0; j < gpu.w.size(); ++j) off += std::fabs(double(gpu.w[j]) - cpu.w[j]) > 2e-6;
    report("  W (max diff, bound 2.1 lr)", maxDiff(gpu.w, cpu.w, false), 2.1e-3);
    report("  W (fraction of elements off by > 2e-6)", double(off) / gpu.w.size(), 1e-3);
    report("  bias", maxDiff(gpu.bias, cpu.bias, false), 2e-6);
    report("  mW (relative to max |m|)", maxDiff(gpu.mW, cpu.mW, false) / std::fmax(1e-30, [&] {
                                           double m = 0;
                                           for (float x : cpu.mW) m = std::fmax(m, std::fabs(x));
                                           return m;
                                         }()),
           1e-4);
    // Determinism: the same step from the same state again must be bitwise identical.
    ref::TrainState again = before;
    SelfjTrainLoss L2{};
    call(selfj_cuda_judge_head_train_step(hT.data(), hS.data(), oT, oS, y.data(), wp, n, dim, bins, again.w.data(),
                                          again.bias.data(), again.mW.data(), again.vW.data(), again.mB.data(),
                                          again.vB.data(), step, hp, &L2, g_err, sizeof g_err),
         "judgeHeadTrainStep rerun");
    check("  deterministic (rerun bitwise equal)",
          sameBits(again.w.data(), gpu.w.data(), gpu.w.size()) && sameBits(again.vW.data(), gpu.vW.data(),
                                                                           gpu.vW.size()) &&
              std::memcmp(&L, &L2, sizeof L) == 0);
    cpu = gpu;  // continue both from the GPU state so errors do not compound over steps
  }
}

void bench(const char* kernel, size_t n, size_t nb, size_t dim, size_t bins, int iters) {
  double ms = 0, bytes = 0;
  if (nb == 0 && std::strcmp(kernel, "cosineMatrix") == 0) nb = n;  // as the C API does
  if (!call(selfj_cuda_bench_device(kernel, n, nb, dim, bins, iters, &ms, &bytes, g_err, sizeof g_err), kernel))
    return;
  std::printf("bench %-20s n=%zu nb=%zu dim=%zu bins=%zu: %.4f ms/call, %.1f GB/s", kernel, n, nb, dim, bins, ms,
              bytes / (ms * 1e6));
  if (std::strcmp(kernel, "cosineMatrix") == 0) std::printf(", %.1f GFLOP/s", 2.0 * n * nb * dim / (ms * 1e6));
  std::printf("\n");
}

}  // namespace

int main(int argc, char** argv) {
  // --quick: checks only; --tiny-bench: checks, then the benchmark path on tiny shapes (exercises it, e.g. under
  // the CPU emulation, without meaningful timings)
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  const bool tiny = argc > 1 && std::strcmp(argv[1], "--tiny-bench") == 0;
  int dev = -1;
  char name[256];
  if (!selfj_cuda_probe(&dev, name, sizeof name)) {
    std::printf("no usable CUDA device (probe returned 0): nothing to test\n");
    return 2;
  }
  std::printf("device %d: %s\n", dev, name);

  testCosineRows(1000, 1024);  // float4 path
  testCosineRows(333, 1027);   // scalar path
  testCosineMatrix(300, 517, 256);
  testCosineMatrix(200, 140, 77);  // dim not a multiple of 4 or 8, partial tiles
  testCosineMatrix(3, 1000, 300);  // skinny path, small side a
  testCosineMatrix(1000, 7, 1024); // skinny path, small side b
  testCosineMatrix(33, 40, 65);    // just above the skinny threshold
  testForward(777, 1024, 11, true);
  testForward(130, 1030, 11, false);
  testForward(100, 4096, 33, true);  // several W chunks, 32-bin variant
  testForward(70, 512, 64, true);
  testTrain(300, 512, 11, true);  // 5 chunks, last one partial
  testTrain(65, 130, 40, false);  // scalar path, two bin groups
  testTrain(1, 64, 2, true);

  check("benchDevice rejects an unknown kernel",
        selfj_cuda_bench_device("nope", 1, 1, 1, 2, 1, nullptr, nullptr, g_err, sizeof g_err) != 0, g_err);
  check("cosineMatrix rejects an out-of-range shape",
        selfj_cuda_cosine_matrix(nullptr, 100, nullptr, size_t(1) << 32, 4, nullptr, g_err, sizeof g_err) != 0, g_err);
  check("judgeHeadForward rejects bins = 65",
        selfj_cuda_judge_head_forward(nullptr, 1, 4, nullptr, nullptr, nullptr, 65, nullptr, nullptr, g_err,
                                      sizeof g_err) != 0,
        g_err);
  if (tiny) {
    bench("cosineRows", 40, 0, 128, 0, 1);
    bench("cosineMatrix", 40, 0, 36, 0, 1);
    bench("cosineMatrix", 2, 300, 64, 0, 1);
    bench("judgeHeadForward", 40, 0, 128, 11, 1);
    bench("judgeHeadTrainStep", 70, 0, 128, 11, 2);
  } else if (!quick) {
    bench("cosineRows", 16384, 0, 1024, 0, 50);
    bench("cosineRows", 262144, 0, 1024, 0, 20);
    bench("cosineMatrix", 1024, 4096, 1024, 0, 20);
    bench("cosineMatrix", 4096, 4096, 4096, 0, 5);
    bench("cosineMatrix", 4, 262144, 1024, 0, 20);  // skinny: a few queries against many rows
    bench("judgeHeadForward", 16384, 0, 4096, 11, 20);
    bench("judgeHeadForward", 65536, 0, 4096, 11, 10);
    bench("judgeHeadTrainStep", 16384, 0, 4096, 11, 10);
  }
  selfj_cuda_release();
  std::printf("%s (%d failure%s)\n", g_failures ? "FAIL" : "PASS", g_failures, g_failures == 1 ? "" : "s");
  return g_failures ? 1 : 0;
}
