// sqlite: better-sqlite3 in WAL mode; each op is BEGIN IMMEDIATE (the write lock, waited
// for by SQLite's sleeping busy handler) + one INSERT of the next seq of its key + COMMIT.
// One database for every key, as a user storing container state in SQLite would have.
import { join } from 'node:path';
import { hrtime } from 'node:process';
import Database from 'better-sqlite3';

const fileOf = (dir) => join(dir, 'state.db');

function connect(dir, durability) {
  const db = new Database(fileOf(dir));
  db.pragma('journal_mode = WAL');
  db.pragma('busy_timeout = 10000');
  db.pragma(`synchronous = ${durability === 'fsync' ? 'FULL' : 'NORMAL'}`);
  return db;
}

// Create the schema once, before the workers connect
export function setup({ dir, durability }) {
  const db = connect(dir, durability);
  db.exec(`CREATE TABLE IF NOT EXISTS events (
    key TEXT NOT NULL, seq INTEGER NOT NULL, worker INTEGER NOT NULL, op INTEGER NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (key, seq)) WITHOUT ROWID`);
  db.close();
}

// Per-worker handle; op() returns the ns spent in BEGIN IMMEDIATE (waiting for the write lock)
export function open({ dir, key, durability, worker }) {
  const db = connect(dir, durability);
  const insert = db.prepare(`INSERT INTO events (key, seq, worker, op, data)
    VALUES (?, (SELECT coalesce(max(seq), 0) + 1 FROM events WHERE key = ?), ?, ?, ?)`);
  const begin = db.prepare('BEGIN IMMEDIATE');
  const commit = db.prepare('COMMIT');
  return {
    sync: true,
    knowsLockWait: true,
    op(i) {
      const t0 = hrtime.bigint();
      begin.run();
      const wait = Number(hrtime.bigint() - t0);
      try {
        insert.run(key, key, worker, i, '{"k":"v"}');
        commit.run();
      } catch (err) {
        if (db.inTransaction) db.exec('ROLLBACK');
        throw err;
      }
      return wait;
    },
    close() { db.close(); },
  };
}

// Row count per key = acked ops, with seqs 1..n
export function verify({ dir, keys, acked, durability }) {
  const db = connect(dir, durability);
  let stored = 0; const problems = [];
  const q = db.prepare('SELECT count(*) AS n, coalesce(max(seq), 0) AS top, count(DISTINCT worker || \'/\' || op) AS distinct_ops FROM events WHERE key = ?');
  for (const key of keys) {
    const { n, top, distinct_ops: d } = q.get(key);
    const expected = acked.get(key) || 0;
    stored += n;
    if (n !== expected) problems.push(`${key}: ${n} rows, ${expected} acknowledged`);
    if (top !== n) problems.push(`${key}: seqs not contiguous (max ${top}, ${n} rows)`);
    if (d !== n) problems.push(`${key}: ${n - d} duplicate ops`);
  }
  db.close();
  return { stored, problems, lost: 0 };
}
