import fs from 'node:fs';
import path from 'node:path';
import { isRunstateError } from '../errors.js';
import { decodeRecord } from '../events/record.js';
import { HEADER_SIZE } from '../events/header.js';
import { recordHash } from '../events/hash.js';
import { openLog, type OpenLog } from '../events/log.js';
import { ZERO_HASH } from '../events/hash.js';
import { listSegments, snapshotFor, snapshotFile } from './segments.js';
import { scanFrames, VERIFY_HINT } from '../events/scan.js';
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
  // Whether meta.json's headHash is the hash of the record at its seq (null: that record was not reached).
  let metaHashMatches: boolean | null = null;
  let state: ContainerState | null = null;
  // Time of the last record folded into `state` (0: none yet; a snapshot's state has its own `updated`).
  let lastAt = 0;
  let prev: Buffer = ZERO_HASH;
  let expected = 1;
  // Before the oldest kept segment, states are unknown when older ones were pruned: the chain is then
  // checked from that segment's header on, and states from the snapshot the active segment starts from.
  let known = true;
  try {
    const oldest = sealed[0]?.firstSeq ?? active.header.firstSeq;
    if (oldest > 1) {
      known = false;
      headSeq = oldest - 1;
      const from = active.header.firstSeq > oldest ? `seq ${oldest}, the oldest kept segment; states from the snapshot at seq ${active.header.firstSeq - 1}` : `the snapshot at seq ${oldest - 1}`;
      problems.push({ code: 'EPRUNED', file: activeFile, offset: 0, message: `events before seq ${oldest} were pruned; the chain is verified from ${from}`, severity: 'warning' });
    }
    const files = [...sealed.map((s) => s.file), activeFile];
    for (let i = 0; i < files.length; i++) {
      const file = files[i]!;
      const seg = sealed[i];
      const log = file === activeFile ? active : openLog(file, false);
      try {
        const { header } = log;
        if (!known && file === files[0]) {
          expected = header.firstSeq;
          prev = header.prevHash;
        }
        if (meta !== null && meta.seq === header.firstSeq - 1 && file === activeFile) metaHashMatches = meta.headHash === header.prevHash.toString('hex');
        if (header.firstSeq !== expected || !header.prevHash.equals(prev)) {
          problems.push({ code: 'ECORRUPT', file, offset: 0, seq: header.firstSeq, message: `segment starts at seq ${header.firstSeq} where ${expected} was expected, or its prevHash does not chain on`, severity: 'error' });
          return report();
        }
        if (file === activeFile && header.firstSeq > 1 && !known) {
          // snapshotFor checks the snapshot's seq and hash against this header, which the chain reached.
          state = cloneState(snapshotFor(dir, active).state);
          known = true;
          if (meta !== null && meta.seq === header.firstSeq - 1) metaState = cloneState(state);
        } else if (file === activeFile && header.firstSeq > 1) checkSnapshot(dir, active, withUpdated(state, lastAt), problems);
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
          if (known) {
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
          }
          prev = recordHash(payload);
          if (meta !== null && rec.seq === meta.seq) metaHashMatches = meta.headHash === prev.toString('hex');
          expected++;
          events++;
          headSeq = rec.seq;
          return true;
        });
        if (broken) return report();
        if (scan.tail && file === activeFile) {
          problems.push({ code: 'ETORN', file, offset: scan.tail.offset, message: `torn tail (${scan.tail.reason}, ${scan.tail.bytes} bytes) after seq ${headSeq}: readers ignore it and the next write truncates it`, severity: 'warning' });
        } else if (scan.tail) {
          // A sealed segment is never written again: a cut-off or damaged end is damage, as readers report it.
          problems.push({ code: 'ECORRUPT', file, offset: scan.tail.offset, message: `damaged end of a sealed segment (${scan.tail.reason}, ${scan.tail.bytes} bytes) after seq ${headSeq}`, severity: 'error' });
          return report();
        }
        // A sealed segment's name gives the seqs it holds, which readers rely on to pick segments: a
        // name that disagrees with its records (renamed, or a header with no record after it) is damage.
        if (seg !== undefined && (seg.firstSeq !== header.firstSeq || seg.lastSeq !== expected - 1 || expected === header.firstSeq)) {
          const holds = expected === header.firstSeq ? 'no record' : `seqs ${header.firstSeq}..${expected - 1}`;
          problems.push({ code: 'ECORRUPT', file, offset: 0, seq: header.firstSeq, message: `sealed segment named for seqs ${seg.firstSeq}..${seg.lastSeq} holds ${holds}`, severity: 'error' });
          return report();
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
  // A container is created with its first record, in one rename: a log without any holds no state.
  if (headSeq === 0) {
    problems.push({ code: 'ECORRUPT', file: activeFile, offset: HEADER_SIZE, message: 'the log holds no created record, so no state', severity: 'error' });
    return report();
  }
  checkMeta(dir, meta, metaState, metaHashMatches, active.header.logId, headSeq, problems);
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

function checkMeta(dir: string, meta: Meta | null, replayed: ContainerState | null, hashMatches: boolean | null, logId: string, headSeq: number, problems: VerifyProblem[]): void {
  const file = path.join(dir, FILES.meta);
  const warn = (message: string): void => { problems.push({ code: 'EMETA', file, message, severity: 'warning' }); };
  if (meta === null) {
    warn(fs.existsSync(file) ? 'meta.json is unreadable or not a runstate projection; it is rebuilt from the log on the next write' : 'meta.json is missing; it is rebuilt from the log on the next write');
  } else if (meta.logId !== logId) {
    warn('meta.json refers to another log segment; it is rebuilt from the log on the next write');
  } else if (meta.seq > headSeq) {
    warn(`meta.json is at seq ${meta.seq}, ahead of the log (seq ${headSeq}); it is rebuilt from the log on the next write`);
  } else if (hashMatches === false) {
    warn(`meta.json's headHash is not the hash of record ${meta.seq}, so readers do not use it; it is rebuilt from the log on the next write`);
  } else if (replayed !== null && !sameJson(splitMeta(meta).state, replayed)) {
    problems.push({ code: 'EMETA', file, seq: meta.seq, message: `meta.json at seq ${meta.seq} differs from the replayed state at that seq`, severity: 'error' });
  }
}

// A problem from an error thrown while checking: at the file and offset the error names, if it does
// (a damaged frame in a sealed segment is reported in that segment), else at the ones given.
function problemOf(err: unknown, where: string, offset: number | undefined): VerifyProblem {
  const code = isRunstateError(err) ? err.code : ((err as NodeJS.ErrnoException).code ?? 'EIO');
  const at = isRunstateError(err) && typeof err.details.offset === 'number' ? err.details.offset : offset;
  const file = isRunstateError(err) && typeof err.details.file === 'string' ? err.details.file : where;
  // The report names the file already; keep the message about what is wrong.
  const p: VerifyProblem = { code, file, message: (err as Error).message.replace(`${file}: `, '').replace(VERIFY_HINT, ''), severity: 'error' };
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
