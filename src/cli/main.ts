import { Command } from 'commander';
import { CurioError } from '../core/index.js';
import { COMMANDS } from './commands/index.js';

/** Prints a CurioError as the user should see it (message, then one line per problem) and exits. */
function fail(error: unknown): never {
  if (error instanceof CurioError) {
    console.error(`curio: ${error.message}`);
    for (const p of error.problems.slice(0, 20)) console.error(`  ${p.path}: ${p.message}`);
    if (error.problems.length > 20) console.error(`  ... and ${error.problems.length - 20} more`);
    process.exit(error.code === 'BAD_INPUT' ? 2 : 1);
  }
  console.error(error);
  process.exit(1);
}

const program = new Command('curio')
  .description('Curio: a self-hosted recommendation engine for online shops')
  .version('0.1.0')
  .showHelpAfterError()
  .configureHelp({ sortSubcommands: false });

for (const command of COMMANDS) command.register(program);

program.parseAsync(process.argv).catch(fail);
