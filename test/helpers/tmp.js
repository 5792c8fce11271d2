import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Make a fresh private temp directory for one suite or test.
export function tmpRoot() {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'runstate-test-'));
}

// Remove a temp directory made by tmpRoot, whatever it holds.
export function rmRoot(dir) {
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
