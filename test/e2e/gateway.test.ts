/**
 * `selfj gateway` end to end with the real CLI and the real tiny model: a judge trained by `selfj run` (through
 * train and judge), calibrated by `selfj calibrate`, the upstream a `selfj serve` process, the judge in-process on
 * the model it was trained on. The gateway's scores equal `selfj judge`'s on the same answers and its decisions
 * equal `selfj select` / `selfj rerank` on those scores and tau, exactly. Then: a SIGHUP threshold reload under load
 * with no failed request, kill -9 under traffic leaving a valid decision log, and the refusals (a threshold from
 * another judge, a trained head on a remote judge backend).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, TINY_MODEL, VECTORS, haveAssets, jsonl, run, start } from './helpers.js';

const MODEL_ID = `llama-cpp:${TINY_MODEL}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Loose JSON of responses and log lines, read field by field in assertions. */
// biome-ignore lint/suspicious/noExplicitAny: assertions reach into JSON of many shapes
type Loose = Record<string, any>;

/** Starts a long-running selfj command with --json and returns the JSON line it prints once listening. */
async function serveJson(args: string[]): Promise<{ child: ChildProcess; info: Loose; stderr: () => string; done: Promise<unknown> }> {
  const { child, done } = start(args);
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  const info = await new Promise<Loose>((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)));
    });
    void done.then((r) => reject(new Error(`exited ${JSON.stringify(r.code)}: ${err}`)));
  });
  return { child, info, stderr: () => err, done };
}

async function post(url: string, body: unknown): Promise<{ status: number; json: Loose }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as Loose };
}

/** Replaces a file the way an operator's deploy would: write elsewhere, rename over. */
function replace(file: string, content: string): void {
  writeFileSync(`${file}.new`, content);
  renameSync(`${file}.new`, file);
}

describe.skipIf(!haveAssets)('selfj gateway (real CLI, real tiny model, a selfj serve upstream)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'selfj-gateway-e2e-'));
  const out = join(dir, 'run');
  const cfg = join(dir, 'config.json');
  const threshold = join(dir, 'threshold.json');
  const log = join(dir, 'decisions.jsonl');
  const instructions = jsonl(join(REPO, 'packages/cli/data/demo-instructions.jsonl')).slice(0, 12) as { id: string; instruction: string }[];
  let serve: Awaited<ReturnType<typeof serveJson>>;
  let upstream: string;
  let tau: number;
  /** The gateway's command line; `over` replaces flags (a flag given twice would be a list). */
  const gatewayArgs = (over: Record<string, string | true> = {}) => {
    const flags: Record<string, string | true> = {
      config: cfg, upstream, judge: join(out, 'train'), 'judge-backend': MODEL_ID, threshold, port: '0', json: true, 'decision-log': log, 'log-text': true, ...over,
    };
    return ['gateway', ...Object.entries(flags).flatMap(([k, v]) => (v === true ? [`--${k}`] : [`--${k}`, v]))];
  };

  beforeAll(async () => {
    writeFileSync(
      cfg,
      JSON.stringify({
        out, seed: 3, onBadRecord: 'skip',
        data: { source: join(REPO, 'packages/cli/data/demo-instructions.jsonl'), limit: 20 },
        backend: { id: MODEL_ID, batchSize: 4, options: { threads: 1 } },
        sample: { samples: 2, maxTokens: 16 },
        similarity: { embedder: `static:${VECTORS}` },
        // the tiny model barely answers with a digit: read its digits anyway (this is plumbing, not quality)
        scoring: { minDigitMass: 0 },
        train: { epochs: 5, batchSize: 8 },
      }),
    );
    const r = await run(['run', '--config', cfg, '--until', 'judge', '--quiet']);
    expect(r.code, r.stderr).toBe(0);
    const c = await run(['calibrate', '--input', join(out, 'judge/records.jsonl'), '--grader-field', 'z', '--bad-below', '4', '--target-risk', '0.5', '--out', threshold, '--quiet']);
    expect(c.code, c.stderr).toBe(0);
    // The tiny model's scores sit in a narrow band: put tau at their median (keeping the file's judge identity) so
    // that some answers clear it and some do not.
    const scores = jsonl(join(out, 'judge/records.jsonl')).map((x) => x.score as number).sort((a, b) => a - b);
    tau = Number(scores[Math.floor(scores.length / 2)].toFixed(4));
    const file = JSON.parse(readFileSync(threshold, 'utf8'));
    expect(file.judge).toMatchObject({ id: `head:${join(out, 'train')}`, mode: 'head', model: { id: MODEL_ID } });
    replace(threshold, JSON.stringify({ ...file, tau }, null, 2));
    serve = await serveJson(['serve', '--model', TINY_MODEL, '--port', '0', '--threads', '1', '--json']);
    upstream = `openai:${serve.info.url}#${serve.info.model}`;
  }, 600_000);

  afterAll(async () => {
    serve?.child.kill('SIGTERM');
    await serve?.done;
  });

  it('decisions equal selfj judge + selfj select / selfj rerank on the same answers, scores and tau, exactly', async () => {
    const gw = await serveJson(gatewayArgs());
    const base = `${gw.info.url}`;
    try {
      expect(gw.info).toMatchObject({ judge: `head:${join(out, 'train')}`, judgeBackend: MODEL_ID, tau, mode: 'gate' });
      const gate: Loose[] = [];
      for (const [i, x] of instructions.entries()) {
        const r = await post(`${base}/completions`, { model: 'stories260K', prompt: x.instruction, seed: 100 + i });
        expect(r.status).toBe(200);
        gate.push({ id: x.id, ...r.json.selfj, requestId: r.json.id.replace(/^cmpl-/, '') });
      }
      const bon: Loose[] = [];
      for (const [i, x] of instructions.slice(0, 6).entries()) {
        const r = await post(`${base}/completions`, { prompt: x.instruction, seed: 500 + i, selfj: { mode: 'best-of-n', n: 3 } });
        expect(r.status).toBe(200);
        bon.push({ id: x.id, ...r.json.selfj, requestId: r.json.id.replace(/^cmpl-/, '') });
      }
      const lines = new Map(jsonl(log).map((l) => [l.id as string, l]));
      // The answers the gateway judged (declined ones too) are in the decision log under --log-text.
      const items = gate.map((g) => ({ id: g.id, instruction: instructions.find((x) => x.id === g.id)!.instruction, response: (lines.get(g.requestId)!.texts as string[])[0] }));
      const samples = bon.flatMap((b) =>
        (lines.get(b.requestId)!.texts as string[]).map((response, sample) => ({ id: b.id, sample, instruction: instructions.find((x) => x.id === b.id)!.instruction, response })),
      );
      writeFileSync(join(dir, 'gate-items.jsonl'), items.map((x) => JSON.stringify(x)).join('\n'));
      writeFileSync(join(dir, 'bon-items.jsonl'), samples.map((x) => JSON.stringify(x)).join('\n'));
      for (const name of ['gate', 'bon']) {
        const j = await run(['judge', '--config', cfg, '--judge', join(out, 'train'), '--input', join(dir, `${name}-items.jsonl`), '--out', join(dir, `${name}-judged`), '--quiet']);
        expect(j.code, j.stderr).toBe(0);
      }
      const sel = await run(['select', '--threshold', threshold, '--input', join(dir, 'gate-judged/records.jsonl'), '--out', join(dir, 'selected'), '--quiet']);
      expect(sel.code, sel.stderr).toBe(0);
      const selected = jsonl(join(dir, 'selected/records.jsonl'));
      expect(selected).toHaveLength(gate.length);
      for (const [i, s] of selected.entries()) {
        expect(s.id).toBe(gate[i].id);
        expect(gate[i].score).toBe(s.score); // the same score, bit for bit
        expect(gate[i].decision).toBe(s.decision);
        expect(gate[i].reason).toBe(s.reason);
      }
      const decisions = new Set(gate.map((g) => g.decision));
      expect(decisions).toEqual(new Set(['answer', 'decline'])); // tau at the median: both happen
      const rr = await run(['rerank', '--threshold', threshold, '--input', join(dir, 'bon-judged/records.jsonl'), '--out', join(dir, 'reranked'), '--quiet']);
      expect(rr.code, rr.stderr).toBe(0);
      const judgedSamples = jsonl(join(dir, 'bon-judged/records.jsonl'));
      const reranked = new Map(jsonl(join(dir, 'reranked/records.jsonl')).map((x) => [x.key as string, x]));
      for (const b of bon) {
        const want = reranked.get(b.id)!;
        expect(b.candidates.map((c: { score: number }) => c.score)).toEqual(judgedSamples.filter((x) => x.id === b.id).map((x) => x.score));
        expect(b.chosen).toBe(want.sample);
        expect(b.score).toBe(want.score);
        expect(b.decision).toBe(want.decision);
        expect(b.reason).toBe(want.reason);
      }
    } finally {
      gw.child.kill('SIGTERM');
      await gw.done;
    }
  }, 600_000);

  it('SIGHUP reloads a new threshold under load with no failed request', async () => {
    const gw = await serveJson(gatewayArgs({ 'no-watch': true }));
    try {
      let stop = false;
      const statuses: number[] = [];
      const taus: number[] = [];
      const worker = async (w: number) => {
        for (let i = 0; !stop; i++) {
          const r = await post(`${gw.info.url}/completions`, { prompt: instructions[(w + i) % instructions.length].instruction, seed: i, max_tokens: 8 });
          statuses.push(r.status);
          taus.push(r.json.selfj?.tau);
        }
      };
      const workers = Array.from({ length: 6 }, (_, w) => worker(w));
      while (statuses.length < 12) await sleep(20);
      const file = JSON.parse(readFileSync(threshold, 'utf8'));
      const next = Number((tau + 0.05).toFixed(4));
      replace(threshold, JSON.stringify({ ...file, tau: next }));
      await sleep(300);
      expect(taus.at(-1)).toBe(tau); // --no-watch: the change alone does nothing
      gw.child.kill('SIGHUP');
      const ready = async () => (await (await fetch(`${gw.info.url.replace('/v1', '')}/readyz`)).json()) as { tau: number; generation: number };
      while ((await ready()).tau !== next) await sleep(50);
      const after = statuses.length;
      while (statuses.length < after + 12) await sleep(20);
      stop = true;
      await Promise.all(workers);
      expect(statuses.filter((s) => s !== 200)).toEqual([]);
      expect(taus.slice(after + 6)).toEqual(Array(taus.length - after - 6).fill(next));
      expect((await ready()).generation).toBe(2);
      expect(gw.stderr()).toMatch(/"event":"gateway.notice","message":"reload done: SIGHUP: tau/);
      replace(threshold, JSON.stringify({ ...file, tau }));
    } finally {
      gw.child.kill('SIGTERM');
      await gw.done;
    }
  }, 300_000);

  it('kill -9 under traffic leaves a decision log of whole lines; a restart cuts any torn tail and appends', async () => {
    const killLog = join(dir, 'killed.jsonl');
    const args = gatewayArgs({ 'decision-log': killLog });
    const gw = await serveJson(args);
    let stop = false;
    const load = Array.from({ length: 6 }, async (_, w) => {
      for (let i = 0; !stop; i++) await post(`${gw.info.url}/completions`, { prompt: instructions[w].instruction, seed: i, max_tokens: 8 }).catch(() => undefined);
    });
    const count = () => {
      try {
        return readFileSync(killLog, 'utf8').split('\n').length - 1;
      } catch {
        return 0;
      }
    };
    while (count() < 15) await sleep(10);
    gw.child.kill('SIGKILL');
    await gw.done;
    stop = true;
    await Promise.all(load);
    const text = readFileSync(killLog, 'utf8');
    const whole = text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter(Boolean);
    for (const l of whole) expect(() => JSON.parse(l)).not.toThrow();
    expect(whole.length).toBeGreaterThanOrEqual(15);
    const again = await serveJson(args);
    try {
      expect((await post(`${again.info.url}/completions`, { prompt: instructions[0].instruction, max_tokens: 4 })).status).toBe(200);
    } finally {
      again.child.kill('SIGTERM');
      await again.done;
    }
    const all = readFileSync(killLog, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(all.length).toBe(whole.length + 1);
  }, 300_000);

  it('refuses a threshold calibrated on another judge, and a trained head on a judge backend without hidden states', async () => {
    const zdir = join(dir, 'zero-shot');
    const j = await run(['judge', '--config', cfg, '--judge', 'zero-shot', '--input', join(dir, 'gate-items.jsonl'), '--out', zdir, '--quiet']);
    expect(j.code, j.stderr).toBe(0);
    const zthr = join(dir, 'zero-shot-threshold.json');
    const c = await run(['calibrate', '--input', join(zdir, 'records.jsonl'), '--grader-field', 'score', '--out', zthr, '--quiet']);
    expect(c.code, c.stderr).toBe(0);
    const mismatch = await run(gatewayArgs({ threshold: zthr }));
    expect(mismatch.code).not.toBe(0);
    expect(mismatch.stderr).toMatch(/does not fit the judge head:.*calibrated on "zero-shot" scores; the gateway runs a "head" judge/s);
    const remote = await run(gatewayArgs({ 'judge-backend': upstream }));
    expect(remote.code).not.toBe(0);
    expect(remote.stderr).toMatch(/reads the model's hidden states, which the judge backend openai:.* does not give/);
    expect(remote.stderr).toMatch(/--judge-backend llama-cpp:/);
  }, 300_000);
});
