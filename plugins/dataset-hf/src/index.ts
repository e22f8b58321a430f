/** @selfj/dataset-hf: Hugging Face Hub data sets, cached like huggingface_hub and streamed row by row. */
export { HfDataset, type HfDatasetInfo, type HfDatasetOptions } from './loader.js';
export { parseHfSource, type HfSource } from './source.js';
export { selectByCard, selectFiles, splitRegExp, type Selection } from './select.js';
export { parseCardConfigs, pickConfig, type CardConfig } from './readme-configs.js';
import { plugin } from './plugin.js';
export { plugin };
export default plugin;
