/**
 * Opening a GGUF file: checks the file before llama.cpp sees it (so a wrong path or a non-GGUF file is a typed
 * error with advice, never a native crash), and shares one llama.cpp runtime per GPU setting.
 */
import { getLlama, type Llama, type LlamaModel } from 'node-llama-cpp';
import { SelfjError } from '@selfj/core';
import { checkGgufFile } from './gguf-file.js';

export { checkGgufFile };

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
