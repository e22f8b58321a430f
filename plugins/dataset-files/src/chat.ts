/**
 * Chat-message lists (ShareGPT `conversations` with from/value, OpenAI/UltraChat `messages` with role/content):
 * the first user turn is the instruction, the first assistant turn after it the reference.
 */
import { RecordProblem } from './errors.js';
import type { Mapper } from './mapper.js';

const USER = new Set(['user', 'human', 'prompter']);
const ASSISTANT = new Set(['assistant', 'gpt', 'bot', 'model', 'chatbot']);

function turnText(content: unknown): string | undefined {
  if (typeof content === 'string') return content;
  // multi-part content: [{type: "text", text: "..."}, ...]
  if (Array.isArray(content)) {
    const texts = content.filter((p) => p && typeof p === 'object' && typeof (p as { text?: unknown }).text === 'string');
    if (texts.length) return texts.map((p) => (p as { text: string }).text).join('\n');
  }
  return undefined;
}

export function chatMapper(): Mapper {
  return {
    name: 'chat',
    columns: ['messages', 'conversations'],
    missingFields: (f) => (f.includes('messages') || f.includes('conversations') ? [] : ['messages|conversations']),
    apply(row) {
      const r = row as Record<string, unknown>;
      const list = Array.isArray(r?.messages) ? r.messages : Array.isArray(r?.conversations) ? r.conversations : undefined;
      if (!list) throw new RecordProblem('mapped field "messages" / "conversations" is missing or not a list', 'missing-field');
      let instruction: string | undefined;
      for (const t of list as Array<Record<string, unknown>>) {
        if (!t || typeof t !== 'object') continue;
        const role = String(t.role ?? t.from ?? '').toLowerCase();
        const text = turnText(t.content ?? t.value);
        if (instruction === undefined) {
          if (!USER.has(role)) continue;
          if (text === undefined) throw new RecordProblem('the first user turn has no text content', 'not-text');
          instruction = text;
        } else if (ASSISTANT.has(role)) {
          if (text === undefined) throw new RecordProblem('the first assistant turn has no text content', 'not-text');
          return { instruction, reference: text };
        }
      }
      throw new RecordProblem(instruction === undefined ? 'the conversation has no user turn' : 'the conversation has no assistant turn after the first user turn', 'missing-field');
    },
  };
}
