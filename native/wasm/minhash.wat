;; MinHash signing, four bins per i32x4 operation: for each group g < groups of bins 4g..4g+3,
;;   sig[4g + k] = min over j < n of (a[4g + k] * sh[j] + b[4g + k])
;; with wrapping 32-bit multiply and add and a signed minimum, starting from 0x7fffffff: bit for bit the JS loop
;; min((Math.imul(a, x) + b) | 0) of @selfj/core's MinHasher. Four groups (16 bins) per pass over the shingles,
;; then one group per pass for the rest.
;;
;; Assembled to dist/minhash.wasm by scripts/build-wasm.mjs (wabt) when @selfj/native is built; loaded by
;; @selfj/core (packages/core/src/collect/minhash-wasm.ts), which reads the layout from the exported globals.
;;
;; Memory layout (grown by the caller for long texts):
;;   [0, 2048)      a[0..512)    multipliers, i32
;;   [2048, 4096)   b[0..512)    offsets, i32
;;   [4096, 6144)   sig[0..512)  output bins, i32
;;   [6144, ...)    shingle hashes, i32
(module
  (memory (export "memory") 1)
  (global $aOffset (export "aOffset") i32 (i32.const 0))
  (global $bOffset (export "bOffset") i32 (i32.const 2048))
  (global $sigOffset (export "sigOffset") i32 (i32.const 4096))
  (global $shOffset (export "shOffset") i32 (i32.const 6144))
  (global $maxBins (export "maxBins") i32 (i32.const 512))

  ;; sign(n, groups): n shingle hashes at shOffset; groups = ceil(bins / 4). The v128.load offsets below are
  ;; aOffset + 16k, bOffset + 16k and sigOffset + 16k for the k-th group of a pass.
  (func (export "sign") (param $n i32) (param $groups i32)
    (local $g i32) (local $j i32) (local $off i32) (local $end i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local $m0 v128) (local $m1 v128) (local $m2 v128) (local $m3 v128)
    (local $x v128)
    (local.set $end (i32.add (global.get $shOffset) (i32.shl (local.get $n) (i32.const 2))))
    ;; while (g + 4 <= groups): four groups (16 bins) per pass
    (block $fourDone
      (loop $fourNext
        (br_if $fourDone (i32.gt_s (i32.add (local.get $g) (i32.const 4)) (local.get $groups)))
        (local.set $off (i32.shl (local.get $g) (i32.const 4)))
        (local.set $a0 (v128.load offset=0 (local.get $off)))
        (local.set $b0 (v128.load offset=2048 (local.get $off)))
        (local.set $m0 (i32x4.splat (i32.const 0x7fffffff)))
        (local.set $a1 (v128.load offset=16 (local.get $off)))
        (local.set $b1 (v128.load offset=2064 (local.get $off)))
        (local.set $m1 (i32x4.splat (i32.const 0x7fffffff)))
        (local.set $a2 (v128.load offset=32 (local.get $off)))
        (local.set $b2 (v128.load offset=2080 (local.get $off)))
        (local.set $m2 (i32x4.splat (i32.const 0x7fffffff)))
        (local.set $a3 (v128.load offset=48 (local.get $off)))
        (local.set $b3 (v128.load offset=2096 (local.get $off)))
        (local.set $m3 (i32x4.splat (i32.const 0x7fffffff)))
        (local.set $j (global.get $shOffset))
        (block $shDone4
          (loop $shNext4
            (br_if $shDone4 (i32.ge_u (local.get $j) (local.get $end)))
            (local.set $x (v128.load32_splat (local.get $j)))
            (local.set $m0 (i32x4.min_s (local.get $m0)
              (i32x4.add (i32x4.mul (local.get $a0) (local.get $x)) (local.get $b0))))
            (local.set $m1 (i32x4.min_s (local.get $m1)
              (i32x4.add (i32x4.mul (local.get $a1) (local.get $x)) (local.get $b1))))
            (local.set $m2 (i32x4.min_s (local.get $m2)
              (i32x4.add (i32x4.mul (local.get $a2) (local.get $x)) (local.get $b2))))
            (local.set $m3 (i32x4.min_s (local.get $m3)
              (i32x4.add (i32x4.mul (local.get $a3) (local.get $x)) (local.get $b3))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $shNext4)))
        (v128.store offset=4096 (local.get $off) (local.get $m0))
        (v128.store offset=4112 (local.get $off) (local.get $m1))
        (v128.store offset=4128 (local.get $off) (local.get $m2))
        (v128.store offset=4144 (local.get $off) (local.get $m3))
        (local.set $g (i32.add (local.get $g) (i32.const 4)))
        (br $fourNext)))
    ;; while (g < groups): one group per pass
    (block $oneDone
      (loop $oneNext
        (br_if $oneDone (i32.ge_s (local.get $g) (local.get $groups)))
        (local.set $off (i32.shl (local.get $g) (i32.const 4)))
        (local.set $a0 (v128.load offset=0 (local.get $off)))
        (local.set $b0 (v128.load offset=2048 (local.get $off)))
        (local.set $m0 (i32x4.splat (i32.const 0x7fffffff)))
        (local.set $j (global.get $shOffset))
        (block $shDone1
          (loop $shNext1
            (br_if $shDone1 (i32.ge_u (local.get $j) (local.get $end)))
            (local.set $x (v128.load32_splat (local.get $j)))
            (local.set $m0 (i32x4.min_s (local.get $m0)
              (i32x4.add (i32x4.mul (local.get $a0) (local.get $x)) (local.get $b0))))
            (local.set $j (i32.add (local.get $j) (i32.const 4)))
            (br $shNext1)))
        (v128.store offset=4096 (local.get $off) (local.get $m0))
        (local.set $g (i32.add (local.get $g) (i32.const 1)))
        (br $oneNext)))))
