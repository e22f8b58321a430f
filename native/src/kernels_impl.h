// ISA-generic kernel bodies. Included by each kernels_<isa>.cc inside its own namespace (after <algorithm> and
// <vector>) once it defines: V, W (lanes), vzero, vload, vstore, vset1, vfma(a,b,c)=a*b+c, vadd, vhsum,
// sfma (scalar, same rounding as vfma), GMR (GEMM tile rows), HR/HG (head-dot tile: rows x bins),
// GG (gradient tile: bins), ISA_NAME.
// Every output element is accumulated in an order that depends only on dim (never on batch size, tile position
// or thread count), so results are batch- and thread-invariant.
// Optional hooks (defaults below): vloadU (an unaligned load at full speed; an ISA whose wide loads are slow when
// they split a cache line may build it from halves, giving the same vector), vloadA (aligned load), FMA_ACC
// (accumulators of the FMA-peak probe). Kernels that stream the caller's rows take a template flag A (every row
// pointer 64-byte aligned: plain aligned loads) chosen once per call, so the inner loops carry no alignment test.

#ifndef SELFJ_HAVE_VLOADU
static inline V vloadU(const float* p) { return vload(p); }
#endif
#ifndef SELFJ_HAVE_VLOADA
static inline V vloadA(const float* p) { return vload(p); }
#endif
#ifndef FMA_ACC
#define FMA_ACC 8
#endif
template <bool A>
static inline V rowLoad(const float* p) {
  if constexpr (A) return vloadA(p);
  return vloadU(p);
}
static inline bool aligned64(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 63) == 0; }

template <bool A>
static float cosineRow(const float* x, const float* y, size_t dim) {
  V d0 = vzero(), d1 = vzero(), d2 = vzero(), d3 = vzero();
  V p0 = vzero(), p1 = vzero(), p2 = vzero(), p3 = vzero();
  V q0 = vzero(), q1 = vzero(), q2 = vzero(), q3 = vzero();
  size_t k = 0;
  for (; k + 4 * W <= dim; k += 4 * W) {
    V x0 = rowLoad<A>(x + k), x1 = rowLoad<A>(x + k + W), x2 = rowLoad<A>(x + k + 2 * W), x3 = rowLoad<A>(x + k + 3 * W);
    V y0 = rowLoad<A>(y + k), y1 = rowLoad<A>(y + k + W), y2 = rowLoad<A>(y + k + 2 * W), y3 = rowLoad<A>(y + k + 3 * W);
    d0 = vfma(x0, y0, d0); d1 = vfma(x1, y1, d1); d2 = vfma(x2, y2, d2); d3 = vfma(x3, y3, d3);
    p0 = vfma(x0, x0, p0); p1 = vfma(x1, x1, p1); p2 = vfma(x2, x2, p2); p3 = vfma(x3, x3, p3);
    q0 = vfma(y0, y0, q0); q1 = vfma(y1, y1, q1); q2 = vfma(y2, y2, q2); q3 = vfma(y3, y3, q3);
  }
  for (; k + W <= dim; k += W) {
    V x0 = rowLoad<A>(x + k), y0 = rowLoad<A>(y + k);
    d0 = vfma(x0, y0, d0); p0 = vfma(x0, x0, p0); q0 = vfma(y0, y0, q0);
  }
  float dot = vhsum(vadd(vadd(d0, d1), vadd(d2, d3)));
  float na = vhsum(vadd(vadd(p0, p1), vadd(p2, p3)));
  float nb = vhsum(vadd(vadd(q0, q1), vadd(q2, q3)));
  for (; k < dim; ++k) { dot = sfma(x[k], y[k], dot); na = sfma(x[k], x[k], na); nb = sfma(y[k], y[k], nb); }
  return cosineFinish(dot, na, nb);
}

static void cosineRowsK(const float* a, const float* b, size_t dim, size_t r0, size_t r1, float* out) {
  for (size_t r = r0; r < r1; ++r) {
    const float* x = a + r * dim;
    const float* y = b + r * dim;
    out[r] = aligned64(x) && aligned64(y) ? cosineRow<true>(x, y, dim) : cosineRow<false>(x, y, dim);
  }
}

template <bool A>
static float sqNorm(const float* x, size_t dim) {
  V p0 = vzero(), p1 = vzero(), p2 = vzero(), p3 = vzero();
  size_t k = 0;
  for (; k + 4 * W <= dim; k += 4 * W) {
    V x0 = rowLoad<A>(x + k), x1 = rowLoad<A>(x + k + W), x2 = rowLoad<A>(x + k + 2 * W), x3 = rowLoad<A>(x + k + 3 * W);
    p0 = vfma(x0, x0, p0); p1 = vfma(x1, x1, p1); p2 = vfma(x2, x2, p2); p3 = vfma(x3, x3, p3);
  }
  for (; k + W <= dim; k += W) { V x0 = rowLoad<A>(x + k); p0 = vfma(x0, x0, p0); }
  float s = vhsum(vadd(vadd(p0, p1), vadd(p2, p3)));
  for (; k < dim; ++k) s = sfma(x[k], x[k], s);
  return s;
}

static void invNormsK(const float* a, size_t dim, size_t r0, size_t r1, double* inv) {
  for (size_t r = r0; r < r1; ++r) {
    const float* x = a + r * dim;
    double s = aligned64(x) ? sqNorm<true>(x, dim) : sqNorm<false>(x, dim);
    inv[r] = s == 0.0 ? 0.0 : 1.0 / std::sqrt(s);
  }
}

// ---- cosine matrix: Goto-style packed GEMM of a * b^T with an MR x NR register tile ----
constexpr int MR = GMR, NR = 2 * W;
constexpr size_t KC = 512, MC = 16 * MR, NC = 2048;  // fixed k block: per-element order depends only on dim

// c (ldc) = (load ? c : 0) + Ap^T Bp over kc; Ap is MR-interleaved, Bp is NR-interleaved.
// Not inlined: inside the large caller the register allocator spills an accumulator (measured 2x slower).
SELFJ_NOINLINE static void microTile(size_t kc, const float* Ap, const float* Bp, float* c, size_t ldc, bool load) {
  V c0[MR], c1[MR];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    c0[i] = load ? vload(c + i * ldc) : vzero();
    c1[i] = load ? vload(c + i * ldc + W) : vzero();
  }
#pragma GCC unroll 4
  for (size_t k = 0; k < kc; ++k) {
    V b0 = vloadA(Bp), b1 = vloadA(Bp + W);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      V av = vset1(Ap[i]);
      c0[i] = vfma(av, b0, c0[i]);
      c1[i] = vfma(av, b1, c1[i]);
    }
    Ap += MR;
    Bp += NR;
  }
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) { vstore(c + i * ldc, c0[i]); vstore(c + i * ldc + W, c1[i]); }
}

// c[i][j] *= sa[i] * sb[j] over one MR x NR tile, right after its last store (still in L1). Kept out of microTile:
// the extra live registers there make the compiler spill accumulators.
static inline void scaleTile(float* c, size_t ldc, const float* sa, const float* sb) {
  const V s0 = vload(sb), s1 = vload(sb + W), z = vzero();
  for (int i = 0; i < MR; ++i) {  // fma with a zero addend is a plain product (one rounding)
    const V ai = vset1(sa[i]);
    vstore(c + i * ldc, vfma(vfma(vload(c + i * ldc), ai, z), s0, z));
    vstore(c + i * ldc + W, vfma(vfma(vload(c + i * ldc + W), ai, z), s1, z));
  }
}

// Packs rows [r0, r0+rows) x cols [k0, k0+kc) of m (ld = dim) into tile-interleaved panels (zero padded):
// dst[k * tile + i] = m[r0 + t + i][k0 + k] for each tile of rows starting at t.
static void packPanel(const float* m, size_t dim, size_t r0, size_t rows, size_t k0, size_t kc, int tile, float* dst) {
  for (size_t t = 0; t < rows; t += tile) {
    const size_t tr = std::min<size_t>(tile, rows - t);
    size_t kDone = 0;
#ifdef SELFJ_HAVE_PACK8
    // Blocks of 8 rows x 8 columns through a register transpose (the scalar copy below is ~10% of a GEMM).
    kDone = kc / 8 * 8;
    for (size_t i0 = 0; i0 < (size_t)tile; i0 += 8) {
      const float* src[8];
      const int n = static_cast<int>(std::min<size_t>(8, tile - i0));
      const int valid = static_cast<int>(tr > i0 ? std::min<size_t>(n, tr - i0) : 0);
      for (int i = 0; i < 8; ++i) src[i] = i < valid ? m + (r0 + t + i0 + i) * dim + k0 : nullptr;
      packT8(src, n, kDone, dst + i0, (size_t)tile);
    }
#endif
    for (size_t i = 0; i < (size_t)tile; ++i) {
      if (i < tr) {
        const float* src = m + (r0 + t + i) * dim + k0;
        for (size_t k = kDone; k < kc; ++k) dst[k * tile + i] = src[k];
      } else {
        for (size_t k = kDone; k < kc; ++k) dst[k * tile + i] = 0.0f;
      }
    }
    dst += kc * tile;
  }
}

static void cosineMatrixRowsK(const float* a, const float* b, size_t nb, size_t dim, const double* invA,
                              const double* invB, size_t r0, size_t r1, float* out, size_t ldo) {
  const size_t kcMax = std::min(KC, dim);
  const size_t mcMax = std::min(MC, (r1 - r0 + MR - 1) / MR * MR), ncMax = std::min(NC, (nb + NR - 1) / NR * NR);
  AlignedVec<float> Ap(mcMax * kcMax + 64), Bp(ncMax * kcMax + 64), sbAll(nb + NR, 0.0f);
  for (size_t j = 0; j < nb; ++j) sbAll[j] = static_cast<float>(invB[j]);
  float tmp[MR * NR], sa[MR];
  for (size_t jc = 0; jc < nb; jc += NC) {
    size_t nc = std::min(NC, nb - jc);
    for (size_t pc = 0; pc < dim; pc += KC) {
      size_t kc = std::min(KC, dim - pc);
      bool first = pc == 0, last = pc + kc >= dim;
      packPanel(b, dim, jc, nc, pc, kc, NR, Bp.data());
      for (size_t ic = r0; ic < r1; ic += MC) {
        size_t mc = std::min(MC, r1 - ic);
        packPanel(a, dim, ic, mc, pc, kc, MR, Ap.data());
        for (size_t jr = 0; jr < nc; jr += NR) {
          size_t nr = std::min<size_t>(NR, nc - jr);
          const float* bp = Bp.data() + (jr / NR) * kc * NR;
          for (size_t ir = 0; ir < mc; ir += MR) {
            size_t mr = std::min<size_t>(MR, mc - ir);
            const float* ap = Ap.data() + (ir / MR) * kc * MR;
            float* c = out + (ic + ir) * ldo + jc + jr;
            bool full = mr == (size_t)MR && nr == (size_t)NR;
            float* ct = full ? c : tmp;
            size_t ldt = full ? ldo : NR;
            if (!full && !first)
              for (size_t i = 0; i < mr; ++i)
                for (size_t j = 0; j < nr; ++j) tmp[i * NR + j] = c[i * ldo + j];
            if (last)
              for (size_t i = 0; i < (size_t)MR; ++i) sa[i] = i < mr ? static_cast<float>(invA[ic + ir + i]) : 0.0f;
            if (ir + MR < mc)  // the next tile of c: its rows are far apart, so the hardware does not fetch them early
              for (int i = 0; i < MR; ++i) SELFJ_PREFETCH_W(c + (MR + i) * ldo);
            microTile(kc, ap, bp, ct, ldt, !first);
            if (last) scaleTile(ct, ldt, sa, sbAll.data() + jc + jr);
            if (!full)
              for (size_t i = 0; i < mr; ++i)
                for (size_t j = 0; j < nr; ++j) c[i * ldo + j] = tmp[i * NR + j];
          }
        }
      }
    }
  }
}

// ---- judge head: dot products of each h row with the bins rows of w ----
// wp is w packed per dim chunk (kHeadChunk, see kernels.h) so the chunk of all bins is contiguous and stays in L1
// without cache-set conflicts; accumulators persist exactly across chunks.
template <int R, int G, bool A>
static inline void headTile(const float* h, size_t dim, const float* wc, size_t ld, size_t k0, size_t k1, V* acc,
                            size_t bins) {
  V c[R][G];
  for (int r = 0; r < R; ++r)
    for (int g = 0; g < G; ++g) c[r][g] = acc[r * bins + g];
  // Two moving pointers and fixed strides: with an address per row and per bin the compiler ran out of registers
  // and kept pointers on the stack, reloading them every step (a store-to-load chain in the loop).
  const float* hp = h + k0;
  const float* wq = wc;
  const float* const end = h + k1;
#pragma GCC unroll 2
  for (; hp < end; hp += W, wq += W) {
    V hv[R];
    for (int r = 0; r < R; ++r) hv[r] = rowLoad<A>(hp + r * dim);
    for (int g = 0; g < G; ++g) {
      V wv = vloadA(wq + g * ld);
      for (int r = 0; r < R; ++r) c[r][g] = vfma(hv[r], wv, c[r][g]);
    }
  }
  for (int r = 0; r < R; ++r)
    for (int g = 0; g < G; ++g) acc[r * bins + g] = c[r][g];
}

// headTile<R, G> for a run-time G in 1..N (balanced groups have any size up to HG).
template <int R, int N, bool A>
static inline void headTileN(int G, const float* h, size_t dim, const float* wc, size_t ld, size_t k0, size_t k1,
                             V* acc, size_t bins) {
  if constexpr (N >= 1) {
    if (G == N) return headTile<R, N, A>(h, dim, wc, ld, k0, k1, acc, bins);
    headTileN<R, N - 1, A>(G, h, dim, wc, ld, k0, k1, acc, bins);
  }
}

template <int R, bool A>
static void headRows(const float* h, size_t dim, const float* w, const float* wp, size_t bins, float* logits) {
  V acc[R * 64];
  for (size_t i = 0; i < R * bins; ++i) acc[i] = vzero();
  size_t dv = dim / W * W;
  for (size_t k0 = 0; k0 < dv; k0 += kHeadChunk) {
    const size_t k1 = std::min(dv, k0 + kHeadChunk), ld = headRowStride(std::min(kHeadChunk, dim - k0));
    const float* wc = wp + k0 * bins;
    // Balanced bin groups of at most HG (e.g. 10 bins and HG 4 -> 4+3+3), so no group is latency-bound.
    const size_t groups = (bins + HG - 1) / HG;
    for (size_t gi = 0, g = 0; gi < groups; ++gi) {
      const size_t G = (bins - g) / (groups - gi);
      const float* wg = wc + g * ld;
      headTileN<R, HG, A>(static_cast<int>(G), h, dim, wg, ld, k0, k1, acc + g, bins);
      g += G;
    }
  }
  for (int r = 0; r < R; ++r)
    for (size_t g = 0; g < bins; ++g) {
      float s = vhsum(acc[r * bins + g]);
      for (size_t k = dv; k < dim; ++k) s = sfma(h[r * dim + k], w[g * dim + k], s);
      logits[r * bins + g] = s;
    }
}

static void headDotsK(const float* h, size_t rows, size_t dim, const float* w, const float* wp, size_t bins,
                      float* logits) {
  // Every row is aligned when h is and a row is a whole number of cache lines.
  const bool A = aligned64(h) && dim % 16 == 0;
  size_t r = 0;
  for (; r + HR <= rows; r += HR)
    (A ? headRows<HR, true> : headRows<HR, false>)(h + r * dim, dim, w, wp, bins, logits + r * bins);
  for (; r < rows; ++r) (A ? headRows<1, true> : headRows<1, false>)(h + r * dim, dim, w, wp, bins, logits + r * bins);
}

// ---- judge head gradient: a few row views (rows of either view) added into a gradient buffer ----
// g[k*ldg + d] += sum_v dz[v*bins + k] * rows[v][d]: per element, a register sum from 0 over v in order, then one
// add to g. The caller passes the rows it has just run forward, so they come from L2, not memory.
template <int G, bool A>
static SELFJ_INLINE void gradTile(const float* dz, const float* const* rows, size_t nv, size_t bins, size_t kb, size_t d,
                                  float* g, size_t ldg) {
  V c[G][2];
  for (int i = 0; i < G; ++i) c[i][0] = c[i][1] = vzero();
  for (size_t v = 0; v < nv; ++v) {
    const V h0 = rowLoad<A>(rows[v] + d), h1 = rowLoad<A>(rows[v] + d + W);
    for (int i = 0; i < G; ++i) {
      const V z = vset1(dz[v * bins + kb + i]);
      c[i][0] = vfma(z, h0, c[i][0]);
      c[i][1] = vfma(z, h1, c[i][1]);
    }
  }
  for (int i = 0; i < G; ++i) {
    float* p = g + (kb + i) * ldg + d;
    vstore(p, vadd(vload(p), c[i][0]));
    vstore(p + W, vadd(vload(p + W), c[i][1]));
  }
}

template <int N, bool A>
static SELFJ_INLINE void gradTileN(int G, const float* dz, const float* const* rows, size_t nv, size_t bins, size_t kb,
                                   size_t d, float* g, size_t ldg) {
  if constexpr (N >= 1) {
    if (G == N) return gradTile<N, A>(dz, rows, nv, bins, kb, d, g, ldg);
    gradTileN<N - 1, A>(G, dz, rows, nv, bins, kb, d, g, ldg);
  }
}

template <bool A>
static void gradRowsT(const float* dz, const float* const* rows, size_t nv, size_t dim, size_t bins, float* g,
                      size_t ldg) {
  constexpr size_t T = 2 * W;  // columns per tile
  // Balanced bin groups of at most GG (10 bins -> 5+5): enough independent accumulators to hide FMA latency.
  const size_t groups = (bins + GG - 1) / GG;
  size_t d = 0;
  for (; d + T <= dim; d += T)
    for (size_t gi = 0, kb = 0; gi < groups; ++gi) {
      const size_t G = (bins - kb) / (groups - gi);
      gradTileN<GG, A>(static_cast<int>(G), dz, rows, nv, bins, kb, d, g, ldg);
      kb += G;
    }
  // Remaining columns (fewer than one tile): same per-element order, scalar.
  for (; d < dim; ++d)
    for (size_t k = 0; k < bins; ++k) {
      float c = 0.0f;
      for (size_t v = 0; v < nv; ++v) c = sfma(dz[v * bins + k], rows[v][d], c);
      g[k * ldg + d] += c;
    }
}

static void gradRowsK(const float* dz, const float* const* rows, size_t nv, size_t dim, size_t bins, float* g,
                      size_t ldg) {
  bool A = true;
  for (size_t v = 0; v < nv; ++v) A = A && aligned64(rows[v]);
  (A ? gradRowsT<true> : gradRowsT<false>)(dz, rows, nv, dim, bins, g, ldg);
}

// Four contiguous streams at once (a quarter of a each): more concurrent hardware-prefetch streams per core, which
// measured up to 1.3x the single-stream read on Zen 5 (a two-row kernel such as cosineRows gets the same benefit).
static double readSumK(const float* a, size_t n) {
  const size_t m = n / 4;
  const float* s0 = a;
  const float* s1 = a + m;
  const float* s2 = a + 2 * m;
  const float* s3 = a + 3 * m;
  V s[8];
  for (int i = 0; i < 8; ++i) s[i] = vzero();
  for (size_t k = 0; k + 2 * W <= m; k += 2 * W) {
    s[0] = vadd(s[0], vloadA(s0 + k)); s[1] = vadd(s[1], vloadA(s0 + k + W));
    s[2] = vadd(s[2], vloadA(s1 + k)); s[3] = vadd(s[3], vloadA(s1 + k + W));
    s[4] = vadd(s[4], vloadA(s2 + k)); s[5] = vadd(s[5], vloadA(s2 + k + W));
    s[6] = vadd(s[6], vloadA(s3 + k)); s[7] = vadd(s[7], vloadA(s3 + k + W));
  }
  return vhsum(vadd(vadd(vadd(s[0], s[1]), vadd(s[2], s[3])), vadd(vadd(s[4], s[5]), vadd(s[6], s[7]))));
}

static float fmaBurnK(size_t iters) {
  V acc[FMA_ACC];
  for (int i = 0; i < FMA_ACC; ++i) acc[i] = vset1(1.0f + 0.01f * i);
  const V m = vset1(0.999999f), c = vset1(1e-7f);
  for (size_t it = 0; it < iters; ++it) {
#pragma GCC unroll 32
    for (int i = 0; i < FMA_ACC; ++i) acc[i] = vfma(acc[i], m, c);
  }
  V t = acc[0];
  for (int i = 1; i < FMA_ACC; ++i) t = vadd(t, acc[i]);
  return vhsum(t);
}

static const KernelTable kTable = {ISA_NAME, cosineRowsK, invNormsK, cosineMatrixRowsK, headDotsK, gradRowsK,
                                   readSumK, fmaBurnK, (size_t)FMA_ACC * W * 2, (size_t)HR};
