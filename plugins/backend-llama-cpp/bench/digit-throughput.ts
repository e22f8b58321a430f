/**
 * Digit-scoring throughput: selfj (scoreDigits -> LlamaCppBackend) against raw node-llama-cpp evaluation of the
 * same prompts on the same settings (a context with the same sequences, threads and batch size; digit ids looked up
 * once; controlledEvaluate with full probabilities at the last token). Rounds alternate between the two paths so
 * that load from other processes hits both alike. Prints both throughputs and the ratio (target >= 0.90).
 *
 * Env: SELFJ_TEST_MODEL (default ../shared/models/stories260K.gguf), BENCH_PROMPTS (64), BENCH_ROUNDS (5),
 * BENCH_THREADS (1), BENCH_SEQUENCES (4), BENCH_BATCH_INVARIANT (1; 0 = off).
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { LlamaContextSequence, Token } from 'node-llama-cpp';
import { scoreDigits } from '@selfj/core/stages';
import { LlamaCppBackend } from '@selfj/backend-llama-cpp';

const modelPath = resolve(process.env.SELFJ_TEST_MODEL ?? '../../../shared/models/stories260K.gguf');
const nPrompts = Number(process.env.BENCH_PROMPTS ?? 64);
const rounds = Number(process.env.BENCH_ROUNDS ?? 5);
// 1 thread by default: on the 2 shared cores, llama.cpp's spinning thread barriers make 2-thread timings swing
// up to 10x whenever another process runs, which would drown the ratio in noise.
const threads = Number(process.env.BENCH_THREADS ?? 1);
const sequences = Number(process.env.BENCH_SEQUENCES ?? 4);

function loadPrompts(): string[] {
  const fixture = resolve(modelPath, '../../fixtures/autoj_single_gpt4_rated.dev.jsonl');
  const rows: { query: string; response: string }[] = existsSync(fixture)
    ? readFileSync(fixture, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
    : Array.from({ length: nPrompts }, (_, i) => ({ query: `Tell story number ${i}.`, response: 'Once upon a time there was a cat.' }));
  return rows.slice(0, nPrompts).map(
    (r) => `Instruction: ${r.query.slice(0, 240)}\nResponse: ${r.response.slice(0, 240)}\nRate the response from 0 to 9.\nScore:`,
  );
}

async function main(): Promise<void> {
  if (!existsSync(modelPath)) throw new Error(`Model ${modelPath} missing (Hub: ggml-org/models tinyllamas/stories260K.gguf; set SELFJ_TEST_MODEL).`);
  const prompts = loadPrompts();
  const batchInvariant = process.env.BENCH_BATCH_INVARIANT !== '0';
  const opts = { gpu: false as const, contextSize: 1024, threads, sequences, batchSize: 512, batchInvariant };
  const backend = await LlamaCppBackend.load(modelPath, opts);
  const model = backend.model;
  // Raw node-llama-cpp: its own context with the same settings.
  const rawCtx = await model.createContext({ contextSize: opts.contextSize, sequences, threads, batchSize: opts.batchSize, flashAttention: false });
  const seqs: LlamaContextSequence[] = Array.from({ length: sequences }, () => rawCtx.getSequence());
  const digitIds = Array.from({ length: 10 }, (_, d) => model.tokenize(`x${d}`, false).at(-1)!);
  const bos = model.tokens.bos!;
  const opt = { generateNext: { probabilities: true, options: { temperature: 0 } } } as const;

  async function raw(): Promise<number[][]> {
    const out: number[][] = new Array(prompts.length);
    let next = 0;
    await Promise.all(
      seqs.map(async (seq) => {
        while (next < prompts.length) {
          const i = next++;
          const tokens: Token[] = [bos, ...model.tokenize(prompts[i], false)];
          await seq.clearHistory();
          const res = await seq.controlledEvaluate(tokens.map((t, j) => (j === tokens.length - 1 ? [t, opt] : t)));
          const probs = res[tokens.length - 1]!.next.probabilities!;
          const p = digitIds.map((id) => probs.get(id) ?? 0);
          const mass = p.reduce((a, b) => a + b, 0);
          out[i] = p.map((x) => x / mass);
        }
      }),
    );
    return out;
  }
  const viaSelfj = async () => (await scoreDigits(backend, prompts)).map((s) => s.probs);

  // warm-up both, and check they agree
  const a = await raw();
  const b = await viaSelfj();
  let maxDiff = 0;
  for (let i = 0; i < prompts.length; i++) for (let d = 0; d < 10; d++) maxDiff = Math.max(maxDiff, Math.abs(a[i][d] - b[i][d]));

  let rawMs = 0;
  let selfjMs = 0;
  const roundRatios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? ['raw', 'selfj'] : ['selfj', 'raw'];
    const ms: Record<string, number> = {};
    for (const which of order) {
      const t0 = performance.now();
      if (which === 'raw') await raw();
      else await viaSelfj();
      ms[which] = performance.now() - t0;
    }
    rawMs += ms.raw;
    selfjMs += ms.selfj;
    roundRatios.push(ms.raw / ms.selfj);
  }
  roundRatios.sort((x, y) => x - y);
  const median = roundRatios[Math.floor(roundRatios.length / 2)];
  const n = prompts.length * rounds;
  const rawRate = (n / rawMs) * 1000;
  const selfjRate = (n / selfjMs) * 1000;
  const info = backend.runtimeInfo();
  console.log(`model ${modelPath} (vocab ${info.vocabSize}), gpu ${info.gpu}, threads ${threads}, sequences ${sequences}, batchInvariant ${batchInvariant}`);
  console.log(`${prompts.length} prompts x ${rounds} rounds (alternating order)`);
  // raw lets node-llama-cpp cut each prompt wherever the shared batch fills; selfj cuts at fixed positions
  // (batch-invariant results). llama.cpp's numbers move ~1e-3 with the cut positions, hence a small difference.
  console.log(`max |p_selfj - p_raw| over digit distributions = ${maxDiff.toExponential(2)}`);
  console.log(`raw node-llama-cpp : ${rawRate.toFixed(1)} prompts/s`);
  console.log(`selfj scoreDigits  : ${selfjRate.toFixed(1)} prompts/s`);
  console.log(`ratio selfj/raw    : ${(selfjRate / rawRate).toFixed(3)} (target >= 0.90); per-round median ${median.toFixed(3)}, range ${roundRatios[0].toFixed(3)}..${roundRatios.at(-1)!.toFixed(3)}`);
  await rawCtx.dispose();
  await backend.close();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
