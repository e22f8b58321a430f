/** The records that flow between stages (see docs/ARCHITECTURE.md "data flow"). */

export type Category = 'common' | 'coding' | 'academic' | (string & {});

/** One labelled instruction: the input of the whole pipeline. `id` is stable across runs and resumes. */
export interface InstructionRecord {
  id: string;
  instruction: string;
  reference: string;
  category?: Category;
  source?: string;
}

/** A data set loader yields records lazily (streaming; never the whole set in memory). */
export interface DatasetLoader {
  readonly id: string;
  records(options?: { signal?: AbortSignal }): AsyncIterable<InstructionRecord>;
}
