import fs from 'node:fs';
import { encodeFrame } from '../events/frame.js';
import { recordHash } from '../events/hash.js';
import { encodeRecord, RECORD_VERSION, type LogRecord } from '../events/record.js';
import type { ContainerState, LifecycleEvent, StoredEvent } from '../events/types.js';
import type { OpenLog } from '../events/log.js';
import { applyEvent, cloneState } from '../projection/evolve.js';
import type { Head } from '../projection/head.js';
import type { LogPosition } from '../projection/meta.js';

/** Who this process is, stamped into every record it appends. */
const ACTOR = { pid: process.pid, uid: process.getuid?.() ?? -1 };

// Encode events as records chained after `head`, and fold them into its state. No I/O.
export function buildRecords(head: Head, events: readonly LifecycleEvent[], now = Date.now()): { bytes: Buffer; state: ContainerState; pos: LogPosition } {
  // One private copy folded in place, and one date string for the batch: both show in profiles.
  let state: ContainerState | null = head.state == null ? null : cloneState(head.state);
  let pos = head.pos;
  const at = new Date(now).toISOString();
  const frames: Buffer[] = [];
  for (const ev of events) {
    const rec: LogRecord = {
      v: RECORD_VERSION,
      seq: pos.seq + 1,
      type: ev.type,
      at: now,
      actor: ACTOR,
      data: ev.data as Record<string, unknown>,
      prev: Buffer.from(pos.headHash, 'hex'),
    };
    const payload = encodeRecord(rec);
    const frame = encodeFrame(payload);
    const start = pos.offset;
    pos = { logId: pos.logId, seq: rec.seq, headStart: start, offset: start + frame.length, headHash: recordHash(payload).toString('hex') };
    state = applyEvent(state, { seq: rec.seq, type: rec.type, at, actor: ACTOR, data: ev.data } as StoredEvent);
    frames.push(frame);
  }
  return { bytes: frames.length === 1 ? frames[0]! : Buffer.concat(frames), state: state!, pos };
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
