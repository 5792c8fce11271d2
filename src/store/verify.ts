import fs from 'node:fs';
import path from 'node:path';
import { isRunstateError } from '../errors.js';
import { decodeRecord } from '../events/record.js';
import { HEADER_SIZE } from '../events/header.js';
import { recordHash } from '../events/hash.js';
import { openLog } from '../events/log.js';
import { scanFrames } from '../events/scan.js';
import type { ContainerState } from '../events/types.js';
import { toStoredEvent } from '../events/record.js';
import type { VerifyProblem, VerifyReport } from '../options.js';
import { FILES } from '../paths.js';
import { decide } from '../projection/decide.js';
import { evolve } from '../projection/evolve.js';
import { readMeta, type Meta } from '../projection/meta.js';
import { splitMeta } from '../projection/head.js';

// Check one container's files: header, every frame and checksum, seq continuity, the hash chain,
// that each transition was legal, and that meta.json agrees with a replay. The caller holds a shared lock.
export function verifyContainer(dir: string, id: string): VerifyReport {
  const problems: VerifyProblem[] = [];
  const file = path.join(dir, FILES.log);
  const report = (): VerifyReport => ({ id, ok: !problems.some((p) => p.severity === 'error'), events, headSeq, problems });
  let events = 0;
  let headSeq = 0;
  let log;
  try {
    log = openLog(file, false);
  } catch (err) {
    problems.push(problemOf(err, file, 0));
    return report();
  }
  const meta = readMeta(dir);
  let metaState: ContainerState | null = null;
  try {
    const { header } = log;
    if (header.firstSeq !== 1) {
      problems.push({ code: 'EFORMAT', file, offset: 0, message: `log starts at seq ${header.firstSeq}; verifying from a snapshot is not supported`, severity: 'error' });
      return report();
    }
    let prev = header.prevHash;
    let expected = header.firstSeq;
    let state: ContainerState | null = null;
    headSeq = expected - 1;
    const scan = scanFrames(log.fd, file, HEADER_SIZE, log.size, (payload, start) => {
      const rec = decodeRecord(payload, file, start);
      if (rec.seq !== expected) {
        problems.push({ code: 'ECORRUPT', file, offset: start, seq: rec.seq, message: `seq ${rec.seq} where ${expected} was expected (records missing or reordered)`, severity: 'error' });
        return false;
      }
      if (!Buffer.from(rec.prev).equals(prev)) {
        problems.push({ code: 'ECORRUPT', file, offset: start, seq: rec.seq, message: `hash chain broken at seq ${rec.seq}: its prev does not match the record before it (a record was edited, removed or reordered)`, severity: 'error' });
        return false;
      }
      try {
        decide(id, state, rec.type, rec.type === 'deleted' && rec.data.force === true);
      } catch (err) {
        problems.push({ code: 'EBADTRANSITION', file, offset: start, seq: rec.seq, message: `illegal transition at seq ${rec.seq}: ${(err as Error).message}`, severity: 'error' });
        return false;
      }
      state = evolve(state, toStoredEvent(rec));
      if (meta !== null && rec.seq === meta.seq) metaState = state;
      prev = recordHash(payload);
      expected++;
      events++;
      headSeq = rec.seq;
      return true;
    });
    if (scan.tail) {
      problems.push({ code: 'ETORN', file, offset: scan.tail.offset, message: `torn tail (${scan.tail.reason}, ${scan.tail.bytes} bytes) after seq ${headSeq}: readers ignore it and the next write truncates it`, severity: 'warning' });
    }
  } catch (err) {
    problems.push(problemOf(err, file, undefined));
  } finally {
    fs.closeSync(log.fd);
  }
  checkMeta(dir, meta, metaState, log.header.logId, headSeq, problems);
  return report();
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
  const p: VerifyProblem = { code, file, message: (err as Error).message, severity: 'error' };
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
