/** Whether we run under continuous integration: the one reading of the CI variable (progress bars and downloads ask it). */

/** CI is set and not "0" or "false" (any case): CI=true, CI=1 and CI=yes count, CI=false and CI=0 do not. */
export function isCI(env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env.CI?.trim().toLowerCase();
  return v !== undefined && v !== '' && v !== '0' && v !== 'false';
}
