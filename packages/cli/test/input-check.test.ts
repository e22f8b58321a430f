import { describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';

async function run(argv: string[]): Promise<{ code: number; stderr: string }> {
  const chunks: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((s: string) => (chunks.push(String(s)), true)) as typeof process.stderr.write;
  try {
    return { code: await main(argv), stderr: chunks.join('') };
  } finally {
    process.stderr.write = write;
  }
}

describe('input files are checked before a command opens a model', () => {
  it('a stage command with a missing --input fails with NOT_FOUND, not with a model download attempt', async () => {
    const r = await run(['sample', '--input', '/nonexistent/instructions.jsonl']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/--input file \/nonexistent\/instructions\.jsonl does not exist/);
    expect(r.stderr).not.toMatch(/model/i);
  });
  it('applies to every file flag (--pairs, --config)', async () => {
    expect((await run(['eval', '--pairs', '/nonexistent/pairs.jsonl'])).stderr).toMatch(/--pairs file/);
    expect((await run(['run', '--config', '/nonexistent/selfj.config.json'])).stderr).toMatch(/--config file/);
  });
});
