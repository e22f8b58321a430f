/**
 * Server-sent events for `stream: true`, so streaming OpenAI clients work. The answer is computed first and then
 * sent as chunks in OpenAI's streaming shapes (role, content, finish, optional usage, [DONE]): the protocol of
 * streaming without token-by-token latency.
 */
import type { ServerResponse } from 'node:http';

interface Answer {
  id: string;
  created: number;
  model: string;
  usage: unknown;
  choices: { index: number; text?: string; message?: { content: string }; logprobs: unknown; finish_reason: string }[];
}

export function sendStream(res: ServerResponse, kind: 'chat' | 'completions', answer: Answer, includeUsage: boolean, closing: boolean): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    ...(closing ? { connection: 'close' } : {}),
  });
  const head = { id: answer.id, object: kind === 'chat' ? 'chat.completion.chunk' : 'text_completion', created: answer.created, model: answer.model };
  const write = (choices: unknown[], extra: Record<string, unknown> = {}) => res.write(`data: ${JSON.stringify({ ...head, choices, ...extra })}\n\n`);
  for (const c of answer.choices) {
    if (kind === 'chat') {
      write([{ index: c.index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]);
      write([{ index: c.index, delta: { content: c.message?.content ?? '' }, logprobs: c.logprobs, finish_reason: null }]);
      write([{ index: c.index, delta: {}, logprobs: null, finish_reason: c.finish_reason }]);
    } else {
      write([{ index: c.index, text: c.text ?? '', logprobs: c.logprobs, finish_reason: null }]);
      write([{ index: c.index, text: '', logprobs: null, finish_reason: c.finish_reason }]);
    }
  }
  if (includeUsage) write([], { usage: answer.usage });
  res.end('data: [DONE]\n\n');
}
