/**
 * Prompt templates for self-evaluation, in this project's own wording. Two views of an item: `withReference`
 * (the teacher view: instruction, reference, response) and `referenceFree` (the student view: instruction and
 * response only). Rendered through the model's chat template when the backend has one, else as plain text
 * ending in "Score:" so that the very next token is the digit.
 */
import type { ChatMessage, Prompt } from '../contracts/backend.js';
import { hashOf } from '../infra/hash.js';

export interface PromptTemplate {
  /** System message (chat) or preamble (plain text). */
  system: string;
  /** Body with {{instruction}}, {{response}} and (teacher view) {{reference}} placeholders. */
  user: string;
  /** Text after the body in plain-text mode; the model's next token is read here. */
  answerPrefix: string;
}

export interface TemplateSet {
  withReference: PromptTemplate;
  referenceFree: PromptTemplate;
  /** Prompt for sampling responses. */
  sample: PromptTemplate;
}

const SYSTEM =
  'You are a strict, fair grader. You rate how well an answer carries out an instruction on a scale from 0 ' +
  '(wrong, harmful or off-topic) to 9 (complete, correct and helpful). You reply with one digit only.';

export const DEFAULT_TEMPLATES: TemplateSet = {
  withReference: {
    system: SYSTEM,
    user:
      'Instruction:\n{{instruction}}\n\nReference answer (known to be good):\n{{reference}}\n\n' +
      'Answer to rate:\n{{response}}\n\nCompare the answer to rate with the reference answer. ' +
      'How good is it, from 0 to 9? Reply with a single digit.',
    answerPrefix: '\n\nScore:',
  },
  referenceFree: {
    system: SYSTEM,
    user: 'Instruction:\n{{instruction}}\n\nAnswer to rate:\n{{response}}\n\nHow good is the answer, from 0 to 9? Reply with a single digit.',
    answerPrefix: '\n\nScore:',
  },
  sample: {
    system: 'You are a helpful assistant. Answer the instruction directly and accurately.',
    user: '{{instruction}}',
    answerPrefix: '\n\nAnswer:',
  },
};

export interface TemplateVars {
  instruction: string;
  response?: string;
  reference?: string;
}

export function fill(text: string, vars: TemplateVars): string {
  return text.replace(/\{\{\s*(instruction|response|reference)\s*\}\}/g, (_, name: keyof TemplateVars) => vars[name] ?? '');
}

/** The prompt for one item: chat messages when the model has a chat template, else plain text. */
export function renderPrompt(t: PromptTemplate, vars: TemplateVars, chat: boolean): Prompt {
  const user = fill(t.user, vars);
  if (chat) {
    const messages: ChatMessage[] = [];
    if (t.system) messages.push({ role: 'system', content: t.system });
    messages.push({ role: 'user', content: user });
    return messages;
  }
  return `${t.system ? `${t.system}\n\n` : ''}${user}${t.answerPrefix}`;
}

/** Hash of a template together with the rendering mode: a judge trained on one prompt is only valid on it. */
export function templateHash(t: PromptTemplate, chat: boolean): string {
  return hashOf({ t, chat });
}

export function mergeTemplates(overrides?: Partial<Record<keyof TemplateSet, Partial<PromptTemplate>>>): TemplateSet {
  const out = { ...DEFAULT_TEMPLATES };
  for (const k of Object.keys(overrides ?? {}) as (keyof TemplateSet)[]) {
    out[k] = { ...DEFAULT_TEMPLATES[k], ...overrides![k] };
  }
  return out;
}
