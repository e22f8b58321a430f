/**
 * The built-in sets. Every repository, revision, path and published number here was read from the public files
 * named beside it (see docs/meta-eval.md for the full trail); where a fact could not be checked, the set's notes
 * say so. GitHub-hosted parts are never downloaded: place them under --data-dir/<owner>/<name>/<path>.
 */
import type { PartSpec, SetGroup, SetSpec } from './types.js';

const PROMETHEUS_REPO = 'prometheus-eval/prometheus-eval';
const PROMETHEUS_REV = '71bba040bc5147ed9b067fac334b8f21497e6a8c';
const REWARD_BENCH = { host: 'hf', repo: 'allenai/reward-bench', revision: 'e58a8bb5c1d024d151dde15f2bb830e27165d2a0' } as const;
const LLMBAR = { host: 'github', repo: 'princeton-nlp/LLMBar', revision: 'caa7bee794bfed74baed038b99229fa3f0c4c511' } as const;
const LLMBAR_STATS = (subset: string) => `princeton-nlp/LLMBar@caa7bee7 Dataset/LLMBar/${subset}/evaluators/GPT-4/Vanilla/statistics.json (correct_average)`;

function prometheusAbsolute(name: string, title: string, file: string): SetSpec {
  return {
    name,
    title,
    kind: 'pointwise',
    protocol: 'correlation',
    paper: 'Kim et al. 2023, "Prometheus: Inducing Fine-grained Evaluation Capability in Language Models" (arXiv 2310.08491): Pearson correlation with GPT-4 scores (1-5, reference answer given)',
    sources: [
      {
        parts: {
          rows: {
            host: 'github',
            repo: PROMETHEUS_REPO,
            revision: PROMETHEUS_REV,
            files: [`eval/benchmark/data/${file}`],
            fields: { prompt: 'instruction', grade0: 'gpt4_score.0', grade1: 'gpt4_score.1', grade2: 'gpt4_score.2' },
            sections: 'prometheus',
          },
        },
      },
    ],
    published: [],
    notes: [
      'grade = mean of the three GPT-4 scores in gpt4_score; instruction, response and reference answer are the sections of the rendered Prometheus prompt',
      'no Hugging Face copy found: place the file from GitHub under --data-dir',
      'no published number is shown: none could be read from a citable table in this session',
    ],
  };
}

const llmbarHub = (subsets: string[]): PartSpec => ({
  ...REWARD_BENCH,
  files: ['data/filtered-00000-of-00001.parquet'],
  fields: { instruction: 'prompt', a: 'chosen', b: 'rejected', subset: 'subset' },
  where: { subset: subsets },
  labels: { '*': 'a' },
});

function llmbar(name: string, title: string, folders: string[], subsets: string[], published: SetSpec['published']): SetSpec {
  return {
    name,
    title,
    kind: 'pairwise',
    protocol: 'llmbar-accuracy',
    paper: 'Zeng et al. 2023, "Evaluating Large Language Models at Evaluating Instruction Following" (LLMBar, arXiv 2310.07641): accuracy; the paper averages both presentation orders',
    sources: [
      { parts: { rows: { ...LLMBAR, files: folders.map((f) => `Dataset/LLMBar/${f}/dataset.json`), fields: { instruction: 'input', a: 'output_1', b: 'output_2', label: 'label' } } } },
      { parts: { rows: llmbarHub(subsets) } },
    ],
    labels: { '1': 'a', '2': 'b' },
    published,
    notes: ['Hub copy: the same pairs inside RewardBench (allenai/reward-bench, split "filtered", column subset), chosen first'],
  };
}

export const PRESETS: readonly SetSpec[] = Object.freeze([
  prometheusAbsolute('prometheus-vicuna', 'Vicuna Bench (Prometheus, GPT-4 1-5 with reference)', 'vicuna_eval.json'),
  prometheusAbsolute('prometheus-mt-bench', 'MT-Bench (Prometheus, GPT-4 1-5 with reference)', 'mt_bench_eval.json'),
  {
    name: 'autoj-pairwise',
    title: 'Auto-J pairwise test set (Eval-P, 1392 pairs, human labels with ties)',
    kind: 'pairwise',
    protocol: 'autoj-agreement',
    paper: 'Li et al. 2023, "Generative Judge for Evaluating Alignment" (Auto-J, arXiv 2310.05470): agreement with the 3-way human label (tie included); independent raters: tie when the scores are equal, and the best tie threshold in [0, 2] step 0.01 as the Auto-J leaderboard did for reward models',
    sources: [
      {
        parts: {
          rows: {
            host: 'github',
            repo: 'GAIR-NLP/auto-j',
            files: ['data/test/testdata_pairwise.jsonl'],
            fields: { instruction: 'prompt', a: 'response 1', b: 'response 2', label: 'label', scenario: 'scenario' },
          },
        },
      },
    ],
    labels: { '0': 'a', '1': 'b', '2': 'tie' },
    published: [
      ['GPT-4', 62.28],
      ['Auto-J', 54.96],
      ['Moss-RM', 54.31],
      ['Ziya-RM', 53.23],
      ['Beaver-RM', 52.37],
      ['OASST-RM', 51.08],
      ['ChatGPT', 42.74],
    ].map(([judge, value]) => ({ judge: judge as string, metric: 'agreement', value: (value as number) / 100, source: 'GAIR-NLP/auto-j@06824d27 README.md, leaderboard "pairwise comparison task" (agreement)' })),
    notes: [
      'the file is documented in GAIR-NLP/auto-j README.md@06824d27; its own commit could not be read in this session (not pinned)',
      'the leaderboard numbers differ slightly from the paper (the README says so)',
    ],
  },
  {
    name: 'pandalm',
    title: 'PandaLM human-annotated test set (999 pairs, 3 annotators, ties)',
    kind: 'pairwise',
    protocol: 'pandalm-accuracy',
    paper: 'Wang et al. 2023, "PandaLM: An Automatic Evaluation Benchmark for LLM Instruction Tuning Optimization" (arXiv 2306.05087): accuracy and macro precision/recall/F1 over {tie, 1, 2} against the annotators\' majority vote',
    sources: [
      {
        parts: {
          rows: {
            host: 'github',
            repo: 'WeOpenML/PandaLM',
            revision: '65d7cff541edaa2d1be0f4b206c31fae42bc334b',
            files: ['data/testset-v1.json'],
            fields: { instruction: ['instruction', 'input?'], a: 'response1', b: 'response2', vote0: 'annotator1', vote1: 'annotator2', vote2: 'annotator3' },
          },
        },
      },
    ],
    labels: { '0': 'tie', '1': 'a', '2': 'b' },
    published: [
      { judge: 'gpt-3.5-turbo', metric: 'accuracy', value: 0.7107, source: 'WeOpenML/PandaLM@8536d2ce data/compute_metrics.py (comment)' },
      { judge: 'gpt-3.5-turbo', metric: 'macroF1', value: 0.5755, source: 'WeOpenML/PandaLM@8536d2ce data/compute_metrics.py (comment)' },
      { judge: 'PandaLM-7B', metric: 'accuracy', value: 0.6677, source: 'WeOpenML/PandaLM@8536d2ce data/compute_metrics.py (comment)' },
      { judge: 'PandaLM-7B', metric: 'macroF1', value: 0.5743, source: 'WeOpenML/PandaLM@8536d2ce data/compute_metrics.py (comment)' },
    ],
    notes: ['testset-v1.json writes missing inputs as NaN, which is not JSON: the files loader reads NaN as a missing value, so such a row\'s instruction is used without an input and every pair is kept'],
  },
  llmbar('llmbar-natural', 'LLMBar Natural (100 pairs)', ['Natural'], ['llmbar-natural'], [
    { judge: 'GPT-4 (Vanilla)', metric: 'accuracy', value: 0.955, source: LLMBAR_STATS('Natural') },
  ]),
  llmbar('llmbar-adv-neighbor', 'LLMBar Adversarial Neighbor (134 pairs)', ['Adversarial/Neighbor'], ['llmbar-adver-neighbor'], [
    { judge: 'GPT-4 (Vanilla)', metric: 'accuracy', value: 0.7873134328358209, source: LLMBAR_STATS('Adversarial/Neighbor') },
  ]),
  llmbar('llmbar-adv-gptinst', 'LLMBar Adversarial GPTInst (92 pairs)', ['Adversarial/GPTInst'], ['llmbar-adver-GPTInst'], [
    { judge: 'GPT-4 (Vanilla)', metric: 'accuracy', value: 0.8641304347826086, source: LLMBAR_STATS('Adversarial/GPTInst') },
  ]),
  llmbar('llmbar-adv-gptout', 'LLMBar Adversarial GPTOut (47 pairs)', ['Adversarial/GPTOut'], ['llmbar-adver-GPTOut'], [
    { judge: 'GPT-4 (Vanilla)', metric: 'accuracy', value: 0.776595744680851, source: LLMBAR_STATS('Adversarial/GPTOut') },
  ]),
  llmbar('llmbar-adv-manual', 'LLMBar Adversarial Manual (46 pairs)', ['Adversarial/Manual'], ['llmbar-adver-manual'], [
    { judge: 'GPT-4 (Vanilla)', metric: 'accuracy', value: 0.80434782608696, source: LLMBAR_STATS('Adversarial/Manual') }, // 37 of 46 (the file gives 17 digits)
  ]),
  {
    name: 'mt-bench-human',
    title: 'MT-Bench human judgements (expert pairwise votes, first turn)',
    kind: 'pairwise',
    protocol: 'mtbench-agreement',
    paper: 'Zheng et al. 2023, "Judging LLM-as-a-Judge with MT-Bench and Chatbot Arena" (arXiv 2306.05685): agreement with each human vote; S1 keeps tie votes (a judge tie is a tie vote), S2 keeps only pairs where neither the human nor the judge says tie',
    sources: [
      {
        parts: {
          rows: {
            host: 'hf',
            repo: 'lmsys/mt_bench_human_judgments',
            revision: 'ee34b9d273a7a35e4415c87678526c56c471098c',
            files: ['data/human-00000-of-00001-25f4910818759289.parquet'],
            fields: { instruction: 'conversation_a.0.content', a: 'conversation_a.1.content', b: 'conversation_b.1.content', label: 'winner', turn: 'turn' },
            where: { turn: ['1'] },
          },
        },
      },
    ],
    labels: { model_a: 'a', model_b: 'b', tie: 'tie', 'tie (bothbad)': 'tie' },
    published: [],
    notes: [
      'fields as the dataset card declares them (question_id, model_a, model_b, winner, judge, conversation_a/b as [{content, role}], turn; split human, 3,355 votes); the parquet file itself was not downloaded here: check the rows-left-out count on the first real run',
      'second-turn votes are left out: a judge item has one instruction, and the second turn would need each side\'s own first answer',
      'no published number is shown: the paper\'s agreement table could not be read in this session',
    ],
  },
  {
    name: 'hhh-alignment',
    title: 'HHH alignment (Prometheus copy, pairwise)',
    kind: 'pairwise',
    protocol: 'pairwise-accuracy',
    paper: 'Askell et al. 2021 (HHH alignment); used pairwise in Kim et al. 2024, "Prometheus 2" (arXiv 2405.01535): accuracy of picking the chosen response',
    sources: [
      {
        parts: {
          rows: {
            host: 'github',
            repo: PROMETHEUS_REPO,
            revision: '8536c6d6f69f492fb364a2173e522d4dad034488',
            files: ['eval/benchmark/data/hhh_alignment_eval.json'],
            fields: { prompt: 'chosen_instruction', promptB: 'rejected_instruction' },
            sections: 'prometheus',
          },
        },
      },
    ],
    labels: { '*': 'a' },
    published: [],
  },
  {
    name: 'alpacaeval-ranking',
    title: 'AlpacaEval model ranking (per-model outputs vs the GPT-4 leaderboard)',
    kind: 'ranking',
    protocol: 'alpacaeval-ranking',
    paper: 'Dubois et al. 2023, AlpacaEval (github.com/tatsu-lab/alpaca_eval); ranking by mean judge score as in Ye & Ng 2024 (Self-J, arXiv 2409.00935)',
    sources: [
      {
        parts: {
          outputs: {
            host: 'hf',
            repo: 'tatsu-lab/alpaca_eval',
            revision: '96c57ee5a328b3e3e015a596e19d7563eae1df9b',
            files: ['alpaca_eval_all_outputs.json'],
            fields: { instruction: 'instruction', response: 'output', model: 'generator' },
          },
          leaderboard: {
            host: 'github',
            repo: 'tatsu-lab/alpaca_eval',
            revision: '0125b62531eb5997c63140fd8dbd597fc76eb1e6',
            files: ['src/alpaca_eval/leaderboards/data_AlpacaEval/alpaca_eval_gpt4_leaderboard.csv'],
            fields: { model: '', winRate: 'win_rate' },
          },
        },
      },
    ],
    published: [],
    notes: ['models present in both the outputs and the leaderboard are ranked; the count is shown'],
  },
  {
    name: 'alpacaeval-bon',
    title: 'AlpacaEval-BoN (RewardBench: 16 Tulu-2-DPO-13B samples per instruction, GPT-4-turbo preferences vs GPT-3.5-turbo)',
    kind: 'bon',
    protocol: 'alpacaeval-bon',
    paper: 'Lambert et al. 2024, RewardBench (arXiv 2403.13787), bon_eval/README.md: the win rate of the picked sample against the GPT-3.5-turbo reference',
    sources: [
      {
        parts: {
          outputs: {
            host: 'hf',
            repo: 'ai2-adapt-dev/HERM_BoN_candidates',
            revision: '7816f5c66fb389b8ca609261ae175c074d95017d',
            files: Array.from({ length: 16 }, (_, k) => `alpaca_eval_n=16/virtual/tulu-2-dpo-13b.${k}.json`),
            fields: { instruction: 'instruction', response: 'output' },
          },
          annotations: {
            host: 'hf',
            repo: 'ai2-adapt-dev/HERM_BoN_candidates',
            revision: '7816f5c66fb389b8ca609261ae175c074d95017d',
            files: Array.from({ length: 16 }, (_, k) => `alpaca_eval_n=16/virtual/annotations_ref=GPT35t/tulu-2-dpo-13b.${k}/weighted_alpaca_eval_gpt4_turbo/annotations.json`),
            fields: { instruction: 'instruction', preference: 'preference' },
          },
        },
      },
    ],
    published: [],
    notes: ['raw win rate = mean(preference - 1) as AlpacaEval computes it, not the length-controlled one; random = the expected win rate of a uniform pick, oracle = the best sample per instruction'],
  },
]);

export const GROUPS: readonly SetGroup[] = Object.freeze([
  { name: 'llmbar-adversarial', sets: ['llmbar-adv-neighbor', 'llmbar-adv-gptinst', 'llmbar-adv-gptout', 'llmbar-adv-manual'] },
  { name: 'prometheus', sets: ['prometheus-vicuna', 'prometheus-mt-bench'] },
]);
