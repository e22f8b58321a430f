/** A cheap look at a model file (no native code): it exists, is a file, and starts with the GGUF magic. */
import { open, stat } from 'node:fs/promises';
import { SelfjError } from '@selfj/core';

const GGUF_MAGIC = 'GGUF';

/** Throws NOT_FOUND / BAD_INPUT / MODEL_NOT_SUPPORTED unless `path` is a readable file that starts like a GGUF. */
export async function checkGgufFile(path: string): Promise<{ size: number }> {
  let st: Awaited<ReturnType<typeof stat>>;
  try {
    st = await stat(path);
  } catch (e) {
    throw new SelfjError('NOT_FOUND', `Model file not found: ${path}`, {
      cause: e,
      details: { path },
      solutions: [
        'Check the path, or download a model: selfj pull Qwen/Qwen2.5-0.5B-Instruct-GGUF qwen2.5-0.5b-instruct-q4_k_m.gguf',
        'Or set SELFJ_MODEL to a .gguf file.',
      ],
    });
  }
  if (!st.isFile()) throw new SelfjError('BAD_INPUT', `Model path is not a file: ${path}`, { details: { path } });
  const fh = await open(path, 'r');
  const head = Buffer.alloc(8);
  try {
    await fh.read(head, 0, 8, 0);
  } finally {
    await fh.close();
  }
  if (st.size < 8 || head.subarray(0, 4).toString('latin1') !== GGUF_MAGIC) {
    throw new SelfjError('MODEL_NOT_SUPPORTED', `${path} is not a GGUF model file (it does not start with "GGUF").`, {
      details: { path, size: st.size },
      solutions: [
        'llama-cpp needs a .gguf file; Hugging Face repos named *-GGUF have them.',
        'Convert safetensors models with llama.cpp\'s convert_hf_to_gguf.py, or use the openai backend with a server.',
      ],
    });
  }
  return { size: st.size };
}
