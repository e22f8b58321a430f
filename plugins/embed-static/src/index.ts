/**
 * @selfj/embed-static: sentence embeddings from static word vectors (GloVe), no model download.
 * Default export: the plugin object, `embedders.static(options)` -> Promise<StaticEmbedder>.
 */
import { StaticEmbedder, type StaticEmbedderOptions } from './embedder.js';

export { StaticEmbedder, type StaticEmbedderOptions, type Weighting } from './embedder.js';
export * from './format.js';
export { tokenize, forEachToken, resolveToken, type TokenizeOptions } from './tokenize.js';
export { zipfWeights, idfWeights } from './weights.js';
export { buildTableFromWink, tableFromWinkJson, defaultVectorsCache, type BuildVectorsOptions } from './build.js';
export { fallbackCosineRows } from './cosine.js';

const plugin = {
  name: '@selfj/embed-static',
  embedders: {
    static: (options: StaticEmbedderOptions = {}): Promise<StaticEmbedder> => StaticEmbedder.load(options),
  },
};
export default plugin;
