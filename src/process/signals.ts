import { constants } from 'node:os';
import { RunstateError } from '../errors.js';

/** A canonical signal name such as `SIGTERM`. */
export type SignalName = NodeJS.Signals;

const byName = constants.signals as Record<string, number>;
let byNumber: Map<number, SignalName> | undefined;

// Number → canonical name. The first name Node lists for a number wins
// (SIGABRT over SIGIOT, SIGIO over SIGPOLL), so aliases print one way.
function names(): Map<number, SignalName> {
  if (byNumber === undefined) {
    byNumber = new Map();
    for (const [name, num] of Object.entries(byName)) {
      if (!byNumber.has(num)) byNumber.set(num, name as SignalName);
    }
  }
  return byNumber;
}

// Parse 'TERM', 'SIGKILL', 'kill' or '9' into a canonical name; anything else, blanks around a
// name included (as runc and kill(1) have it), is EINVALID.
export function parseSignal(input: string | number): SignalName {
  const text = String(input);
  let num: number | undefined;
  if (/^[1-9][0-9]{0,2}$/.test(text)) {
    num = Number(text);
  } else if (/^[A-Za-z][A-Za-z0-9]*$/.test(text)) {
    const upper = text.toUpperCase();
    num = byName[upper.startsWith('SIG') ? upper : `SIG${upper}`];
  }
  const name = num === undefined ? undefined : names().get(num);
  if (name === undefined) {
    throw new RunstateError('EINVALID',
      `unknown signal ${JSON.stringify(String(input))}: use a name such as TERM, SIGKILL or a number such as 9`,
      { signal: String(input) });
  }
  return name;
}

// The number of a canonical signal name.
export function signalNumber(name: SignalName): number {
  const num = byName[name];
  if (num === undefined) throw new TypeError(`not a signal name: ${name}`);
  return num;
}
