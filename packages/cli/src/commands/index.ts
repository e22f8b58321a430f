import type { CommandModule } from 'yargs';
import calibrate from './calibrate.js';
import evalCommand from './eval.js';
import rank from './rank.js';
import buildVectors from './build-vectors.js';
import collectCommand from './collect.js';
import serve from './serve.js';

// One module per command (node-llama-cpp style). Add yours with one import and one entry below.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [
  calibrate,
  evalCommand,
  rank,
  buildVectors,
  collectCommand,
  serve,
];
