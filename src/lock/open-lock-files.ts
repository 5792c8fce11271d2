// Lock files this process has open right now, by path, across all managers. Sync mode uses it to
// avoid blocking the thread on a lock that only this process's event loop could release.
const open = new Map<string, number>();

// Count one more open descriptor of a lock file in this process.
export function trackOpen(file: string): void {
  open.set(file, (open.get(file) ?? 0) + 1);
}

// Count one descriptor of a lock file less.
export function trackClose(file: string): void {
  const n = (open.get(file) ?? 1) - 1;
  if (n > 0) open.set(file, n);
  else open.delete(file);
}

// How many descriptors of this lock file this process has open (held, waiting or abandoned).
export function openCount(file: string): number {
  return open.get(file) ?? 0;
}
