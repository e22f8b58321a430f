#!/usr/bin/env node
// The `selfj` command. A committed stub (not the compiled file) so that npm can link it at install time, before
// the TypeScript build has produced dist/.
import { existsSync } from 'node:fs';

const compiled = new URL('../dist/bin.js', import.meta.url);
if (!existsSync(compiled)) {
  process.stderr.write(
    'selfj: the CLI is not built yet (packages/cli/dist/bin.js is missing).\n' +
      'Possible solutions:\n- From the repository root: npm run build\n- Or reinstall: npm ci\n',
  );
  process.exit(1);
}
await import(compiled.href);
