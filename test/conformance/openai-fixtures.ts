/**
 * Self-eval input built from a real fixture (GPT-4 reference answers to Alpaca instructions, from /work/shared via
 * SELFJ_TEST_FIXTURES or ../shared/fixtures): short records, each answered with its own reference cut short (odd
 * records) or with another instruction's answer (even records), so the scores spread.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FIXTURES = resolve(repoRoot, process.env.SELFJ_TEST_FIXTURES ?? '../shared/fixtures');
export const ALPACA = join(FIXTURES, 'alpaca_gpt4_instruction_reference.dev.jsonl');
export const haveAlpaca = existsSync(ALPACA);
export const ALPACA_MISSING =
  `${ALPACA} is missing: set SELFJ_TEST_FIXTURES to a folder with alpaca_gpt4_instruction_reference.dev.jsonl ` +
  '(rows {idx, instruction, input, output}; from hiyouga/LLaMA-Factory alpaca_en_demo)';

/** Writes `n` self-eval records to `<dir>/self-eval-input.jsonl` and returns the path. */
export function selfEvalInput(dir: string, n: number, maxChars = 260): string {
  const rows = readFileSync(ALPACA, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { idx: number; instruction: string; input: string; output: string })
    .filter((r) => r.instruction.length + r.input.length + r.output.length < maxChars)
    .slice(0, n + 1);
  const lines = rows.slice(0, n).map((r, i) => {
    const instruction = r.input ? `${r.instruction}\n\n${r.input}` : r.instruction;
    const response = i % 2 ? r.output.split(/(?<=[.!?])\s/)[0] : rows[i + 1].output;
    return JSON.stringify({ key: `alpaca-${r.idx}`, instruction, reference: r.output, response });
  });
  const file = join(dir, 'self-eval-input.jsonl');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

/** The files a stage leaves in its directory (lock files aside), name -> bytes, for byte-for-byte comparison. */
export function artifactFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir).sort()) if (!f.includes('lock')) out[f] = readFileSync(join(dir, f), 'utf8');
  return out;
}
