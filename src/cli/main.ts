#!/usr/bin/env node
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VerdictError } from '../core/index.js';
import { EXIT, reportError, type CliIO } from './io.js';
import { MEDIATOR_USAGE, mediatorCommand } from './commands/mediator.js';
import { SIMULATE_USAGE, simulateCommand } from './commands/simulate.js';
import { VERIFY_BUNDLE_USAGE, verifyBundleCommand } from './commands/verify-bundle.js';
import { VERIFY_USAGE, verifyCommand } from './commands/verify.js';

const USAGE = `verdict — verify outsourced compute and mediate disputes

Commands:
  verify     run a job type's policy on one job, or re-check a verdict from its bundle (--bundle)
  mediator   run the mediator daemon, print its disputes, create its key, register or withdraw its bond
  simulate   simulate a marketplace of honest and cheating providers under the reputation scorer

Every command exits 3 on bad input, with a one-line error (--debug for a stack trace).

${VERIFY_USAGE}

${VERIFY_BUNDLE_USAGE}

${MEDIATOR_USAGE}

${SIMULATE_USAGE}`;

type Command = (argv: string[], io: CliIO) => Promise<number>;

const COMMANDS: Record<string, Command> = {
  verify: (argv, io) => (argv.some((a) => a === '--bundle' || a.startsWith('--bundle=')) ? verifyBundleCommand(argv, io) : verifyCommand(argv, io)),
  mediator: mediatorCommand,
  simulate: simulateCommand,
};

export async function runCli(argv: string[], io: CliIO = process): Promise<number> {
  const [name, ...rest] = argv;
  const debug = rest.includes('--debug');
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${USAGE}\n`);
    return name ? EXIT.accept : EXIT.badInput;
  }
  const command = COMMANDS[name];
  try {
    if (!command) throw new VerdictError('BAD_INPUT', `unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(', ')})`);
    return await command(rest, io);
  } catch (e) {
    if (e instanceof TypeError && (e as NodeJS.ErrnoException).code?.startsWith('ERR_PARSE_ARGS')) {
      return reportError(new VerdictError('BAD_INPUT', e.message), io, debug);
    }
    return reportError(e, io, debug);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runCli(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
