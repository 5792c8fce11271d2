import { RunstateError } from '../errors.js';
import type { EventData } from '../events/types.js';
import type { CreateOptions } from '../options.js';
import { readPidStart } from '../process/stat.js';

// Check the options of `create` and shape them into the `created` event's data.
// Wrong types are programmer mistakes (TypeError); sizes are checked when the record is encoded.
export function checkCreate(id: string, options: CreateOptions): EventData['created'] {
  const { bundle = '', annotations = {}, command, pid, pidStart } = options;
  if (typeof bundle !== 'string') throw new TypeError('bundle must be a string');
  if (annotations === null || typeof annotations !== 'object' || Array.isArray(annotations)) {
    throw new TypeError('annotations must be an object of strings');
  }
  checkText('the bundle', bundle);
  for (const [k, v] of Object.entries(annotations)) {
    if (typeof v !== 'string') throw new TypeError(`annotation ${JSON.stringify(k)} must be a string`);
    checkAnnotationKey(k);
    checkText(`annotation ${JSON.stringify(k)}`, v);
  }
  const data: EventData['created'] = { id, bundle, annotations: { ...annotations } };
  if (command !== undefined) {
    if (!Array.isArray(command) || command.length === 0 || command.some((a) => typeof a !== 'string')) {
      throw new TypeError('command must be a non-empty array of strings');
    }
    // A value a user typed, not a programmer's slip: no program can be run by an empty name.
    if (command[0] === '') throw new RunstateError('EINVALID', 'the command to run is an empty string: give a program name or path');
    for (const arg of command) checkText('an argument of the command', arg);
    data.command = [...command];
  }
  if (pid !== undefined) {
    data.pid = pid;
    data.pidStart = checkPid(pid, pidStart);
  } else if (pidStart !== undefined) {
    throw new TypeError('pidStart is the start time of pid: give pid with it');
  }
  return data;
}

// Check a pid and its start time; the start time is read from /proc when not given (0 when no
// such process is seen: the store records, it does not watch processes).
export function checkPid(pid: number, pidStart: number | undefined): number {
  if (!Number.isSafeInteger(pid) || pid < 0) throw new TypeError(`pid must be a non-negative integer, got ${String(pid)}`);
  if (pidStart === undefined) return pid > 0 ? readPidStart(pid) ?? 0 : 0;
  if (!Number.isSafeInteger(pidStart) || pidStart < 0) throw new TypeError(`pidStart must be a non-negative integer, got ${String(pidStart)}`);
  return pidStart;
}

// An annotation key must be non-empty and not `__proto__`, which msgpack decoders (msgpackr among
// them) do not hand back as a key, so it could not be read back from the log.
export function checkAnnotationKey(key: string): void {
  if (key.length === 0) throw new RunstateError('EINVALID', 'annotation keys must not be empty');
  if (key === '__proto__') throw new RunstateError('EINVALID', 'the annotation key "__proto__" is reserved');
  checkText('an annotation key', key);
}

// Text stored in a record is well-formed Unicode without a NUL character: a process could not be
// given a NUL (argv, paths, the environment end at one), and refusing it keeps records free of long
// zero runs, which recovery takes for a region the OS never wrote (docs/format.md, "Recovery rules").
export function checkText(what: string, text: string): void {
  if (text.includes('\0')) throw new RunstateError('EINVALID', `${what} must not contain a NUL character`);
  // A lone surrogate has no UTF-8 form: the record would hold U+FFFD while the state returned held
  // the surrogate, and the two would disagree.
  if (LONE_SURROGATE.test(text)) throw new RunstateError('EINVALID', `${what} is not well-formed Unicode (a lone surrogate)`);
}

const LONE_SURROGATE = /\p{Cs}/u;
