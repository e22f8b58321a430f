/**
 * Token-level access for `selfj serve` (per-token log-probs, chat included, and `echo`): the optional
 * ModelBackend.tokenAccess() of the contract. In-process backends (llama.cpp) provide it; a server without it
 * answers those requests with 501, saying why.
 */
import type { ModelBackend, TokenAccess } from '@selfj/core';

export type { TokenAccess } from '@selfj/core';

/** The backend's token access, or undefined when it has none. */
export function tokenAccessOf(backend: ModelBackend): TokenAccess | undefined {
  return backend.tokenAccess?.();
}
