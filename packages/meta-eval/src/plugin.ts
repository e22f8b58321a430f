/**
 * The @selfj/meta-eval plugin: the no-model baseline judges (and the reference-based self-evaluation) as Judges any
 * command can open by id, and the built-in meta-evaluation sets on the "meta-eval.sets" extension point (other
 * plugins add sets the same way).
 *   length[:words]                 response length (characters, or words)
 *   similarity[:<embedder id>]     cosine to the reference answer (default embedder: the config's, else static)
 *   perplexity[:<backend id>]      mean log-probability of the response under the policy (or that backend)
 *   scores:<file.jsonl>#<field>    recorded scores, matched by instruction and response text
 *   self-eval-ref[:<backend id>]   zero-shot self-evaluation with the reference answer (Self-J's z1)
 */
import { DEFAULT_CONFIG, definePlugin, type ModelBackend, type PluginContext } from '@selfj/core';
import { mergeTemplates } from '@selfj/core/stages';
import { LengthJudge, type LengthUnit } from './judges/length-judge.js';
import { PerplexityJudge } from './judges/perplexity-judge.js';
import { ReferenceSelfEvalJudge } from './judges/reference-self-eval-judge.js';
import { ScoresFileJudge, parseScoresSpec, type ScoresFileOptions } from './judges/scores-file-judge.js';
import { SimilarityJudge } from './judges/similarity-judge.js';
import { SETS_EXTENSION } from './sets/types.js';
import { PRESETS } from './sets/presets.js';

async function backendFor(spec: string, ctx: PluginContext): Promise<{ backend: ModelBackend; owned: boolean }> {
  if (!spec) return { backend: await ctx.policy(), owned: false };
  return { backend: await ctx.registry.createBackend(spec, {}, ctx), owned: true };
}

function closing<T extends object>(thing: T, backend: ModelBackend, owned: boolean): T & { close(): Promise<void> } {
  return Object.assign(thing, { close: () => (owned ? backend.close() : Promise.resolve()) });
}

export const plugin = definePlugin({
  name: '@selfj/meta-eval',
  judges: {
    async length(spec) {
      return new LengthJudge((spec || 'chars') as LengthUnit);
    },
    async similarity(spec, _options, ctx) {
      return new SimilarityJudge(await ctx.registry.create('similarities', spec ? `embedder:${spec}` : 'embedder', {}, ctx));
    },
    async perplexity(spec, _options, ctx) {
      const { backend, owned } = await backendFor(spec, ctx);
      try {
        return closing(new PerplexityJudge(backend), backend, owned);
      } catch (e) {
        if (owned) await backend.close();
        throw e;
      }
    },
    async scores(spec, options) {
      const { file, field } = parseScoresSpec(spec);
      return ScoresFileJudge.load(file, field, options as ScoresFileOptions);
    },
    async 'self-eval-ref'(spec, _options, ctx) {
      const c = ctx.config ?? DEFAULT_CONFIG;
      const { backend, owned } = await backendFor(spec, ctx);
      return closing(new ReferenceSelfEvalJudge(backend, mergeTemplates(c.templates).withReference, c.backend.concurrency), backend, owned);
    },
  },
  extensions: {
    [SETS_EXTENSION]: Object.fromEntries(PRESETS.map((s) => [s.name, s])),
  },
});

export default plugin;
