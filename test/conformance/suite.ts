/**
 * The backend conformance suite lives in @selfj/testkit (published, so plugin authors outside this repo run the
 * same checks); this file keeps the in-repo imports working.
 */
export { DEFAULT_CONFORMANCE_PROMPTS, runBackendConformance, type ConformanceOptions } from '@selfj/testkit';
