// Threaded CPU kernels built on the ISA table. Per-row results never depend on thread count or batch size; the
// gradient is summed per fixed 64-row chunk and the chunk sums are added in chunk order.
#include "cpu_ops.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <vector>

#include "aligned.h"
#include "kernels.h"
#include "thread_pool.h"

namespace selfj {
namespace {

constexpr size_t kChunk = 64;        // gradient reduction chunk (rows); part of the determinism contract
constexpr size_t kMaxTileRows = 16;  // upper bound on KernelTable::headTileRows

ThreadPool& pool() { return ThreadPool::instance(); }

// Minimum rows per thread so a thread gets at least ~64K floats of work.
size_t minRows(size_t dim) { return std::max<size_t>(1, (size_t(1) << 16) / std::max<size_t>(dim, 1)); }

// z[k] = logit + bias + offset; writes log-softmax into logp and softmax into p (double precision).
void logSoftmax(const float* logits, const float* bias, const float* offset, size_t bins, double* logp, double* p) {
  double m = -INFINITY;
  for (size_t k = 0; k < bins; ++k) {
    double z = static_cast<double>(logits[k]) + bias[k] + (offset ? offset[k] : 0.0f);
    logp[k] = z;
    m = std::max(m, z);
  }
  double s = 0.0;
  for (size_t k = 0; k < bins; ++k) {  // one exp per bin: exp is a visible share of the whole step
    logp[k] -= m;
    p[k] = std::exp(logp[k]);
    s += p[k];
  }
  const double inv = 1.0 / s, ls = std::log(s);
  for (size_t k = 0; k < bins; ++k) {
    p[k] *= inv;
    logp[k] -= ls;
  }
}

}  // namespace

void cpuCosineRows(const KernelTable& K, const float* a, const float* b, size_t n, size_t dim, float* out) {
  pool().parallelFor(n, minRows(dim), [&](size_t r0, size_t r1) { K.cosineRows(a, b, dim, r0, r1, out); });
}

void cpuCosineMatrix(const KernelTable& K, const float* a, size_t na, const float* b, size_t nb, size_t dim, float* out) {
  std::vector<double> invA(na), invB(nb);
  pool().parallelFor(na, minRows(dim), [&](size_t r0, size_t r1) { K.invNorms(a, dim, r0, r1, invA.data()); });
  pool().parallelFor(nb, minRows(dim), [&](size_t r0, size_t r1) { K.invNorms(b, dim, r0, r1, invB.data()); });
  // Split the rows of the larger operand over threads (each piece packs all of the other one, so packing the
  // smaller side repeatedly is the cheaper overhead); no synchronisation inside the GEMM. Per-element order is the
  // same either way.
  const size_t minWork = size_t(1) << 18;  // multiply-adds per thread worth a wake-up
  if (na > nb && na >= 64 * static_cast<size_t>(pool().size())) {
    // Few large pieces: every piece packs all of b once, so split the larger side (packing is the overhead).
    pool().parallelFor(na, std::max<size_t>(1, minWork / std::max<size_t>(1, nb * dim)), [&](size_t r0, size_t r1) {
      K.cosineMatrixRows(a, b, nb, dim, invA.data(), invB.data(), r0, r1, out, nb);
    }, 2);
  } else {
    pool().parallelFor(nb, std::max<size_t>(1, minWork / std::max<size_t>(1, na * dim)), [&](size_t j0, size_t j1) {
      K.cosineMatrixRows(a, b + j0 * dim, j1 - j0, dim, invA.data(), invB.data() + j0, 0, na, out + j0, nb);
    }, 2);
  }
}

void cpuHeadForward(const KernelTable& K, const float* h, size_t n, size_t dim, const float* w, const float* bias, const float* offset,
                    size_t bins, float* probs, float* scores) {
  AlignedVec<float> wp(headPackedSize(dim, bins));
  packHeadWeights(w, dim, bins, wp.data());
  // Blocks are a whole number of register tiles, so only a piece's last block runs the slower one-row tile (a row's
  // result does not depend on which tile computed it).
  const size_t tile = std::max<size_t>(1, K.headTileRows), block = std::max(tile, kChunk / tile * tile);
  pool().parallelFor(n, minRows(dim), [&](size_t r0, size_t r1) {
    std::vector<float> logits(block * bins);
    double logp[64], p[64];
    for (size_t b0 = r0; b0 < r1; b0 += block) {
      size_t rows = std::min(block, r1 - b0);
      K.headDots(h + b0 * dim, rows, dim, w, wp.data(), bins, logits.data());
      for (size_t r = 0; r < rows; ++r) {
        size_t i = b0 + r;
        logSoftmax(logits.data() + r * bins, bias, offset ? offset + i * bins : nullptr, bins, logp, p);
        double sc = 0.0;
        for (size_t k = 0; k < bins; ++k) {
          probs[i * bins + k] = static_cast<float>(p[k]);
          sc += static_cast<double>(k) * p[k];
        }
        scores[i] = static_cast<float>(sc);
      }
    }
  });
}

TrainLoss cpuHeadGradients(const KernelTable& K, const float* hT, const float* hS, const float* offT, const float* offS,
                           const float* targets, const float* weights, size_t n, size_t dim, size_t bins,
                           const float* w, const float* bias, const TrainHyper& hp, float* gW, float* gb) {
  double sumW = 0.0;
  for (size_t i = 0; i < n; ++i) sumW += weights ? weights[i] : 1.0f;
  const size_t nChunks = (n + kChunk - 1) / kChunk;
  // Rows per step: one register tile of the forward kernel. Its rows (both views) are still in L2 when the gradient
  // pass reads them again, so features are read from memory once per step instead of twice.
  const size_t tile = std::min<size_t>(kMaxTileRows, std::max<size_t>(1, K.headTileRows));
  // Each chunk's gradient goes to a partial buffer whose rows are padded so the bins rows of one column do not all
  // fall into the same L1 cache set.
  const size_t ldg = (dim + 15) / 16 * 16 + 16;
  const double a = hp.studentWeight, bKl = hp.klWeight;
  std::vector<double> chunkLoss(nChunks * 3, 0.0), chunkGb(nChunks * bins, 0.0);
  std::fill(gW, gW + bins * dim, 0.0f);
  AlignedVec<float> wp(headPackedSize(dim, bins));
  packHeadWeights(w, dim, bins, wp.data());
  const int nt = static_cast<int>(
      std::min<size_t>({static_cast<size_t>(pool().size()), nChunks, std::max<size_t>(1, n * dim / (size_t(1) << 16))}));
  // Chunk partials are added into gW strictly in chunk order (so gW never depends on the thread count); a ring of
  // slots lets a thread start its next chunk while an earlier one is still being finished by another thread.
  const size_t nSlots = std::min<size_t>(nChunks, 2 * static_cast<size_t>(nt) + 2);
  AlignedVec<float> slots(nSlots * bins * ldg);
  std::vector<size_t> readyChunk(nSlots, SIZE_MAX);
  std::atomic<size_t> next{0};
  std::mutex mu;
  std::condition_variable cv;
  size_t drained = 0;  // chunks already added into gW (guarded by mu)

  // Per-thread scratch is allocated here: nothing inside the team job may throw.
  const size_t scratchPer = 4 * tile * bins;
  std::vector<float> scratch(scratchPer * nt);
  pool().team(nt, [&](int tid, int) {
    float* lT = scratch.data() + scratchPer * tid;
    float* lS = lT + tile * bins;
    float* dz = lS + tile * bins;  // [2*tile][bins], rows in (teacher r, student r) order
    const float* rowPtr[2 * kMaxTileRows];
    double lpT[64], pT[64], lpS[64], pS[64];
    for (size_t c = next.fetch_add(1); c < nChunks; c = next.fetch_add(1)) {
      const size_t slot = c % nSlots;
      {
        std::unique_lock<std::mutex> lk(mu);
        cv.wait(lk, [&] { return drained + nSlots > c; });
      }
      float* g = slots.data() + slot * bins * ldg;
      std::fill(g, g + bins * ldg, 0.0f);
      const size_t r0 = c * kChunk, rows = std::min(kChunk, n - r0);
      double ceT = 0, ceS = 0, kl = 0, gbc[64] = {0};  // chunk sums kept local (no false sharing)
      for (size_t s0 = 0; s0 < rows; s0 += tile) {
        const size_t m = std::min(tile, rows - s0), i0 = r0 + s0;
        K.headDots(hT + i0 * dim, m, dim, w, wp.data(), bins, lT);
        K.headDots(hS + i0 * dim, m, dim, w, wp.data(), bins, lS);
        for (size_t r = 0; r < m; ++r) {
          const size_t i = i0 + r;
          logSoftmax(lT + r * bins, bias, offT ? offT + i * bins : nullptr, bins, lpT, pT);
          logSoftmax(lS + r * bins, bias, offS ? offS + i * bins : nullptr, bins, lpS, pS);
          const double wt = weights ? weights[i] : 1.0, sc = wt / sumW;
          const float* y = targets + i * bins;
          double rT = 0, rS = 0, rK = 0;
          for (size_t k = 0; k < bins; ++k) {
            rT -= y[k] * lpT[k];
            rS -= y[k] * lpS[k];
            rK += pT[k] * (lpT[k] - lpS[k]);
            const double gT = sc * (pT[k] - y[k]);
            const double gS = sc * (a * (pS[k] - y[k]) + bKl * (pS[k] - pT[k]));
            dz[(2 * r) * bins + k] = static_cast<float>(gT);
            dz[(2 * r + 1) * bins + k] = static_cast<float>(gS);
            gbc[k] += gT + gS;
          }
          ceT += wt * rT;
          ceS += wt * rS;
          kl += wt * rK;
          rowPtr[2 * r] = hT + i * dim;
          rowPtr[2 * r + 1] = hS + i * dim;
        }
        K.gradRows(dz, rowPtr, 2 * m, dim, bins, g, ldg);
      }
      std::copy(gbc, gbc + bins, chunkGb.begin() + c * bins);
      chunkLoss[c * 3] = ceT;
      chunkLoss[c * 3 + 1] = ceS;
      chunkLoss[c * 3 + 2] = kl;
      {  // publish, then add every finished partial that is next in chunk order
        std::lock_guard<std::mutex> lk(mu);
        readyChunk[slot] = c;
        while (drained < nChunks && readyChunk[drained % nSlots] == drained) {
          const float* src = slots.data() + (drained % nSlots) * bins * ldg;
          for (size_t k = 0; k < bins; ++k)
            for (size_t d = 0; d < dim; ++d) gW[k * dim + d] += src[k * ldg + d];
          readyChunk[drained % nSlots] = SIZE_MAX;
          ++drained;
        }
      }
      cv.notify_all();
    }
  });

  TrainLoss out{0, 0, 0, 0};
  for (size_t k = 0; k < bins; ++k) {
    double sum = 0.0;
    for (size_t c = 0; c < nChunks; ++c) sum += chunkGb[c * bins + k];
    gb[k] = static_cast<float>(sum);
  }
  for (size_t c = 0; c < nChunks; ++c) {
    out.ceTeacher += chunkLoss[c * 3];
    out.ceStudent += chunkLoss[c * 3 + 1];
    out.kl += chunkLoss[c * 3 + 2];
  }
  out.ceTeacher /= sumW;
  out.ceStudent /= sumW;
  out.kl /= sumW;
  out.loss = out.ceTeacher + a * out.ceStudent + bKl * out.kl;
  return out;
}

void adamwUpdate(float* p, const float* g, float* m, float* v, size_t count, int64_t step, const TrainHyper& hp,
                 bool decay) {
  const double bc1 = 1.0 - std::pow(static_cast<double>(hp.beta1), static_cast<double>(step));
  const double bc2 = 1.0 - std::pow(static_cast<double>(hp.beta2), static_cast<double>(step));
  const double keep = decay ? 1.0 - static_cast<double>(hp.lr) * hp.weightDecay : 1.0;
  for (size_t i = 0; i < count; ++i) {
    const double gi = g[i];
    const double mi = hp.beta1 * static_cast<double>(m[i]) + (1.0 - hp.beta1) * gi;
    const double vi = hp.beta2 * static_cast<double>(v[i]) + (1.0 - hp.beta2) * gi * gi;
    m[i] = static_cast<float>(mi);
    v[i] = static_cast<float>(vi);
    const double pi = static_cast<double>(p[i]) * keep;
    p[i] = static_cast<float>(pi - hp.lr * (mi / bc1) / (std::sqrt(vi / bc2) + hp.eps));
  }
}

}  // namespace selfj
