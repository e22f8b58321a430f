/** Real external data sets for tests: the folder comes from SELFJ_TEST_FIXTURES (set by vitest.config.ts). */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The path of a fixture file, or undefined when it is not there (the test then skips with `missingFixture`). */
export function fixturePath(name: string): string | undefined {
  const dir = process.env.SELFJ_TEST_FIXTURES;
  const p = dir ? join(dir, name) : undefined;
  return p && existsSync(p) ? p : undefined;
}

export function missingFixture(name: string): string {
  return `fixture ${name} not found in SELFJ_TEST_FIXTURES (${process.env.SELFJ_TEST_FIXTURES ?? 'unset'}): point SELFJ_TEST_FIXTURES at a folder holding it (Auto-J's GPT-4-rated single-response dev set, GAIR-NLP/auto-j, as JSONL with query, response, gpt4_score, scenario)`;
}
