// 8 x 8 register-transpose packing with 256-bit AVX ops, shared by the AVX2 and AVX-512 kernels (included inside
// their namespaces, after <immintrin.h>): the GEMM packs its panels this way instead of element by element.
// dst[k * ld + i] = src[i][k] for i < n (n <= 8; a null src row packs zeros), k < kc8 (a multiple of 8).
#define SELFJ_HAVE_PACK8 1
static inline void packT8(const float* const* src, int n, size_t kc8, float* dst, size_t ld) {
  static const int kMask[16] = {-1, -1, -1, -1, -1, -1, -1, -1, 0, 0, 0, 0, 0, 0, 0, 0};
  const __m256i mask = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(kMask + 8 - n));
  for (size_t k = 0; k < kc8; k += 8) {
    __m256 r[8];
    for (int i = 0; i < 8; ++i) r[i] = src[i] ? _mm256_loadu_ps(src[i] + k) : _mm256_setzero_ps();
    const __m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
    const __m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
    const __m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
    const __m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
    const __m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xEE);
    const __m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xEE);
    const __m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xEE);
    const __m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xEE);
    const __m256 c[8] = {_mm256_permute2f128_ps(u0, u4, 0x20), _mm256_permute2f128_ps(u1, u5, 0x20),
                         _mm256_permute2f128_ps(u2, u6, 0x20), _mm256_permute2f128_ps(u3, u7, 0x20),
                         _mm256_permute2f128_ps(u0, u4, 0x31), _mm256_permute2f128_ps(u1, u5, 0x31),
                         _mm256_permute2f128_ps(u2, u6, 0x31), _mm256_permute2f128_ps(u3, u7, 0x31)};
    float* d = dst + k * ld;
    if (n == 8)
      for (int j = 0; j < 8; ++j) _mm256_storeu_ps(d + j * ld, c[j]);
    else
      for (int j = 0; j < 8; ++j) _mm256_maskstore_ps(d + j * ld, mask, c[j]);
  }
}
