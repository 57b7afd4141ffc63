import { readFileSync } from 'node:fs';
import { describeUnknown, parseJson, VerdictError, type JsonValue } from '../core/index.js';

export interface CliIO {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

/** Exit codes of every `verdict` command. */
export const EXIT = { accept: 0, reject: 1, inconclusive: 2, badInput: 3 } as const;

export function readJsonFile(path: string, what: string, maxBytes = 256 * 1024 * 1024): JsonValue {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new VerdictError('BAD_INPUT', `${what} ${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { cause: e });
  }
  return parseJson(bytes, { source: `${what} ${path}`, maxBytes });
}

/** Prints a one-line error (a stack trace only with --debug) and returns the bad-input exit code. */
export function reportError(e: unknown, io: CliIO, debug: boolean): number {
  const line = e instanceof VerdictError ? e.toLine() : `INTERNAL: ${describeUnknown(e)}`;
  io.stderr.write(`verdict: ${line}\n`);
  if (debug && e instanceof Error && e.stack) io.stderr.write(`${e.stack}\n`);
  return EXIT.badInput;
}
