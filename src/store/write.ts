import fs from 'node:fs';
import { encodeFrames, prepareEvent, type EncodedRecord, type PreparedEvent } from '../events/encode.js';
import { recordHash } from '../events/hash.js';
import type { ContainerState, LifecycleEvent, StoredEvent } from '../events/types.js';
import type { OpenLog } from '../events/log.js';
import { applyEvent, cloneState } from '../projection/evolve.js';
import type { Head } from '../projection/head.js';
import type { LogPosition } from '../projection/meta.js';

/** Who this process is, stamped into every record it appends. */
const ACTOR = { pid: process.pid, uid: process.getuid?.() ?? -1 };

// Encode what can be encoded of an event before the lock is taken (also refuses one too large).
export function prepare(event: LifecycleEvent): PreparedEvent {
  return prepareEvent(event, ACTOR);
}

/** Records framed after a head, not yet folded into it. */
export interface Framed {
  base: Head;
  events: readonly PreparedEvent[];
  records: EncodedRecord[];
  bytes: Buffer;
  at: number;
}

// The hash last computed here, as hex and bytes: the next append of this process chains on from it,
// and decoding the hex again would cost as much as the copy the record is built with.
let lastHash: { hex: string; bytes: Uint8Array } = { hex: '', bytes: new Uint8Array(0) };

// Under the lock: frame `events` as the records following `head`. The fold into a new head can wait
// for the lock's release (headAfter): the next record's `prev` is computed by whoever appends it.
export function frameAfter(head: Head, events: readonly PreparedEvent[], now = Date.now()): Framed {
  const first = head.pos.headHash === lastHash.hex ? lastHash.bytes : Buffer.from(head.pos.headHash, 'hex');
  const { bytes, records } = encodeFrames(events, head.pos.seq + 1, now,
    (i, done) => (i === 0 ? first : recordHash(done[i - 1]!.payload)));
  return { base: head, events, records, bytes, at: now };
}

// The head once framed records are appended: their events folded into a private copy of the state,
// and the last record's hash. No I/O.
export function headAfter(f: Framed, ino: number): Head {
  const last = f.records.at(-1);
  if (last === undefined) return f.base;
  const { base } = f;
  let state: ContainerState | null = base.state == null ? null : cloneState(base.state);
  const at = new Date(f.at).toISOString();
  for (let i = 0; i < f.events.length; i++) {
    const { type, data } = f.events[i]!.event;
    state = applyEvent(state, { seq: base.pos.seq + 1 + i, type, at, actor: ACTOR, data } as StoredEvent);
  }
  const pos = positionAfter(base.pos.logId, base.pos.seq + f.events.length, base.pos.offset + last.start,
    base.pos.offset + f.bytes.length, last.payload);
  return { state: state!, pos, ino, tail: null };
}

// The position of a record this process appended, whose hash is made when first asked for: when
// other processes append in between, the next record of this one chains on from theirs, and the
// hash of this one is never needed (a meta.json refresh, or a next append right after, asks for it).
function positionAfter(logId: string, seq: number, headStart: number, offset: number, payload: Uint8Array): LogPosition {
  let hex: string | undefined;
  return {
    logId,
    seq,
    headStart,
    offset,
    get headHash(): string {
      if (hex === undefined) {
        const hash = recordHash(payload);
        hex = hash.toString('hex');
        lastHash = { hex, bytes: hash };
      }
      return hex;
    },
  };
}

// Append bytes at the end of the valid records. The caller holds the exclusive lock, so the
// offset it computed is still the end: pwrite there also overwrites nothing but a torn tail.
export function appendAt(log: OpenLog, bytes: Buffer, offset: number): void {
  let done = 0;
  while (done < bytes.length) done += fs.writeSync(log.fd, bytes, done, bytes.length - done, offset + done);
}

// Cut a torn tail off, so the next record follows the last valid one (invariant 5).
export function truncateTail(log: OpenLog, end: number): void {
  fs.ftruncateSync(log.fd, end);
  log.size = end;
}

// Flush an appended record. Runs after the lock is released: an fdatasync covers every byte written to
// the file before it began, by any process, so concurrent writers share flushes (see docs/architecture.md).
export function flush(fd: number): Promise<void> {
  return new Promise((resolve, reject) => fs.fdatasync(fd, (err) => (err ? reject(err) : resolve())));
}
