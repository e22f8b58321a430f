#!/usr/bin/env node
/**
 * `npm run demo` in this repository: `selfj demo` with the development setup's real files when they are there.
 * The shared folder beside the checkout (../shared/models) holds a tiny real GGUF model and real word vectors for
 * machines that cannot reach the Hugging Face Hub; this script points SELFJ_MODEL and SELFJ_VECTORS at them unless
 * they are set already. Shipped code never looks there: without them, `selfj demo` downloads the default model.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const shared = resolve(root, '../shared/models');
const env = { ...process.env };
const dev = [
  ['SELFJ_MODEL', join(shared, 'stories260K.gguf'), 'the tiny development model (not instruction-tuned: the demo shows the plumbing, not quality)'],
  ['SELFJ_VECTORS', join(shared, 'glove-20k-100d.i8.bin'), 'the development word vectors'],
];
for (const [name, file, what] of dev) {
  if (!env[name] && existsSync(file)) {
    env[name] = file;
    process.stderr.write(`demo: ${name}=${file} (${what})\n`);
  }
}
const child = spawn(process.execPath, [join(root, 'packages/cli/bin/selfj.js'), 'demo', ...process.argv.slice(2)], { stdio: 'inherit', env });
child.on('exit', (code, signal) => (signal ? process.kill(process.pid, signal) : process.exit(code ?? 1)));
for (const s of ['SIGINT', 'SIGTERM']) process.on(s, () => child.kill(s));
