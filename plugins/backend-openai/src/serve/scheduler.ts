/**
 * Fair scheduling of backend work between requests. Every request gets its own queue; its work is cut into units
 * (one prompt's generation, one prompt's candidate probabilities, one step of token-by-token generation), and the
 * server's `slots` run units of the requests that have work waiting: the request with the least work left goes
 * first (a 4-token request waits for the units already running, not for a queue of 400 prompts; and of a client's
 * equal requests one finishes after another, so the client can send more while the server stays busy), and every
 * 4th unit goes to the request that has waited longest since its last unit, so no request starves. With more than
 * one slot, one request may hold at most slots - 1 of them, so a newcomer finds a free slot at once.
 */
import { abortError, type Embedder, type ModelBackend } from '@selfj/core';

interface Unit {
  run: () => Promise<unknown>;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export class RequestQueue {
  readonly units: Unit[] = [];
  running = 0;
  closed = false;
  /** Pick count when this request last started a unit (or joined): its place in the "longest waiting" order. */
  lastServed = -1;

  constructor(
    private readonly scheduler: FairScheduler,
    readonly signal: AbortSignal,
  ) {}

  /** Runs fn when this request's turn comes. */
  run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.signal.aborted || this.closed) return Promise.reject(abortError(this.signal));
    return new Promise<T>((resolve, reject) => {
      this.units.push({ run: fn, resolve: resolve as (v: unknown) => void, reject });
      this.scheduler.join(this);
      this.scheduler.pump();
    });
  }

  /** The request is over: units not started yet are dropped (ABORTED). */
  close(): void {
    this.closed = true;
    for (const u of this.units.splice(0)) u.reject(abortError(this.signal));
    this.scheduler.forget(this);
  }
}

export class FairScheduler {
  private running = 0;
  private readonly queues: RequestQueue[] = [];
  /** Units started so far (every 4th goes to the longest-waiting request). */
  private picks = 0;
  /** Most slots one request may hold (all of them when there is only one). */
  private readonly perRequest: number;

  constructor(readonly slots: number) {
    this.slots = Math.max(1, Math.floor(slots));
    this.perRequest = this.slots > 1 ? this.slots - 1 : 1;
  }

  /** Units running now (all requests). */
  get busy(): number {
    return this.running;
  }

  /** A queue for one request; it takes part in the rotation from its first unit on. */
  open(signal: AbortSignal): RequestQueue {
    return new RequestQueue(this, signal);
  }

  /** Puts a request with work among the candidates (once). */
  join(q: RequestQueue): void {
    if (this.queues.includes(q)) return;
    q.lastServed = this.picks - 1; // it has waited since now
    this.queues.push(q);
  }

  forget(q: RequestQueue): void {
    const i = this.queues.indexOf(q);
    if (i >= 0) this.queues.splice(i, 1);
  }

  /** Starts units while slots are free, taking the requests in turn. */
  pump(): void {
    while (this.running < this.slots) {
      const q = this.pickQueue();
      if (!q) return;
      const unit = q.units.shift()!;
      this.running++;
      q.running++;
      void unit
        .run()
        .then(unit.resolve, unit.reject)
        .finally(() => {
          this.running--;
          q.running--;
          this.pump();
        });
    }
  }

  private pickQueue(): RequestQueue | undefined {
    const oldestTurn = this.picks % 4 === 3;
    let best: RequestQueue | undefined;
    for (const q of this.queues) {
      if (q.units.length && q.running < this.perRequest && (!best || goesBefore(q, best, oldestTurn))) best = q;
    }
    if (best) best.lastServed = this.picks++;
    return best;
  }
}

/** Least work left first (then longest waiting); on the longest-waiting turn the other way round. */
function goesBefore(a: RequestQueue, b: RequestQueue, oldestTurn: boolean): boolean {
  const work = a.units.length - b.units.length;
  const wait = a.lastServed - b.lastServed;
  return oldestTurn ? wait < 0 || (wait === 0 && work < 0) : work < 0 || (work === 0 && wait < 0);
}

/** The backend as one request sees it: each call is a unit of that request's queue; prompts are units of their own. */
export function scheduledBackend(backend: ModelBackend, q: RequestQueue): ModelBackend {
  const top = backend.topTokens?.bind(backend);
  const embed = backend.embed?.bind(backend);
  return {
    id: backend.id,
    capabilities: () => backend.capabilities(),
    generate: (prompt, options) => q.run(() => backend.generate(prompt, options)),
    nextTokenProbabilities: (prompts, candidates, options) =>
      Promise.all(prompts.map((p) => q.run(async () => (await backend.nextTokenProbabilities([p], candidates, options))[0]))),
    ...(top ? { topTokens: (prompt, k, options) => q.run(() => top(prompt, k, options)) } : {}),
    tokenize: (text) => backend.tokenize(text),
    ...(embed ? { embed: (texts, options) => q.run(() => embed(texts, options)) } : {}),
    close: async () => {},
  };
}

export function scheduledEmbedder(embedder: Embedder | undefined, q: RequestQueue): Embedder | undefined {
  if (!embedder) return undefined;
  return { id: embedder.id, dim: embedder.dim, embed: (texts, options) => q.run(() => embedder.embed(texts, options)) };
}
