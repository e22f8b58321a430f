/**
 * A backend reached through a replica: the calls go to `backend` (e.g. the vLLM server of this shard), while
 * everything that is recorded (the id in manifests, fingerprints and config hashes) names `id`, the model the
 * whole run uses. So the shards of one stage, each served by another replica, merge into one artifact.
 */
import type { ModelBackend } from '@selfj/core';

export function asReplica(backend: ModelBackend, id: string): ModelBackend {
  if (backend.id === id) return backend;
  return new Proxy(backend, {
    get(target, key) {
      if (key === 'id') return id;
      const value = Reflect.get(target, key, target) as unknown;
      // Methods run on the real backend (private fields, `this`), whatever object they are read from.
      return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}
