import { selfjTestConfig } from '../../vitest.shared.ts';

// The shared test setup (environment with the real test files, timeouts): see vitest.shared.ts at the repo root.
export default selfjTestConfig();
