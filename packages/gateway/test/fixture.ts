/**
 * A gateway over the real tiny model, in-process: the upstream is the built-in sampler on the policy, the judge the
 * zero-shot judge on the same model (one model instance, as `selfj gateway` runs by default), and the threshold a
 * file that names that judge. `expected()` answers and scores prompts directly through the same parts, which is
 * what the gateway must reproduce.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Judge, SampledAnswer, Sampler, SelfjConfig, SelfjConfigInput } from '@selfj/core';
import { startGateway, type Gateway, type GatewayOptions, type JudgeSource } from '../src/index.js';
import { openParts, tempDir, testConfig, writeThreshold } from './helpers.js';

export interface TestGateway {
  registry: ReturnType<typeof openParts>['registry'];
  ctx: ReturnType<typeof openParts>['ctx'];
  gw: Gateway;
  config: SelfjConfig;
  dir: string;
  thresholdFile: string;
  logFile: string;
  judge: Judge;
  sampler: Sampler;
  /** The answer and score the same parts give directly (seed as the gateway would use it). */
  expected(instruction: string, seed: number, o?: { messages?: { role: 'user'; content: string }[]; temperature?: number; maxTokens?: number }): Promise<{ answer: SampledAnswer; score: number }>;
  close(): Promise<void>;
}

export async function startTestGateway(
  over: SelfjConfigInput = {},
  o: { tau?: number | null; extra?: Partial<GatewayOptions>; judgeSource?: (open: () => Promise<Judge>) => JudgeSource } = {},
): Promise<TestGateway> {
  const dir = tempDir();
  const thresholdFile = join(dir, 'threshold.json');
  const logFile = join(dir, 'decisions.jsonl');
  const config = testConfig({ ...over, gateway: { threshold: thresholdFile, ...over.gateway, log: { file: logFile, ...over.gateway?.log } } });
  const { registry, ctx } = openParts(config);
  const sampler = await registry.create('samplers', 'backend', {}, ctx);
  const openJudge = () => registry.create('judges', 'zero-shot', {}, ctx);
  const judge = await openJudge();
  const source: JudgeSource = o.judgeSource ? o.judgeSource(openJudge) : { id: 'zero-shot', open: openJudge, stamp: () => '' };
  // The threshold names the judge the gateway will run (another source's judge is opened once to read its identity).
  const named = o.judgeSource ? await source.open() : judge;
  await writeThreshold(thresholdFile, o.tau === undefined ? 4.5 : o.tau, named);
  if (named !== judge) await named.close?.();
  const gw = await startGateway({
    config: config.gateway,
    upstream: sampler,
    judge: source,
    sample: { maxTokens: config.sample.maxTokens, temperature: config.sample.temperature, topP: config.sample.topP },
    modelName: 'tiny',
    ...o.extra,
  });
  return {
    registry,
    ctx,
    gw,
    config,
    dir,
    thresholdFile,
    logFile,
    judge,
    sampler,
    async expected(instruction, seed, e = {}) {
      const s = config.sample;
      const [a] = await sampler.sample([{ instruction, messages: e.messages, seed }], { n: 1, maxTokens: e.maxTokens ?? s.maxTokens, temperature: e.temperature ?? s.temperature, topP: s.topP });
      if (a instanceof Error) throw a;
      const [sc] = await judge.score([{ instruction, response: a[0].text }]);
      if (sc instanceof Error) throw sc;
      return { answer: a[0], score: sc.score };
    },
    async close() {
      await gw.close();
      await judge.close?.();
      await ctx.close();
    },
  };
}

/** Loose JSON of a response or log line, read field by field in assertions. */
// biome-ignore lint/suspicious/noExplicitAny: assertions reach into response JSON of many shapes
export type Loose = Record<string, any>;

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  const text = await res.text();
  let json: Loose | undefined;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json: json as Loose };
}

export function readLog(file: string): Loose[] {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
}
