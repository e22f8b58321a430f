import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createRegistry, type PluginRegistry } from '@selfj/core';
import { FakeHub } from '@selfj/hub/testing';

/** The shared real fixtures: the folder comes from SELFJ_TEST_FIXTURES (set by vitest.config.ts). */
export function fixture<T = Record<string, unknown>>(name: string): T[] {
  const dir = process.env.SELFJ_TEST_FIXTURES;
  if (!dir || !existsSync(join(dir, name))) {
    throw new Error(`Fixture ${name} not found under SELFJ_TEST_FIXTURES=${dir}. Point SELFJ_TEST_FIXTURES at the shared fixtures folder.`);
  }
  return readFileSync(join(dir, name), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);
}

export function vectorsPath(): string | undefined {
  const p = process.env.SELFJ_TEST_VECTORS;
  return p && existsSync(p) ? p : undefined;
}

export interface Env {
  dir: string;
  hub: FakeHub;
  hubOptions: Record<string, unknown>;
  registry: PluginRegistry;
  done(): Promise<void>;
}

export async function setup(): Promise<Env> {
  const dir = await mkdtemp(join(tmpdir(), 'selfj-meta-eval-'));
  const hub = await new FakeHub().start();
  return {
    dir,
    hub,
    hubOptions: { hubUrl: hub.url, cacheDir: join(dir, 'hub-cache') },
    registry: createRegistry(),
    done: async () => {
      await hub.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Writes a file under a data dir at <owner>/<name>/<path>, as a user would place a set's files. */
export function place(dataDir: string, repo: string, path: string, content: string): string {
  const file = join(dataDir, ...repo.split('/'), ...path.split('/'));
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, content);
  return file;
}

export const jsonl = (rows: object[]) => rows.map((r) => JSON.stringify(r)).join('\n') + '\n';

export interface LlmbarRow {
  idx: number;
  input: string;
  output_1: string;
  output_2: string;
  label: number;
}
export interface AlpacaRow {
  instruction: string;
  input: string;
  output: string;
}
