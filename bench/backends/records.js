// Fixed-size records for the file baselines, and a check that each acked op is there once.
import { readFileSync } from 'node:fs';

export const RECORD_SIZE = 64;

// A 64-byte record "seq worker op" padded with spaces, newline-terminated
export function record(seq, worker, op) {
  return Buffer.from(`${seq} ${worker} ${op}`.padEnd(RECORD_SIZE - 1) + '\n');
}

// Read a record file and check it holds exactly `expected` whole, distinct records;
// with `checkSeq`, also that the seq written under the lock runs 1..n with no gap
export function verifyRecords(file, expected, { checkSeq = false } = {}) {
  const buf = readFileSync(file);
  const problems = [];
  if (buf.length % RECORD_SIZE !== 0) problems.push(`size ${buf.length} is not a multiple of ${RECORD_SIZE} (torn record)`);
  const n = Math.floor(buf.length / RECORD_SIZE);
  const seen = new Set();
  let dup = 0, badSeq = 0;
  for (let i = 0; i < n; i++) {
    const [seq, w, op] = buf.toString('latin1', i * RECORD_SIZE, (i + 1) * RECORD_SIZE).trim().split(' ');
    const id = `${w}/${op}`;
    if (seen.has(id)) dup++;
    seen.add(id);
    if (checkSeq && Number(seq) !== i + 1) badSeq++;
  }
  if (dup) problems.push(`${dup} duplicate records`);
  if (badSeq) problems.push(`${badSeq} records out of seq (a lost update under the lock)`);
  if (n !== expected) problems.push(`${n} records stored, ${expected} acknowledged`);
  return { stored: n, problems };
}
