/** An `Embedder` over an OpenAI-compatible /v1/embeddings endpoint (`openai:<base url>#<embedding model>`). */
import { SelfjError, type Embedder } from '@selfj/core';
import { OpenAIBackend } from './backend.js';
import { parseOpenAISpec, type OpenAIBackendOptions } from './options.js';

export interface OpenAIEmbedderOptions extends Partial<OpenAIBackendOptions> {
  /** L2-normalise every vector (default true: cosine similarity becomes a dot product). */
  normalize?: boolean;
}

export async function createOpenAIEmbedder(spec: string, options: OpenAIEmbedderOptions = {}): Promise<Embedder> {
  const parsed = parseOpenAISpec(spec);
  const { normalize = true, ...rest } = options;
  const backend = new OpenAIBackend({
    flavour: 'openai', // no /v1/models probe: only /v1/embeddings is used
    ...parsed,
    ...rest,
    baseURLs: rest.baseURLs ?? parsed.baseURLs,
    model: rest.model ?? parsed.model,
  });
  // One probe request tells the dimension (and fails early, typed, when the server or model is wrong).
  const [probe] = await backend.embed(['dimension probe']);
  const dim = probe.length;
  if (!dim) throw new SelfjError('HTTP_ERROR', `${backend.id} returned an empty embedding.`);
  return {
    id: backend.id,
    dim,
    async embed(texts, o) {
      const rows = await backend.embed(texts, { signal: o?.signal });
      const out = new Float32Array(texts.length * dim);
      rows.forEach((v, i) => {
        if (v.length !== dim) throw new SelfjError('HTTP_ERROR', `${backend.id} returned a ${v.length}-d vector; expected ${dim}.`);
        let n = 1;
        if (normalize) {
          n = 0;
          for (const x of v) n += x * x;
          n = Math.sqrt(n) || 1;
        }
        for (let j = 0; j < dim; j++) out[i * dim + j] = v[j] / n;
      });
      return out;
    },
    close: () => backend.close(),
  };
}
