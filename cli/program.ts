/**
 * The `patchbay` program (main.ts is the entry point). Every command is a thin shell over the
 * engine in its own file under cli/commands/; heavy engine modules are imported inside each
 * command's action, so `--help` never loads them and a command loads only what it uses.
 *
 * Exit codes: 0 ok, 1 errors found or the operation failed, 2 usage error.
 */
import { Command, CommanderError } from 'commander';
import { packageVersion } from './pkg.js';
import { COMMANDS } from './commands/index.js';
import { EXIT } from './exit.js';

export function buildProgram(): Command {
  const program = new Command('patchbay')
    .description('Declarative connectors: one YAML manifest per provider, one engine to run them.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--connectors <dir>', 'connectors directory (default: ./connectors if present, else the shipped connectors)')
    .helpCommand(true)
    .configureHelp({ showGlobalOptions: true, sortSubcommands: true })
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  for (const register of COMMANDS) {
    // Subcommands inherit exitOverride only when they are created after it is set.
    register(program).exitOverride();
  }
  return program;
}

export async function run(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return Number(process.exitCode ?? EXIT.ok);
  } catch (err) {
    return exitCodeFor(err);
  }
}

function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) {
    // Help and --version exit 0; our own failures carry their code; commander's parse errors are usage errors.
    if (err.exitCode === 0) return EXIT.ok;
    if (err.code.startsWith('patchbay.')) return err.exitCode;
    return EXIT.usage;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`patchbay: ${message}\n`);
  return EXIT.failed;
}

