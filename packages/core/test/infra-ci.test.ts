import { describe, expect, it } from 'vitest';
import { isCI, progressEnabledByDefault } from '../src/infra/index.js';

describe('isCI: the one reading of the CI variable', () => {
  it('set and not "0" or "false" (any case) is CI', () => {
    for (const v of ['true', 'TRUE', '1', 'yes', 'woodpecker']) expect(isCI({ CI: v }), v).toBe(true);
    for (const v of ['false', 'False', 'FALSE', '0', '', ' false ']) expect(isCI({ CI: v }), JSON.stringify(v)).toBe(false);
    expect(isCI({})).toBe(false);
  });

  it('the progress renderer follows it: CI=false on a terminal shows progress, CI=true does not', () => {
    const tty = { isTTY: true };
    expect(progressEnabledByDefault(tty, { CI: 'false' })).toBe(true);
    expect(progressEnabledByDefault(tty, { CI: '0' })).toBe(true);
    expect(progressEnabledByDefault(tty, {})).toBe(true);
    expect(progressEnabledByDefault(tty, { CI: 'true' })).toBe(false);
    expect(progressEnabledByDefault({ isTTY: false }, { CI: 'false' })).toBe(false);
  });
});
