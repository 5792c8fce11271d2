#!/bin/sh
# A tour of the runstate CLI on the default root (no configuration needed):
# a real `sleep` goes through create, start, pause, resume, kill and delete, and its history
# is read back after the delete.
# Rerunnable: each run uses a fresh id, and the container is removed on any exit.
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
runstate() { node "$here/bin/runstate.js" "$@"; }
step() {
  printf '\n$ runstate %s\n' "$*"
  runstate "$@"
}
status() { runstate state "$1" | sed -n 's/.*"status": "\([a-z]*\)".*/\1/p'; }

id="demo-$(date +%s)-$$"
trap 'runstate delete --force "$id" >/dev/null 2>&1 || true' EXIT INT TERM

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
printf '\n# done: "%s" is deleted; its history stays readable (events/replay --deleted).\n' "$id"
