import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { RunstateError } from '../errors.js';
import { encodeHeader, FORMAT_VERSION, HEADER_SIZE } from '../events/header.js';
import { ZERO_HASH } from '../events/hash.js';
import type { OpenLog } from '../events/log.js';
import type { ContainerState, EventData } from '../events/types.js';
import { FILES, ROOT_DIRS } from '../paths.js';
import { writeMeta } from '../projection/meta.js';
import type { Head } from '../projection/head.js';
import { ensureRealDir, fsyncDir } from './fs-safe.js';
import { appendAt, frameAfter, headAfter, prepare } from './write.js';

const { O_RDWR, O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = fs.constants;

/** A half-built container older than this was left by a create that crashed; it is removed. */
const ABANDONED_MS = 10 * 60_000;

// Remove directories under <root>/.tmp that a crashed create left behind. Never a live
// container: those are renamed out of .tmp within milliseconds of being started.
function sweepAbandoned(tmpRoot: string): void {
  const cutoff = Date.now() - ABANDONED_MS;
  for (const name of fs.readdirSync(tmpRoot)) {
    const p = path.join(tmpRoot, name);
    const st = fs.lstatSync(p, { throwIfNoEntry: false });
    if (st && st.mtimeMs < cutoff) fs.rmSync(p, { recursive: true, force: true });
  }
}

/** A new random segment id. */
export function newLogId(): string {
  return crypto.randomBytes(8).toString('hex');
}

// Create a container: build its directory complete under <root>/.tmp, then rename it into place.
// The rename is the commit point: it fails when <root>/<id> exists (a live container dir is never
// empty), so of two concurrent creates exactly one wins, and nobody sees a half-made container.
export function createContainer(root: string, id: string, data: EventData['created'], durable: boolean): ContainerState {
  const created = prepare({ type: 'created', data }); // ETOOLARGE before anything is made
  const tmpRoot = ensureRealDir(root, [ROOT_DIRS.tmp]);
  sweepAbandoned(tmpRoot);
  const tmp = fs.mkdtempSync(path.join(tmpRoot, `${id}.`));
  try {
    fs.chmodSync(tmp, 0o711);
    fs.closeSync(fs.openSync(path.join(tmp, FILES.lock), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, 0o640));
    const logFile = path.join(tmp, FILES.log);
    const fd = fs.openSync(logFile, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW, 0o640);
    let state: ContainerState;
    try {
      const header = { version: FORMAT_VERSION, firstSeq: 1, prevHash: ZERO_HASH, logId: newLogId() };
      const log: OpenLog = { fd, file: logFile, header, size: HEADER_SIZE, ino: 0, writable: true };
      const empty = { state: null, ino: 0, tail: null, pos: { logId: header.logId, seq: 0, headStart: HEADER_SIZE, offset: HEADER_SIZE, headHash: ZERO_HASH.toString('hex') } } as unknown as Head;
      const framed = frameAfter(empty, [created]);
      appendAt(log, Buffer.concat([encodeHeader(header), framed.bytes]), 0);
      if (durable) fs.fdatasyncSync(fd);
      const built = headAfter(framed, 0);
      state = built.state;
      writeMeta(tmp, state, built.pos);
    } finally {
      fs.closeSync(fd);
    }
    // The files must be durable in the directory before the directory is renamed into the root.
    if (durable) fsyncDir(tmp);
    try {
      fs.renameSync(tmp, path.join(root, id));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR') {
        throw new RunstateError('EEXIST', `container "${id}" already exists`, { id }, { cause: err });
      }
      throw err;
    }
    if (durable) fsyncDir(root);
    return state;
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}
