#!/usr/bin/env node
// Assembles wasm/*.wat (checked-in, reviewable WebAssembly text) into dist/*.wasm with wabt, the WebAssembly Binary
// Toolkit. Part of the package build; the published package ships the .wasm, so installing needs no wabt.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import wabtInit from 'wabt';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const wabt = await wabtInit();
mkdirSync(join(root, 'dist'), { recursive: true });
for (const name of readdirSync(join(root, 'wasm')).filter((f) => f.endsWith('.wat'))) {
  const src = join(root, 'wasm', name);
  const mod = wabt.parseWat(src, readFileSync(src, 'utf8'), { simd: true });
  try {
    mod.resolveNames();
    mod.validate();
    const { buffer } = mod.toBinary({ log: false, write_debug_names: false });
    const out = join(root, 'dist', name.replace(/\.wat$/, '.wasm'));
    writeFileSync(out, buffer);
    console.log(`[selfj/native] assembled ${out} (${buffer.length} bytes)`);
  } finally {
    mod.destroy();
  }
}
