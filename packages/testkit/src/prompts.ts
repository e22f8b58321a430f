/** Inputs the suites share: prompts after which a score digit is plausible, instructions, texts to embed. */

const STORIES = [
  'Lily found a red ball in the park', 'Tom and his dog went to the beach', 'A little bird could not fly',
  'Sam baked a cake for his mom', 'The cat climbed a tall tree', 'Anna lost her favourite toy',
  'Ben saw a big truck in the street', 'The sun was hot and the kids played', 'Mia painted a picture of a frog',
  'A bear ate all the honey', 'Max was scared of the dark', 'Two friends built a sand castle',
  'The rain made a big puddle', 'Sue shared her apple with Joe', 'A fish jumped out of the pond', 'Tim fixed his bike',
];

/** 16 prompts that end where a score digit is expected. */
export const DEFAULT_CONFORMANCE_PROMPTS: string[] = STORIES.map(
  (s, i) => `Story: ${s}. Question: how good is this story on a scale from 0 to 9? Answer with one digit.\nScore (item ${i}): `,
);

/** Texts made of common English words (every word vector table knows them). */
export const DEFAULT_EMBEDDER_TEXTS: string[] = [
  'a small cat sat on the mat',
  'the dog ran to the park with a ball',
  'she bought fresh bread and milk at the market',
  'the river flows past the old mill',
  'he wrote a long letter to his mother',
  'children played in the snow all day',
  'the company reported higher profits this year',
  'a little kitten slept on the rug',
];

/** Instruction / reference / answer triples for samplers, judges and similarities. */
export const DEFAULT_ITEMS = [
  { instruction: 'Name the capital of France.', reference: 'The capital of France is Paris.', response: 'Paris is the capital of France.' },
  { instruction: 'What is 2 plus 3?', reference: '2 plus 3 is 5.', response: 'The answer is 5.' },
  { instruction: 'Give a synonym of happy.', reference: 'Glad is a synonym of happy.', response: 'Joyful.' },
  { instruction: 'Translate "cat" to French.', reference: 'Cat in French is chat.', response: 'Le chien.' },
  { instruction: 'List three primary colours.', reference: 'Red, yellow and blue.', response: 'Red, blue and yellow.' },
  { instruction: 'Write a short greeting.', reference: 'Hello, nice to meet you!', response: 'Hi there, good to see you.' },
];
