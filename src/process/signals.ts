import { constants } from 'node:os';
import { RunstateError } from '../errors.js';

/** A canonical signal name such as `SIGTERM`, or a real-time one such as `SIGRTMIN+3`. */
export type SignalName = NodeJS.Signals | `SIGRTMIN${string}` | `SIGRTMAX${string}`;

// Linux's real-time signals as C programs see them: glibc keeps the kernel's first two (32, 33) for
// its threads, so SIGRTMIN is 34 and SIGRTMAX 64. Node lists none of them.
const RTMIN = 34;
const RTMAX = 64;

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

// The canonical name of a real-time signal, as `kill -l` prints it: SIGRTMIN+n for the first half
// (n up to 15), SIGRTMAX-n for the second.
function realTimeName(num: number): SignalName {
  if (num === RTMIN) return 'SIGRTMIN';
  if (num === RTMAX) return 'SIGRTMAX';
  return num - RTMIN <= 15 ? `SIGRTMIN+${num - RTMIN}` : `SIGRTMAX-${RTMAX - num}`;
}

// The number of RTMIN, RTMIN+n, RTMAX-n or RTMAX (with SIG, upper case), if it names one.
function realTimeNumber(upper: string): number | undefined {
  const m = /^SIGRT(MIN|MAX)(?:([+-])([1-9][0-9]?))?$/.exec(upper);
  if (m === null) return undefined;
  const [, base, sign, n] = m;
  if (sign === undefined) return base === 'MIN' ? RTMIN : RTMAX;
  if ((base === 'MIN') !== (sign === '+')) return undefined;
  const num = base === 'MIN' ? RTMIN + Number(n) : RTMAX - Number(n);
  return num >= RTMIN && num <= RTMAX ? num : undefined;
}

// Parse 'TERM', 'SIGKILL', 'kill', '9', 'RTMIN+3' or '37' into a canonical name; anything else,
// blanks around a name included (as runc and kill(1) have it), is EINVALID.
export function parseSignal(input: string | number): SignalName {
  const text = String(input);
  let num: number | undefined;
  if (/^[1-9][0-9]{0,2}$/.test(text)) {
    num = Number(text);
  } else if (/^[A-Za-z][A-Za-z0-9]*(?:[+-][0-9]+)?$/.test(text)) {
    const upper = text.toUpperCase();
    const sig = upper.startsWith('SIG') ? upper : `SIG${upper}`;
    num = byName[sig] ?? realTimeNumber(sig);
  }
  const name = num === undefined ? undefined : num >= RTMIN && num <= RTMAX ? realTimeName(num) : names().get(num);
  if (name === undefined) {
    throw new RunstateError('EINVALID',
      `unknown signal ${JSON.stringify(String(input))}: use a name such as TERM, SIGKILL or RTMIN+3, or a number such as 9`,
      { signal: String(input) });
  }
  return name;
}

// The number of a canonical signal name.
export function signalNumber(name: SignalName): number {
  const num = byName[name] ?? realTimeNumber(name);
  if (num === undefined || (num >= RTMIN && realTimeName(num) !== name)) throw new TypeError(`not a signal name: ${name}`);
  return num;
}
