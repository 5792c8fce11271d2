import { seqGapError, type OpenLog } from '../events/log.js';
import { decodeFoldedRecordAt } from '../events/record.js';
import { FOLDED, foldRecordFast, PAST, SKIPPED, SLOW, type FoldCursor } from '../events/record-reader.js';
import { scanFramesAt, type ScanEnd } from '../events/scan.js';
import { applyRecord } from './evolve.js';

export type { FoldCursor };

/** Called for each record folded: its payload is `buf[payloadStart, payloadEnd)`, it spans `[start, end)` of the file. */
export type OnFolded = (buf: Buffer, payloadStart: number, payloadEnd: number, start: number, end: number) => void;

// Fold the records of [from, size) of a segment into the cursor, in order, checking that their seqs
// run on from `cur.next`. Ends at the end of the valid records (a torn tail is returned, as from
// scanFramesAt) or before the first record past the cursor's limits (`past`). `read`, when given,
// holds the file's bytes from `from` on. Each record is read by foldRecordFast, or decoded in full
// and folded with applyRecord when that reader does not take it: both check and fold alike.
export function foldRecordsAt(log: OpenLog, from: number, size: number, cur: FoldCursor, onFolded?: OnFolded, read?: Buffer): ScanEnd & { past: boolean } {
  let past = false;
  const scan = scanFramesAt(log.fd, log.file, from, size, (buf, payloadStart, payloadEnd, start, end) => {
    let r = foldRecordFast(buf, payloadStart, payloadEnd, cur);
    if (r === SLOW) r = foldRecordSlow(log.file, buf, payloadStart, payloadEnd, start, cur);
    if (r === PAST) {
      past = true;
      return false;
    }
    if (r === FOLDED && onFolded) onFolded(buf, payloadStart, payloadEnd, start, end);
    return true;
  }, read);
  return { end: scan.end, tail: scan.tail, past };
}

// A record foldRecordFast did not take: decoded in full, checked, folded with applyRecord.
function foldRecordSlow(file: string, buf: Buffer, payloadStart: number, payloadEnd: number, start: number, cur: FoldCursor): number {
  const rec = decodeFoldedRecordAt(buf, payloadStart, payloadEnd, file, start);
  if (rec.seq !== cur.next) throw seqGapError(file, start, rec.seq, cur.next);
  cur.next++;
  if (rec.seq < cur.fromSeq) return SKIPPED;
  if (rec.seq > cur.toSeq || rec.at > cur.toAt) return PAST;
  cur.state = applyRecord(cur.state, rec);
  cur.at = rec.at;
  return FOLDED;
}
