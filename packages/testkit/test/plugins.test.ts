/**
 * The kit on the shipped plugins that need no model server: @selfj/embed-static with the real GloVe table and
 * @selfj/dataset-files on real fixture data and on generated files (a 40 MiB one for the streaming check, one
 * with a malformed line). The backends run it in test/conformance (llama-cpp, openai).
 */
import { existsSync, mkdtempSync, writeFileSync, createWriteStream, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll } from 'vitest';
import filesPlugin, { FilesDataset } from '@selfj/dataset-files';
import staticPlugin, { StaticEmbedder } from '@selfj/embed-static';
import { runDatasetConformance, runEmbedderConformance, runPluginConformance } from '../src/index.js';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
/** Real test data: env SELFJ_TEST_VECTORS / SELFJ_TEST_FIXTURES (relative to the repo root) or ../shared. */
const VECTORS = resolve(repoRoot, process.env.SELFJ_TEST_VECTORS ?? '../shared/models/glove-20k-100d.i8.bin');
const ALPACA = resolve(repoRoot, process.env.SELFJ_TEST_FIXTURES ?? '../shared/fixtures', 'alpaca_gpt4_instruction_reference.dev.jsonl');
for (const [what, path, how] of [
  ['word vectors', VECTORS, 'set SELFJ_TEST_VECTORS, or build a table with `selfj build-vectors --out <path>`'],
  ['alpaca fixture', ALPACA, 'set SELFJ_TEST_FIXTURES to a folder holding alpaca_gpt4_instruction_reference.dev.jsonl'],
] as const) {
  if (!existsSync(path)) throw new Error(`The ${what} ${path} is missing: ${how}.`);
}

const dir = mkdtempSync(join(tmpdir(), 'selfj-testkit-'));
// alpaca-style fields, which the loader detects by itself
const row = (i: number) => JSON.stringify({ instruction: `Question ${i}: what is ${i} times three? Explain the steps.`, input: '', output: `${i} times three is ${3 * i}; add ${i} to itself three times.` });

const small = join(dir, 'small.jsonl');
writeFileSync(small, Array.from({ length: 50 }, (_, i) => row(i)).join('\n') + '\n');
const csv = join(dir, 'small.csv');
writeFileSync(csv, 'instruction,output\n' + Array.from({ length: 20 }, (_, i) => `"Say ${i}, please","${i}"`).join('\n') + '\n');
const bad = join(dir, 'bad.jsonl');
writeFileSync(bad, [row(0), row(1), '{"instruction": "half a record', row(3)].join('\n') + '\n');

// ~45 MiB of JSONL, written once before the checks (a loader that held it all would retain about that much).
const large = join(dir, 'large.jsonl');
const LARGE_RECORDS = 160_000;
beforeAll(async () => {
  const out = createWriteStream(large);
  const pad = ' This sentence pads the reference to a realistic length for an answer.'.repeat(2);
  for (let i = 0; i < LARGE_RECORDS; i++) {
    if (!out.write(`${JSON.stringify({ instruction: `Instruction number ${i}: describe the number ${i}.`, output: `The number ${i} is ${i % 2 ? 'odd' : 'even'}.${pad}` })}\n`)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}, 60_000);

runPluginConformance(staticPlugin, { create: { embedders: [`static:${VECTORS}`] } });
runPluginConformance(filesPlugin, { create: { datasets: [small, `file:${csv}`] } });

runEmbedderConformance('embed-static (GloVe 20k x 100d)', () => StaticEmbedder.load({ path: VECTORS }), { normalized: true, semantic: true });
runEmbedderConformance('embed-static, zipf weighting', () => StaticEmbedder.load({ path: VECTORS, weighting: 'zipf' }), { normalized: true, semantic: true });

runDatasetConformance('dataset-files: generated JSONL', () => new FilesDataset({ files: small }), {
  records: 50,
  // bytes: read when the check runs, after beforeAll wrote the file
  large: { make: () => new FilesDataset({ files: large }), get bytes() { return statSync(large).size; }, records: LARGE_RECORDS },
  bad: { make: () => new FilesDataset({ files: bad }), file: bad, row: 2, before: 2 },
});
runDatasetConformance('dataset-files: CSV', () => new FilesDataset({ files: csv }), { records: 20 });
runDatasetConformance('dataset-files: real alpaca fixture (995 rows)', () => new FilesDataset({ files: ALPACA }), { records: 995 });
