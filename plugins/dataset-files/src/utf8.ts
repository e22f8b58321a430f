/**
 * UTF-8 checks on bytes: text is decoded only from bytes that are valid UTF-8, so nothing is silently replaced by
 * U+FFFD (docs/reliability.md section 4). The byte scan is core's; the native isUtf8 answers the common case first.
 */
import { isUtf8 } from 'node:buffer';
import { firstInvalidUtf8 } from '@selfj/core/infra';

/** 0-based offset of the first byte that is not valid UTF-8 (a sequence cut short at the end counts), or -1. */
export function invalidUtf8At(b: Uint8Array): number {
  return isUtf8(b) ? -1 : Math.max(0, firstInvalidUtf8(b));
}

/** Length of `b` without a multi-byte sequence that starts in its last 3 bytes and is cut short by its end. */
export function completeUtf8Length(b: Uint8Array): number {
  for (let i = b.length - 1; i >= 0 && i >= b.length - 3; i--) {
    const c = b[i];
    if ((c & 0xc0) === 0x80) continue; // a continuation byte: look further back for its lead byte
    const need = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
    return i + need > b.length ? i : b.length;
  }
  return b.length;
}

export function hexByte(c: number): string {
  return `0x${c.toString(16).padStart(2, '0')}`;
}
