/**
 * Turns a selfj Prompt into model tokens. A string is raw text (BOS prepended when the model wants one; special-token
 * text in it stays plain text). ChatMessage[] is rendered with the model's chat template (node-llama-cpp's chat
 * wrapper for the model; its general fallback when the GGUF has no template), ending at the assistant's turn.
 * Candidates are resolved by tokenizing the prompt and the candidate together, so the tokenizer's merges decide.
 */
import {
  LlamaText,
  resolveChatWrapper,
  type ChatHistoryItem,
  type ChatWrapper,
  type LlamaModel,
  type Token,
} from 'node-llama-cpp';
import { SelfjError, type ChatMessage, type Prompt } from '@selfj/core';

export interface RenderedPrompt {
  tokens: Token[];
  /** Text used to find candidate tokens (prompt text + candidate is tokenized together). */
  text: LlamaText;
  /** The raw string prompt (tokenized with the model's plain tokenizer, which adds SPM's leading space). */
  raw?: string;
  /** Stop triggers of the chat template (token sequences), empty for raw text. */
  stopTokens: Token[][];
}

function toHistory(messages: ChatMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = messages.map((m): ChatHistoryItem => {
    if (m.role === 'system') return { type: 'system', text: m.content };
    if (m.role === 'user') return { type: 'user', text: m.content };
    return { type: 'model', response: [m.content] };
  });
  // An open assistant turn at the end: the template renders its prefix and the model continues from there.
  history.push({ type: 'model', response: [] });
  return history;
}

export class PromptRenderer {
  readonly chatWrapper: ChatWrapper;
  readonly hasChatTemplate: boolean;
  private readonly bos: Token | undefined;
  /** (last prompt tokens, candidate) -> candidate token id or null; see candidateToken. */
  private readonly candidateCache = new Map<string, Token | null>();

  constructor(private readonly model: LlamaModel) {
    this.hasChatTemplate = typeof model.fileInfo.metadata?.tokenizer?.chat_template === 'string';
    this.chatWrapper = resolveChatWrapper(model, { fallbackToOtherWrappersOnJinjaError: true });
    this.bos = model.tokens.shouldPrependBosToken ? (model.tokens.bos ?? undefined) : undefined;
  }

  render(prompt: Prompt): RenderedPrompt {
    if (typeof prompt === 'string') {
      if (prompt.length === 0) throw emptyPrompt();
      const text = LlamaText(prompt);
      return { tokens: this.withBos(this.model.tokenize(prompt, false)), text, raw: prompt, stopTokens: [] };
    }
    if (!Array.isArray(prompt) || prompt.length === 0 || prompt.every((m) => !m.content)) throw emptyPrompt();
    for (const m of prompt) {
      if (!['system', 'user', 'assistant'].includes(m?.role) || typeof m.content !== 'string') {
        throw new SelfjError('BAD_INPUT', `Bad chat message ${JSON.stringify(m)}: expected {role: system|user|assistant, content: string}.`);
      }
    }
    const state = this.chatWrapper.generateContextState({ chatHistory: toHistory(prompt) });
    const text = state.contextText;
    const stopTokens = (state.stopGenerationTriggers ?? [])
      .map((t) => LlamaText(t).tokenize(this.model.tokenizer))
      .filter((t) => t.length > 0);
    return { tokens: this.withBos(text.tokenize(this.model.tokenizer)), text, stopTokens };
  }

  /**
   * The token id of `candidate` right after the prompt, or undefined when prompt+candidate does not tokenize as the
   * prompt's tokens plus exactly one token. Tokenizing is costly next to a tiny model's forward pass, so results
   * are cached by the prompt's last 8 tokens: tokenizers merge locally, and every miss is resolved on the full text.
   */
  candidateToken(rendered: RenderedPrompt, candidate: string): Token | undefined {
    const p = rendered.tokens;
    const key = `${p.slice(-8).join(',')}|${candidate}`;
    const hit = this.candidateCache.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const full = this.withBos(
      rendered.raw !== undefined
        ? this.model.tokenize(rendered.raw + candidate, false)
        : LlamaText([rendered.text, candidate]).tokenize(this.model.tokenizer),
    );
    let id: Token | null = null;
    if (full.length === p.length + 1 && p.every((t, i) => full[i] === t)) id = full[p.length];
    if (this.candidateCache.size > 8192) this.candidateCache.clear();
    this.candidateCache.set(key, id);
    return id ?? undefined;
  }

  private withBos(tokens: Token[]): Token[] {
    if (this.bos !== undefined && tokens[0] !== this.bos) return [this.bos, ...tokens];
    return tokens;
  }
}

function emptyPrompt(): SelfjError {
  return new SelfjError('BAD_INPUT', 'The prompt is empty.', {
    solutions: ['Pass a non-empty string, or chat messages with content.'],
  });
}
