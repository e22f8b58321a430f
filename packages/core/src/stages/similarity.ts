/** Stage 3, similarity: z2 = similarity(response, reference) through a Similarity (built-in: embedding cosine). */
import type { Similarity } from '../contracts/similarity.js';
import { readJsonl } from '../infra/jsonl.js';
import { BadRecord, runStage, type StageRunResult } from '../infra/stage-runner.js';
import { inputIdentity, recordKey, runnerCommon, stageHash, type StageCommon } from './common.js';

export interface SimilarityStageOptions extends StageCommon {
  input: string;
  similarity: Similarity;
  batchSize?: number;
  concurrency?: number;
}

type Item = Record<string, unknown> & { response: string; reference: string };

export async function runSimilarity(o: SimilarityStageOptions): Promise<StageRunResult> {
  const input = await inputIdentity(o.input);
  const fp = await o.similarity.fingerprint();
  const configHash = stageHash({ stage: 'similarity', similarity: fp, input: input.configHash });
  return runStage<Item, Record<string, unknown>>({
    stage: 'similarity',
    dir: o.dir,
    manifest: { configHash, config: fp, input, extra: { similarity: o.similarity.id } },
    input: readJsonl(o.input, { signal: o.signal }),
    parse(line) {
      const v = line.value!;
      const key = recordKey(v);
      if (typeof v.response !== 'string') throw new BadRecord('missing response (field "response" must be a string)');
      if (typeof v.reference !== 'string') throw new BadRecord('missing reference (field "reference" must be a string)');
      return { key, value: v as Item }; // updated in place: no copy on the hot path
    },
    async process(batch) {
      const z2 = await o.similarity.score(batch, { signal: o.signal });
      return batch.map((r, i) => {
        const s = z2[i];
        if (s instanceof Error) return s;
        r.z2 = s;
        return r;
      });
    },
    batchSize: o.batchSize ?? 256,
    concurrency: o.concurrency,
    ...runnerCommon(o),
  });
}
