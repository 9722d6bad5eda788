/**
 * Exit codes and the way a command ends early. Both helpers throw a CommanderError that
 * main.ts (through exitOverride) turns into the exit code; messages go to stderr in the same
 * `error: …` style as commander's own parse errors.
 */
import { CommanderError, type Command } from 'commander';

export const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

/** The operation failed or found errors: exit 1. No usage hint: the call itself was right. */
export function fail(_cmd: Command, message: string): never {
  process.stderr.write(`error: ${message}\n`);
  throw new CommanderError(EXIT.failed, 'patchbay.failed', message);
}

/** The command was called wrongly (bad argument, missing path): exit 2, with the usage hint. */
export function usage(cmd: Command, message: string): never {
  cmd.error(`error: ${message}`, { exitCode: EXIT.usage, code: 'patchbay.usage' });
}
