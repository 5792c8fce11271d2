#!/bin/sh
# A tour of the runstate CLI on the default root (no configuration needed):
# a real `sleep` goes through create, start, pause, resume, kill and delete, its history is read
# back after the delete, then purged.
# Rerunnable: each run uses a fresh id, and the container and its kept history are removed on any
# exit, so repeated runs leave nothing behind.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
runstate() { node "$here/bin/runstate.js" "$@"; }
step() {
  printf '\n$ runstate %s\n' "$*"
  runstate "$@"
}
status() { runstate state "$1" | sed -n 's/.*"status": "\([a-z]*\)".*/\1/p'; }

id="demo-$(date +%s)-$$"
trap 'runstate delete --force "$id" >/dev/null 2>&1 || true; runstate purge "$id" >/dev/null 2>&1 || true' EXIT INT TERM

step create "$id" --annotation tour=yes -- sleep 300
step start "$id"
step state "$id"
step list

step pause "$id"
pid=$(runstate state "$id" | sed -n 's/.*"pid": \([0-9]*\).*/\1/p')
printf '# /proc/%s/stat state: %s (T = stopped)\n' "$pid" "$(sed 's/.*) \(.\).*/\1/' "/proc/$pid/stat")"
step resume "$id"
step annotate "$id" owner=ops tour-   # set one key, remove another: one `annotated` event

step kill "$id" TERM
# The monitor records the exit as soon as the process is gone.
i=0
while [ "$(status "$id")" != stopped ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
step state "$id"
step events "$id"
step compact "$id"    # seal the log segment, snapshot, start a new one
step verify "$id"
step delete "$id"
step deleted "$id"             # deleted containers of this id, kept under the root's .history
step replay "$id" --deleted --at-seq 3
step purge "$id"               # remove the history kept for it: nothing of the tour is left
printf '\n# done: "%s" was deleted, its history read back, then purged.\n' "$id"
