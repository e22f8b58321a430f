/**
 * @selfj/embed-static: sentence embeddings from static word vectors (GloVe), no model download.
 * Default export: the plugin object (embedder scheme "static", see plugin.ts).
 */

export { StaticEmbedder, type StaticEmbedderOptions, type Weighting } from './embedder.js';
export * from './format.js';
export { tokenize, forEachToken, resolveToken, type TokenizeOptions } from './tokenize.js';
export { zipfWeights, idfWeights } from './weights.js';
export { buildTableFromWink, tableFromWinkJson, defaultVectorsCache, type BuildVectorsOptions } from './build.js';
export { fallbackCosineRows } from './cosine.js';

export { plugin, builtTablePath, type StaticPluginOptions } from './plugin.js';
import { plugin } from './plugin.js';
export default plugin;
