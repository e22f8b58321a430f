import type { CommandModule } from 'yargs';

// One module per command (node-llama-cpp style). Add yours with one import and one entry below.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const commands: CommandModule<any, any>[] = [];
