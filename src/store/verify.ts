import fs from 'node:fs';
import path from 'node:path';
import { isRunstateError } from '../errors.js';
import { decodeRecord } from '../events/record.js';
import { HEADER_SIZE } from '../events/header.js';
import { recordHash } from '../events/hash.js';
import { openLog, type OpenLog } from '../events/log.js';
import { ZERO_HASH } from '../events/hash.js';
import { listSegments, snapshotFor, snapshotFile } from './segments.js';
import { scanFrames } from '../events/scan.js';
import type { ContainerState } from '../events/types.js';
import type { VerifyProblem, VerifyReport } from '../options.js';
import { FILES } from '../paths.js';
import { decide } from '../projection/decide.js';
import { applyRecord, cloneState } from '../projection/evolve.js';
import { readMeta, type Meta } from '../projection/meta.js';
import { splitMeta } from '../projection/head.js';

// Check one container's files: headers, every frame and checksum, seq continuity and the hash chain
// across sealed segments and the active one, that each transition was legal, that the snapshot the
// active segment starts from matches a replay, and that meta.json agrees. The caller holds a shared lock.
export function verifyContainer(dir: string, id: string): VerifyReport {
  const problems: VerifyProblem[] = [];
  let events = 0;
  let headSeq = 0;
  const report = (): VerifyReport => ({ id, ok: !problems.some((p) => p.severity === 'error'), events, headSeq, problems });
  const activeFile = path.join(dir, FILES.log);
  let active: OpenLog;
  try {
    active = openLog(activeFile, false);
  } catch (err) {
    problems.push(problemOf(err, activeFile, 0));
    return report();
  }
  const meta = readMeta(dir);
  const sealed = listSegments(dir).filter((s) => s.firstSeq < active.header.firstSeq);
  let metaState: ContainerState | null = null;
  let state: ContainerState | null = null;
  // Time of the last record folded into `state` (0: none yet; a snapshot's state has its own `updated`).
  let lastAt = 0;
  let prev: Buffer = ZERO_HASH;
  let expected = 1;
  try {
    // Verify from seq 1 when every sealed segment is kept; from the snapshot when older ones were pruned.
    if ((sealed[0]?.firstSeq ?? active.header.firstSeq) > 1) {
      const snap = snapshotFor(dir, active);
      state = cloneState(snap.state);
      prev = snap.hash;
      expected = snap.seq + 1;
      headSeq = snap.seq;
      if (meta !== null && meta.seq === snap.seq) metaState = cloneState(state);
      problems.push({ code: 'EPRUNED', file: activeFile, offset: 0, message: `events before seq ${expected} were pruned; the chain is verified from the snapshot at seq ${snap.seq}`, severity: 'warning' });
    }
    const files = [...sealed.map((s) => s.file), activeFile];
    for (const file of files) {
      const log = file === activeFile ? active : openLog(file, false);
      try {
        const { header } = log;
        if (header.firstSeq !== expected || !header.prevHash.equals(prev)) {
          problems.push({ code: 'ECORRUPT', file, offset: 0, seq: header.firstSeq, message: `segment starts at seq ${header.firstSeq} where ${expected} was expected, or its prevHash does not chain on`, severity: 'error' });
          return report();
        }
        if (file === activeFile && header.firstSeq > 1) checkSnapshot(dir, active, withUpdated(state, lastAt), problems);
        let broken = false;
        const scan = scanFrames(log.fd, file, HEADER_SIZE, log.size, (payload, start) => {
          const rec = decodeRecord(payload, file, start);
          const fail = (code: string, message: string): false => {
            problems.push({ code, file, offset: start, seq: rec.seq, message, severity: 'error' });
            broken = true;
            return false;
          };
          if (rec.seq !== expected) return fail('ECORRUPT', `seq ${rec.seq} where ${expected} was expected (records missing or reordered)`);
          if (!prev.equals(rec.prev)) {
            return fail('ECORRUPT', `hash chain broken at seq ${rec.seq}: its prev does not match the record before it (a record was edited, removed or reordered)`);
          }
          try {
            decide(id, state, rec.type, rec.type === 'deleted' && rec.data.force === true);
          } catch (err) {
            return fail('EBADTRANSITION', `illegal transition at seq ${rec.seq}: ${(err as Error).message}`);
          }
          // Folded in place (the state is this function's own); `updated` is set where a state is
          // compared, from the last record's time, as a long fold does.
          state = applyRecord(state, rec);
          lastAt = rec.at;
          if (meta !== null && rec.seq === meta.seq) metaState = cloneState(withUpdated(state, lastAt));
          prev = recordHash(payload);
          expected++;
          events++;
          headSeq = rec.seq;
          return true;
        });
        if (broken) return report();
        if (scan.tail) {
          const where = file === activeFile ? 'readers ignore it and the next write truncates it' : 'in a sealed segment';
          problems.push({ code: 'ETORN', file, offset: scan.tail.offset, message: `torn tail (${scan.tail.reason}, ${scan.tail.bytes} bytes) after seq ${headSeq}: ${where}`, severity: file === activeFile ? 'warning' : 'error' });
        }
      } finally {
        if (log !== active) fs.closeSync(log.fd);
      }
    }
  } catch (err) {
    problems.push(problemOf(err, activeFile, undefined));
    return report();
  } finally {
    fs.closeSync(active.fd);
  }
  checkMeta(dir, meta, metaState, active.header.logId, headSeq, problems);
  return report();
}

// A folded state with `updated` set from the time of the last record folded into it, if any.
function withUpdated<S extends ContainerState | null>(state: S, lastAt: number): S {
  if (state !== null && lastAt !== 0) state.updated = new Date(lastAt).toISOString();
  return state;
}

// The snapshot the active segment starts from must equal the replay up to its seq.
function checkSnapshot(dir: string, active: OpenLog, replayed: ContainerState | null, problems: VerifyProblem[]): void {
  const snap = snapshotFor(dir, active);
  if (replayed !== null && !sameJson(snap.state, replayed)) {
    problems.push({ code: 'ECORRUPT', file: snapshotFile(dir, snap.seq), seq: snap.seq, message: `snapshot at seq ${snap.seq} differs from the replayed state at that seq`, severity: 'error' });
  }
}

function checkMeta(dir: string, meta: Meta | null, replayed: ContainerState | null, logId: string, headSeq: number, problems: VerifyProblem[]): void {
  const file = path.join(dir, FILES.meta);
  const warn = (message: string): void => { problems.push({ code: 'EMETA', file, message, severity: 'warning' }); };
  if (meta === null) {
    warn(fs.existsSync(file) ? 'meta.json is unreadable or not a runstate projection; it is rebuilt from the log on the next write' : 'meta.json is missing; it is rebuilt from the log on the next write');
  } else if (meta.logId !== logId) {
    warn('meta.json refers to another log segment; it is rebuilt from the log on the next write');
  } else if (meta.seq > headSeq) {
    warn(`meta.json is at seq ${meta.seq}, ahead of the log (seq ${headSeq}); it is rebuilt from the log on the next write`);
  } else if (replayed !== null && !sameJson(splitMeta(meta).state, replayed)) {
    problems.push({ code: 'EMETA', file, seq: meta.seq, message: `meta.json at seq ${meta.seq} differs from the replayed state at that seq`, severity: 'error' });
  }
}

function problemOf(err: unknown, file: string, offset: number | undefined): VerifyProblem {
  const code = isRunstateError(err) ? err.code : ((err as NodeJS.ErrnoException).code ?? 'EIO');
  const at = isRunstateError(err) && typeof err.details.offset === 'number' ? err.details.offset : offset;
  // The report names the file already; keep the message about what is wrong.
  const p: VerifyProblem = { code, file, message: (err as Error).message.replace(`${file}: `, ''), severity: 'error' };
  if (at !== undefined) p.offset = at;
  return p;
}

// Deep equality of two JSON values, ignoring key order.
function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  }
  return v;
}
