/**
 * Stage 8, rerank: best-of-N. For every instruction id keep the sample with the highest judge score (ties: the
 * lowest sample index), and decline when even the best scores below tau. Memory is one best record per id.
 */
import { join } from 'node:path';
import { SelfjError } from '../errors.js';
import { writeFileAtomic } from '../infra/atomic.js';
import { readJsonl, where } from '../infra/jsonl.js';
import { silentLogger } from '../infra/logger.js';
import { RECORDS_FILE, REJECTS_FILE, readManifest, writeManifest, type StageManifest } from '../infra/manifest.js';
import { inputIdentity, stageHash, type StageCommon } from '../stages/common.js';
import { decide } from './select.js';

export interface RerankStageOptions extends StageCommon {
  input: string;
  tau: number | null;
  scoreField?: string;
  idField?: string;
}

export interface RerankResult {
  status: 'done' | 'skipped';
  dir: string;
  recordsFile: string;
  ids: number;
  answered: number;
  rejected: number;
  seconds: number;
}

export async function runRerank(o: RerankStageOptions): Promise<RerankResult> {
  const t0 = Date.now();
  const logger = o.logger ?? silentLogger;
  const field = o.scoreField ?? 'score';
  const idField = o.idField ?? 'id';
  const input = await inputIdentity(o.input);
  const config = { tau: o.tau, scoreField: field, idField };
  const configHash = stageHash({ stage: 'rerank', config, input: input.configHash });
  const previous = readManifest(o.dir);
  if (previous?.complete && previous.configHash === configHash && !o.force) {
    logger.info('stage.skip', { stage: 'rerank', reason: 'complete for the same config hash', dir: o.dir });
    const answered = Number((previous.extra as { answered?: number } | undefined)?.answered ?? 0);
    return { status: 'skipped', dir: o.dir, recordsFile: join(o.dir, RECORDS_FILE), ids: previous.counts.records, answered, rejected: previous.counts.rejected, seconds: 0 };
  }
  const best = new Map<string, { rec: Record<string, unknown>; score: number; sample: number; n: number }>();
  const rejects: string[] = [];
  for await (const l of readJsonl(o.input, { signal: o.signal })) {
    const v = l.value;
    const id = v?.[idField];
    const score = v?.[field];
    let reason = l.error;
    if (!reason && typeof id !== 'string' && typeof id !== 'number') reason = `missing "${idField}"`;
    if (!reason && (typeof score !== 'number' || !Number.isFinite(score))) reason = `field "${field}" must be a finite number`;
    if (reason) {
      if ((o.onBadRecord ?? 'fail') === 'fail') {
        throw new SelfjError('BAD_RECORD', `${where(l)}: ${reason}`, { solutions: ['Fix the record, or pass --on-bad-record skip'] });
      }
      rejects.push(JSON.stringify({ key: `${l.file}:${l.line}`, file: l.file, line: l.line, reason }));
      continue;
    }
    const key = String(id);
    const sample = typeof v!.sample === 'number' ? v!.sample : 0;
    const cur = best.get(key);
    const s = score as number;
    if (!cur) best.set(key, { rec: v!, score: s, sample, n: 1 });
    else {
      cur.n++;
      if (s > cur.score || (s === cur.score && sample < cur.sample)) Object.assign(cur, { rec: v!, score: s, sample });
    }
  }
  const lines: string[] = [];
  let answered = 0;
  for (const [id, b] of best) {
    const d = decide(b.score, o.tau);
    if (d.decision === 'answer') answered++;
    const { key: _k, ...rest } = b.rec;
    lines.push(JSON.stringify({ key: id, ...rest, candidates: b.n, ...d }));
  }
  writeFileAtomic(join(o.dir, RECORDS_FILE), lines.length ? `${lines.join('\n')}\n` : '');
  writeFileAtomic(join(o.dir, REJECTS_FILE), rejects.length ? `${rejects.join('\n')}\n` : '');
  const manifest: StageManifest = {
    format: 'selfj-stage',
    version: 1,
    stage: 'rerank',
    configHash,
    config,
    input,
    counts: { records: lines.length, rejected: rejects.length },
    complete: true,
    extra: { answered },
  };
  writeManifest(o.dir, manifest);
  const seconds = (Date.now() - t0) / 1000;
  logger.info('stage.done', { stage: 'rerank', ids: lines.length, answered, rejected: rejects.length, seconds });
  return { status: 'done', dir: o.dir, recordsFile: join(o.dir, RECORDS_FILE), ids: lines.length, answered, rejected: rejects.length, seconds };
}
