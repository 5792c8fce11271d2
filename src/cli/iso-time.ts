import { InvalidArgumentError } from 'commander';
import { IsoTimeError, parseIsoTime as parse } from '../iso-time.js';

// An ISO-8601 time given on the command line (`--at-time`, `--before`), in epoch milliseconds; a
// text that names no single instant is a usage error.
export function parseIsoTime(value: string): number {
  try {
    return parse(value);
  } catch (err) {
    if (err instanceof IsoTimeError) throw new InvalidArgumentError(err.message);
    throw err;
  }
}
