// Where this package's prebuilt addon for a platform lives: prebuilds/<platform>-<arch>/selfj_native-v<version>-napi8.node
// (the version in the name: a prebuilt from another release is never picked up). ts/candidates.ts uses the same rule.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const NAPI_VERSION = 8;

// SELFJ_NATIVE_PREBUILDS moves the prebuilds directory (tests use it to hide or replace the shipped prebuilt).
export function prebuiltPath(root, platform = process.platform, arch = process.arch) {
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const dir = process.env.SELFJ_NATIVE_PREBUILDS ? resolve(process.env.SELFJ_NATIVE_PREBUILDS) : join(root, 'prebuilds');
  return join(dir, `${platform}-${arch}`, `selfj_native-v${version}-napi${NAPI_VERSION}.node`);
}
