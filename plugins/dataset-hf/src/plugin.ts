/** The selfj plugin object: `hf:` data sets (`hf://datasets/<owner>/<name>[@revision]`, options as HfDatasetOptions). */
import type { DatasetLoader } from '@selfj/core';
import { HfDataset, type HfDatasetOptions } from './loader.js';

export const plugin = {
  name: '@selfj/dataset-hf',
  datasets: {
    hf: async (spec: string, options: Record<string, unknown> = {}): Promise<DatasetLoader> =>
      new HfDataset({ ...(options as Partial<HfDatasetOptions>), source: `hf:${spec}` }),
  },
};
