import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InstructionRecord } from '@selfj/core';

/** The real fixtures folder, from SELFJ_TEST_FIXTURES (set by the shared test setup; read as-is, never copied). */
export const FIXTURES = process.env.SELFJ_TEST_FIXTURES ?? '';

export async function tempDir(): Promise<{ dir: string; done: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'selfj-files-'));
  return { dir, done: () => rm(dir, { recursive: true, force: true }) };
}

export async function collect(it: AsyncIterable<InstructionRecord>): Promise<InstructionRecord[]> {
  const out: InstructionRecord[] = [];
  for await (const r of it) out.push(r);
  return out;
}

/** Collects until the iterator throws; returns both (to check nothing before the error is lost). */
export async function collectUntilError(it: AsyncIterable<InstructionRecord>): Promise<{ records: InstructionRecord[]; error: unknown }> {
  const records: InstructionRecord[] = [];
  try {
    for await (const r of it) records.push(r);
  } catch (error) {
    return { records, error };
  }
  return { records, error: undefined };
}
