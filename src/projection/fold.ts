import { seqGapError, type OpenLog } from '../events/log.js';
import { decodeFoldedRecordAt } from '../events/record.js';
import { fastRecord, readFastRecord } from '../events/record-reader.js';
import { scanFramesAt, type ScanEnd } from '../events/scan.js';
import type { ContainerState } from '../events/types.js';
import { applyRecord, setAnnotation, stepRecord } from './evolve.js';

/** A fold over consecutive records, as foldRecordsAt leaves it. */
export interface FoldCursor {
  /** The state so far (folded in place; null before `created`). */
  state: ContainerState | null;
  /** The seq the next record must carry. */
  next: number;
  /** Records below this seq are checked but not folded. */
  fromSeq: number;
  /** The first record past this seq, or later than `toAt`, ends the fold unfolded. */
  toSeq: number;
  toAt: number;
  /** Time of the last record folded, in ms (0 before any). */
  at: number;
}

/** Called for each record folded: its payload is `buf[payloadStart, payloadEnd)`, it spans `[start, end)` of the file. */
export type OnFolded = (buf: Buffer, payloadStart: number, payloadEnd: number, start: number, end: number) => void;

/** What became of one record. */
const FOLDED = 0;
const SKIPPED = 1;
const PAST = 2;

// Fold the records of [from, size) of a segment into the cursor, in order, checking that their seqs
// run on from `cur.next`. Ends at the end of the valid records (a torn tail is returned, as from
// scanFramesAt) or before the first record past the cursor's limits (`past`). `read`, when given,
// holds the file's bytes from `from` on. The records a long history is made of are read field by
// field (readFastRecord), the others decoded in full and folded with applyRecord: both check and
// fold alike.
export function foldRecordsAt(log: OpenLog, from: number, size: number, cur: FoldCursor, onFolded?: OnFolded, read?: Buffer): ScanEnd & { past: boolean } {
  let past = false;
  const scan = scanFramesAt(log.fd, log.file, from, size, (buf, payloadStart, payloadEnd, start, end) => {
    const r = cur.state !== null && readFastRecord(buf, payloadStart, payloadEnd, cur.next)
      ? foldFast(cur)
      : foldDecoded(log.file, buf, payloadStart, payloadEnd, start, cur);
    if (r === PAST) {
      past = true;
      return false;
    }
    if (r === FOLDED && onFolded) onFolded(buf, payloadStart, payloadEnd, start, end);
    return true;
  }, read, !log.writable);
  return { end: scan.end, tail: scan.tail, past };
}

// The record readFastRecord just read: its annotations set one by one, then its seq and status.
function foldFast(cur: FoldCursor): number {
  const { seq, at, pairs, pairCount } = fastRecord;
  cur.next = seq + 1;
  if (seq < cur.fromSeq) return SKIPPED;
  if (seq > cur.toSeq || at > cur.toAt) return PAST;
  const state = cur.state!;
  for (let i = 0; i < pairCount; i += 2) setAnnotation(state, pairs[i] as string, pairs[i + 1]);
  stepRecord(state, seq, fastRecord.type);
  cur.at = at;
  return FOLDED;
}

// Any other record: decoded in full, checked, folded with applyRecord.
function foldDecoded(file: string, buf: Buffer, payloadStart: number, payloadEnd: number, start: number, cur: FoldCursor): number {
  const rec = decodeFoldedRecordAt(buf, payloadStart, payloadEnd, file, start);
  if (rec.seq !== cur.next) throw seqGapError(file, start, rec.seq, cur.next);
  cur.next++;
  if (rec.seq < cur.fromSeq) return SKIPPED;
  if (rec.seq > cur.toSeq || rec.at > cur.toAt) return PAST;
  cur.state = applyRecord(cur.state, rec);
  cur.at = rec.at;
  return FOLDED;
}
