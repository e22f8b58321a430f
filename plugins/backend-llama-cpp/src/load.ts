/**
 * Opening a GGUF file: checks the file before llama.cpp sees it (so a wrong path or a non-GGUF file is a typed
 * error with advice, never a native crash), and shares one llama.cpp runtime per GPU setting.
 */
import { open, stat } from 'node:fs/promises';
import { getLlama, type Llama, type LlamaModel } from 'node-llama-cpp';
import { SelfjError } from '@selfj/core';

export type GpuOption = 'auto' | false | 'cuda' | 'vulkan' | 'metal';

export interface LoadOptions {
  /** 'auto' (default): CUDA/Vulkan/Metal when a GPU and a matching build exist, else CPU. false: CPU only. */
  gpu?: GpuOption;
  /** Layers to offload to the GPU (node-llama-cpp's gpuLayers; default 'auto'). */
  gpuLayers?: 'auto' | 'max' | number;
  /** node-llama-cpp log level (default 'error'). */
  logLevel?: 'error' | 'warn' | 'info' | 'debug' | 'disabled';
}

const runtimes = new Map<string, Promise<Llama>>();

/** One llama.cpp runtime per GPU setting, created on first use. */
export function llamaRuntime(gpu: GpuOption = 'auto', logLevel: LoadOptions['logLevel'] = 'error'): Promise<Llama> {
  const key = `${gpu}:${logLevel}`;
  let p = runtimes.get(key);
  if (!p) {
    p = getLlama({ gpu, logLevel: logLevel as never }).catch((e: unknown) => {
      runtimes.delete(key);
      throw new SelfjError('BACKEND_UNAVAILABLE', `llama.cpp could not start (gpu: ${String(gpu)}): ${e instanceof Error ? e.message : String(e)}`, {
        cause: e,
        solutions: [
          'Use the CPU build: pass gpu: false (CLI: --gpu false).',
          'Reinstall node-llama-cpp 3.21.1 so that its prebuilt binaries for this platform are present.',
        ],
      });
    });
    runtimes.set(key, p);
  }
  return p;
}

const GGUF_MAGIC = 'GGUF';

/** Throws NOT_FOUND / BAD_INPUT / MODEL_NOT_SUPPORTED unless `path` is a readable file that starts like a GGUF. */
export async function checkGgufFile(path: string): Promise<{ size: number }> {
  let st;
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

/** Loads a GGUF model; a corrupt or truncated file becomes MODEL_LOAD_FAILED (the process stays up). */
export async function loadGguf(path: string, options: LoadOptions = {}): Promise<{ llama: Llama; model: LlamaModel }> {
  const { size } = await checkGgufFile(path);
  const llama = await llamaRuntime(options.gpu ?? 'auto', options.logLevel ?? 'error');
  try {
    const model = await llama.loadModel({ modelPath: path, gpuLayers: options.gpuLayers ?? 'auto' });
    return { llama, model };
  } catch (e) {
    throw new SelfjError('MODEL_LOAD_FAILED', `llama.cpp could not load ${path}: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
      details: { path, size },
      solutions: [
        'The file may be truncated or corrupt: download it again (selfj pull verifies size and checksum).',
        'The model architecture may be newer than node-llama-cpp 3.21.1 supports: try another GGUF.',
        'Not enough memory: use a smaller quantisation or gpu: false.',
      ],
    });
  }
}
