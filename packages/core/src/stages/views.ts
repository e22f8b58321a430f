/** The two views of an item that self-eval, training and judging all render: teacher (with reference) and student. */
import type { Prompt } from '../contracts/backend.js';
import { renderPrompt, templateHash, type TemplateSet } from './templates.js';

type ViewTemplates = Pick<TemplateSet, 'withReference' | 'referenceFree'>;

type ViewItem = { instruction: string; reference?: string; response: string };

/** The two views of one item, as the self-eval, train and judge stages all render them. */
export function viewPrompts(t: ViewTemplates, item: ViewItem, chat: boolean) {
  return {
    teacher: renderPrompt(t.withReference, item, chat),
    student: renderPrompt(t.referenceFree, item, chat),
  };
}

/**
 * Runs `fetch` once on both views of every item (teacher, student, teacher, ...) and pairs the answers back per item;
 * an error for either view is the item's result (passed through `blame`, which can name the item and the view).
 */
export async function mapViews<R extends ViewItem, A, U>(
  batch: R[],
  t: ViewTemplates,
  chat: boolean,
  fetch: (prompts: Prompt[]) => Promise<(A | Error)[]>,
  make: (item: R, teacher: A, student: A) => U,
  blame: (e: Error, item: number, view: 'teacher' | 'student') => Error = (e) => e,
): Promise<(U | Error)[]> {
  const prompts: Prompt[] = [];
  for (const r of batch) {
    const p = viewPrompts(t, r, chat);
    prompts.push(p.teacher, p.student);
  }
  const got = await fetch(prompts);
  return batch.map((r, i) => {
    const teacher = got[2 * i];
    const student = got[2 * i + 1];
    if (teacher instanceof Error) return blame(teacher, i, 'teacher');
    if (student instanceof Error) return blame(student, i, 'student');
    return make(r, teacher, student);
  });
}

export function viewTemplateHashes(t: ViewTemplates, chat: boolean) {
  return { withReference: templateHash(t.withReference, chat), referenceFree: templateHash(t.referenceFree, chat) };
}

