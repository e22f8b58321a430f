/** Stage 3, similarity: z2 = cosine(embed(response), embed(reference)), on the native row-wise cosine kernel. */
import type { Embedder } from '../contracts/backend.js';
import { kernels } from '../infra/kernels.js';
import { readJsonl } from '../infra/jsonl.js';
import { backendLimiter } from '../infra/limiter.js';
import { BadRecord, runStage, type StageRunResult } from '../infra/stage-runner.js';
import { inputIdentity, recordKey, runnerCommon, stageHash, type StageCommon } from './common.js';

export interface SimilarityStageOptions extends StageCommon {
  input: string;
  embedder: Embedder;
  batchSize?: number;
  concurrency?: number;
}

type Item = Record<string, unknown> & { response: string; reference: string };

export async function runSimilarity(o: SimilarityStageOptions): Promise<StageRunResult> {
  const input = await inputIdentity(o.input);
  const configHash = stageHash({ stage: 'similarity', embedder: o.embedder.id, dim: o.embedder.dim, input: input.configHash });
  const limiter = backendLimiter(`embed:${o.embedder.id}`, o.concurrency ?? 1);
  const k = await kernels();
  const dim = o.embedder.dim;
  return runStage<Item, Record<string, unknown>>({
    stage: 'similarity',
    dir: o.dir,
    manifest: { configHash, config: { embedder: o.embedder.id, dim }, input, extra: { embedder: o.embedder.id } },
    input: readJsonl(o.input, { signal: o.signal }),
    parse(line) {
      const v = line.value!;
      const key = recordKey(v);
      if (typeof v.response !== 'string') throw new BadRecord('missing response (field "response" must be a string)');
      if (typeof v.reference !== 'string') throw new BadRecord('missing reference (field "reference" must be a string)');
      return { key, value: v as Item }; // updated in place: no copy on the hot path
    },
    async process(batch) {
      // One embed call for all responses and references of the batch: rows [0, n) responses, [n, 2n) references.
      const texts = [...batch.map((r) => r.response), ...batch.map((r) => r.reference)];
      const emb = await limiter.run(() => o.embedder.embed(texts, { signal: o.signal }));
      const n = batch.length;
      const cos = k.cosineRows(emb.subarray(0, n * dim), emb.subarray(n * dim, 2 * n * dim), dim);
      return batch.map((r, i) => {
        r.z2 = cos[i];
        return r;
      });
    },
    batchSize: o.batchSize ?? 256,
    concurrency: o.concurrency,
    ...runnerCommon(o),
  });
}
