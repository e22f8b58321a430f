import type { CommandModule } from 'yargs';
import calibrate from './calibrate.js';
import evalCommand from './eval.js';
import rank from './rank.js';
import metaEval from './meta-eval.js';
import report from './report.js';
import buildVectors from './build-vectors.js';
import collectCommand from './collect.js';
import sample from './sample.js';
import selfEval from './self-eval.js';
import similarity from './similarity.js';
import label from './label.js';
import train from './train.js';
import judge from './judge.js';
import select from './select.js';
import rerank from './rerank.js';
import run from './run.js';
import demo from './demo.js';
import exportCommand from './export.js';
import merge from './merge.js';
import serve from './serve.js';
import gateway from './gateway.js';
import pull from './pull.js';
import plugins from './plugins.js';

// One module per command (node-llama-cpp style). Add yours with one import and one entry below, where it belongs
// in `selfj --help`.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [
  // the main job, then the pipeline in stage order, then using a judge, then data and models
  demo,
  run,
  sample,
  selfEval,
  similarity,
  label,
  train,
  judge,
  calibrate,
  select,
  rerank,
  evalCommand,
  rank,
  metaEval,
  report,
  exportCommand,
  merge,
  collectCommand,
  pull,
  serve,
  gateway,
  buildVectors,
  plugins,
];
