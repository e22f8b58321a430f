/** The selfj plugin object: `file:<path or glob>` data sets (options as in FilesDatasetOptions). */
import type { DatasetLoader } from '@selfj/core';
import { FilesDataset, type FilesDatasetOptions } from './loader.js';

export const plugin = {
  name: '@selfj/dataset-files',
  datasets: {
    file: async (spec: string, options: Record<string, unknown> = {}): Promise<DatasetLoader> =>
      new FilesDataset({ ...(options as Partial<FilesDatasetOptions>), files: spec ? spec : (options.files as FilesDatasetOptions['files']) }),
  },
};
