// Plain double-precision CPU loops the self-test compares the CUDA kernels against (the contract's math, verbatim).
#pragma once
#include <cmath>
#include <cstddef>
#include <vector>

namespace ref {

inline double cosine(const float* a, const float* b, size_t dim) {
  double dot = 0, na = 0, nb = 0;
  for (size_t d = 0; d < dim; ++d) {
    dot += double(a[d]) * b[d];
    na += double(a[d]) * a[d];
    nb += double(b[d]) * b[d];
  }
  return (na == 0 || nb == 0) ? 0.0 : dot / (std::sqrt(na) * std::sqrt(nb));
}

// log_softmax(offset + h W^T + bias) for every row: [n*bins]
inline std::vector<double> headLogp(const float* h, size_t n, size_t dim, const float* w, const float* bias,
                                    const float* offset, size_t bins) {
  std::vector<double> out(n * bins);
  std::vector<double> z(bins);
  for (size_t i = 0; i < n; ++i) {
    double m = -INFINITY;
    for (size_t k = 0; k < bins; ++k) {
      double s = bias[k] + (offset ? offset[i * bins + k] : 0.0);
      for (size_t d = 0; d < dim; ++d) s += double(h[i * dim + d]) * w[k * dim + d];
      z[k] = s;
      m = std::fmax(m, s);
    }
    double se = 0;
    for (size_t k = 0; k < bins; ++k) se += std::exp(z[k] - m);
    const double lse = m + std::log(se);
    for (size_t k = 0; k < bins; ++k) out[i * bins + k] = z[k] - lse;
  }
  return out;
}

struct TrainState {
  std::vector<float> w, bias, mW, vW, mB, vB;
};

struct Loss {
  double loss, ceT, ceS, kl;
};

// One AdamW train step of the shared head on both views; updates st in place.
inline Loss trainStep(const float* hT, const float* hS, const float* offT, const float* offS, const float* y,
                      const float* wt, size_t n, size_t dim, size_t bins, TrainState& st, long step, double lr,
                      double b1, double b2, double eps, double wd, double a, double b) {
  const auto lpT = headLogp(hT, n, dim, st.w.data(), st.bias.data(), offT, bins);
  const auto lpS = headLogp(hS, n, dim, st.w.data(), st.bias.data(), offS, bins);
  double sumW = 0;
  for (size_t i = 0; i < n; ++i) sumW += wt ? wt[i] : 1.0;
  std::vector<double> gW(bins * dim, 0.0), gB(bins, 0.0);
  Loss L{0, 0, 0, 0};
  for (size_t i = 0; i < n; ++i) {
    const double s = (wt ? wt[i] : 1.0) / sumW;
    for (size_t k = 0; k < bins; ++k) {
      const size_t j = i * bins + k;
      const double pt = std::exp(lpT[j]), ps = std::exp(lpS[j]), yk = y[j];
      L.ceT -= s * yk * lpT[j];
      L.ceS -= s * yk * lpS[j];
      L.kl += s * pt * (lpT[j] - lpS[j]);
      const double dzT = s * (pt - yk), dzS = s * (a * (ps - yk) + b * (ps - pt));
      gB[k] += dzT + dzS;
      for (size_t d = 0; d < dim; ++d) gW[k * dim + d] += dzT * hT[i * dim + d] + dzS * hS[i * dim + d];
    }
  }
  L.loss = L.ceT + a * L.ceS + b * L.kl;
  const double bc1 = 1 - std::pow(b1, double(step)), bc2 = 1 - std::pow(b2, double(step));
  auto adam = [&](float& p, float& m, float& v, double g, bool decay) {
    double pv = p;
    if (decay) pv *= 1 - lr * wd;
    const double mv = b1 * m + (1 - b1) * g, vv = b2 * v + (1 - b2) * g * g;
    pv -= lr * (mv / bc1) / (std::sqrt(vv / bc2) + eps);
    p = float(pv), m = float(mv), v = float(vv);
  };
  for (size_t j = 0; j < bins * dim; ++j) adam(st.w[j], st.mW[j], st.vW[j], gW[j], true);
  for (size_t k = 0; k < bins; ++k) adam(st.bias[k], st.mB[k], st.vB[k], gB[k], false);
  return L;
}

}  // namespace ref
