/**
 * A `selfj meta-eval` result in the documented format (selfj.meta-eval/v1, docs/meta-eval.md) with every kind of
 * set, the published numbers of the built-in presets, a skipped judge and a set that could not be loaded. With
 * `hostile`, data strings (a set name, judge names, a reason, a source) are ones that would run if written as markup.
 */
export function metaEvalResult(hostile: string[] = []) {
  const [h0 = 'my-ratings', h1 = 'similarity', h2 = 'backend has no scoreContinuation', h3 = 'my source'] = hostile;
  const set = (name: string, kind: string, protocol: string, primary: string, published: { judge: string; metric: string; value: number; source: string }[] = []) => ({
    name,
    title: `${name} title`,
    kind,
    protocol,
    primary,
    tieRule: `${protocol} ties`,
    paper: 'a paper',
    files: { rows: [`github:x/${name}@abc/data.json`] },
    items: 100,
    skipped: 0,
    reasons: [],
    notes: [],
    published,
  });
  const autoj = [
    ['GPT-4', 62.28],
    ['Auto-J', 54.96],
    ['Moss-RM', 54.31],
    ['Ziya-RM', 53.23],
    ['Beaver-RM', 52.37],
    ['OASST-RM', 51.08],
    ['ChatGPT', 42.74],
  ].map(([judge, v]) => ({ judge: judge as string, metric: 'agreement', value: (v as number) / 100, source: 'GAIR-NLP/auto-j@06824d27 README.md' }));
  const pandalm = 'WeOpenML/PandaLM@8536d2ce data/compute_metrics.py (comment)';
  const row = (setName: string, judge: string, metrics: Record<string, number | null>, extra: Record<string, unknown> = {}) => ({
    set: setName,
    judge,
    judgeId: judge,
    usesReference: judge === h1,
    status: 'ok',
    n: 100,
    rejected: 0,
    metrics,
    seconds: 0.5,
    ...extra,
  });
  return {
    format: 'selfj.meta-eval/v1',
    createdAt: '2026-01-02T03:04:05.000Z',
    sets: [
      set(h0, 'pointwise', 'correlation', 'pearson', [{ judge: 'GPT-4', metric: 'pearson', value: 0.62, source: h3 }]),
      set('autoj-pairwise', 'pairwise', 'autoj-agreement', 'agreement', autoj),
      set('pandalm', 'pairwise', 'pandalm-accuracy', 'accuracy', [
        { judge: 'gpt-3.5-turbo', metric: 'accuracy', value: 0.7107, source: pandalm },
        { judge: 'gpt-3.5-turbo', metric: 'macroF1', value: 0.5755, source: pandalm },
        { judge: 'PandaLM-7B', metric: 'accuracy', value: 0.6677, source: pandalm },
        { judge: 'PandaLM-7B', metric: 'macroF1', value: 0.5743, source: pandalm },
      ]),
      set('llmbar-natural', 'pairwise', 'llmbar-accuracy', 'accuracy', [{ judge: 'GPT-4 (Vanilla)', metric: 'accuracy', value: 0.955, source: 'princeton-nlp/LLMBar@caa7bee7 statistics.json' }]),
      set('alpacaeval-ranking', 'ranking', 'alpacaeval-ranking', 'spearman'),
      set('alpacaeval-bon', 'bon', 'alpacaeval-bon', 'winRate'),
      { ...set('mt-bench-human', 'pairwise', 'mtbench-agreement', 'agreementS2'), error: 'Files are missing: place them under --data-dir' },
    ],
    rows: [
      row(h0, 'length', { pearson: -0.21, spearman: -0.18, kendallTauB: -0.12 }),
      row(h0, h1, { pearson: 0.44, spearman: 0.41, kendallTauB: 0.3 }),
      row(h0, 'perplexity', {}, { status: 'skipped', reason: h2, n: 0 }),
      row('autoj-pairwise', 'length', { agreement: 0.33, bestThresholdAgreement: 0.41, bestThreshold: 0.35, judgeTies: 12 }),
      row('autoj-pairwise', h1, { agreement: 0.39, bestThresholdAgreement: 0.45, bestThreshold: 0.1, judgeTies: 0 }),
      row('pandalm', 'length', { accuracy: 0.45, macroPrecision: 0.4, macroRecall: 0.38, macroF1: 0.37, judgeTies: 3 }),
      row('llmbar-natural', 'length', { accuracy: 0.41, judgeTies: 0 }, { rejected: 2 }),
      row('llmbar-natural', h1, { accuracy: null, judgeTies: 0 }),
      row('alpacaeval-ranking', 'length', { spearman: 0.52, kendallTauB: 0.4, models: 30 }),
      row('alpacaeval-bon', 'length', { winRate: 0.31, random: 0.27, oracle: 0.58, groups: 200 }),
      row('mt-bench-human', 'length', {}, { status: 'failed', reason: 'set not loaded', n: 0 }),
    ],
  };
}
