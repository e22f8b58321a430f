import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import type { InstructionRecord } from '@selfj/core';
import { FakeHub } from '@selfj/hub/testing';

/** The real fixtures folder, from SELFJ_TEST_FIXTURES (set by the shared test setup). */
export const FIXTURES = process.env.SELFJ_TEST_FIXTURES ?? '';

export interface Alpaca {
  instruction: string;
  input: string;
  output: string;
}

export const alpaca: Alpaca[] = readFileSync(join(FIXTURES, 'alpaca_gpt4_instruction_reference.dev.jsonl'), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as Alpaca);

export async function setup(): Promise<{ hub: FakeHub; dir: string; cacheDir: string; done: () => Promise<void> }> {
  const hub = await new FakeHub().start();
  const dir = await mkdtemp(join(tmpdir(), 'selfj-hf-'));
  return { hub, dir, cacheDir: join(dir, 'cache'), done: async () => (await hub.close(), await rm(dir, { recursive: true, force: true })) };
}

/** A real Parquet file (snappy, several row groups) of alpaca rows, as bytes. */
export async function parquetBytes(dir: string, rows: Alpaca[], name: string): Promise<Buffer> {
  const file = join(dir, name);
  parquetWriteFile({
    filename: file,
    columnData: [
      { name: 'instruction', data: rows.map((r) => r.instruction), type: 'STRING' },
      { name: 'input', data: rows.map((r) => r.input), type: 'STRING' },
      { name: 'output', data: rows.map((r) => r.output), type: 'STRING' },
    ],
    rowGroupSize: 50,
  });
  return readFile(file);
}

export function jsonl(rows: object[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + '\n';
}

export async function collect(it: AsyncIterable<InstructionRecord>): Promise<InstructionRecord[]> {
  const out: InstructionRecord[] = [];
  for await (const r of it) out.push(r);
  return out;
}

export function expected(rows: Alpaca[]): Array<[string, string]> {
  return rows.map((r) => [r.input ? `${r.instruction}\n\n${r.input}` : r.instruction, r.output]);
}
