/**
 * Embedding throughput of the static embedder on short sentences (target >= 20k sentences/s on one core).
 * Run: npm run bench -w @selfj/embed-static   (table: env SELFJ_VECTORS, default ../shared/models/glove-20k-100d.i8.bin)
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StaticEmbedder } from '@selfj/embed-static';

const TARGET = 20_000;
const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../../..');
const path = resolve(root, process.env.SELFJ_VECTORS ?? '../shared/models/glove-20k-100d.i8.bin');

const SUBJECTS = ['The cat', 'A young student', 'My neighbour', 'The government', 'This company', 'Our team', 'The old king'];
const VERBS = ['wrote', 'found', 'explained', 'bought', "didn't like", 'carefully reviewed', 'announced'];
const OBJECTS = ['a short letter.', 'the new policy!', 'three red apples', 'an interesting book about history', 'the final report on climate change', 'its well-known strategy?'];

function sentences(n: number): string[] {
  const out: string[] = [];
  let x = 12345;
  const pick = <T>(a: T[]): T => a[(x = (Math.imul(x, 1103515245) + 12345) >>> 0) % a.length];
  for (let i = 0; i < n; i++) out.push(`${pick(SUBJECTS)} ${pick(VERBS)} ${pick(OBJECTS)} (${i % 97})`);
  return out;
}

const emb = await StaticEmbedder.load({ path });
const texts = sentences(100_000);
const words = texts.reduce((s, t) => s + t.split(/\s+/).length, 0) / texts.length;
emb.embedSync(texts.slice(0, 5000)); // warm-up (JIT)
const batch = 1000;
const t0 = performance.now();
for (let i = 0; i < texts.length; i += batch) await emb.embed(texts.slice(i, i + batch));
const secs = (performance.now() - t0) / 1000;
const rate = texts.length / secs;
console.log(`static embedder: ${texts.length} sentences (~${words.toFixed(1)} words) in ${secs.toFixed(2)} s`);
console.log(`throughput: ${Math.round(rate).toLocaleString('en-US')} sentences/s (target >= ${TARGET.toLocaleString('en-US')}) ${rate >= TARGET ? 'OK' : 'BELOW TARGET'}`);
