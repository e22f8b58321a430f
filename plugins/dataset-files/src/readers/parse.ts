/**
 * JSON as data tools write it. Python's json module and pandas write NaN and Infinity, which JSON.parse refuses;
 * such a value means "missing" in those files, so it is read as null. Only text that fails JSON.parse and
 * contains one of those tokens takes the slower JSON5 parser (which knows them); everything else is strict JSON.
 */
import JSON5 from 'json5';

const NON_FINITE = /\b(?:NaN|Infinity)\b/;

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    if (!NON_FINITE.test(text)) throw e;
    try {
      return JSON5.parse(text, (_key, value: unknown) => (typeof value === 'number' && !Number.isFinite(value) ? null : value));
    } catch {
      throw e; // JSON's own message: the problem was not only NaN
    }
  }
}
