#!/usr/bin/env bash
# Runs the built node:test suite (dist/test) under Bun or Deno, one file per
# process as `node --test` does, leaving out the files that test Node itself
# rather than ringcore (why, per file: docs/architecture.md, "The test suite
# on Bun and Deno"). Usage: test/portable/run-suite.sh bun|deno BINARY
set -euo pipefail
cd "$(dirname "$0")/../.."
runtime=$1
binary=$2

# Both: stat times compared with the runtime's own node:fs, process.arch reassigned,
# the process's threads counted; fallback/suites, which runs files again in a
# `node --test` child; package/typescript, which runs tsc on the package's
# metadata (no runtime changes it; npm test runs it on Node).
# createServer's files that compare it with the runtime's own node:http, which Bun
# and Deno reimplement with other behaviour (their clients' keep-alive, events,
# option checks; Deno's loses pipelined responses), or that read V8 internals
# (listener-prototypes). Its own files (create-server, frameworks) run on both.
compared='http/create-server-differential|http/listener-prototypes|http/express-middleware|http/framework-middleware'
skip="package/typescript|fs/stat|fs/bigint-stats|sys/constants|net/idle-10k|$compared|fallback/suites"
case $runtime in
  # Bun: an fd count that expects one fd per ring (the thread driver holds three);
  # async stack traces are V8's (JavaScriptCore names the awaiting callers differently);
  # Bun's node:http binds at once with a host, gives no clientError on a reset, sends a
  # transferred chunk differently.
  bun) skip="$skip|fs/web-streams|op/caller-stack|http/listen-now|http/client-reset|http/detached-write" ;;
  # Deno: children started with process.execPath and Node's flags; node:fs
  # given fds it did not open; error objects compared with Deno's node:fs;
  # signals interrupting an enter; worker fds expected to be distinct; Deno's
  # node:http resets a flooding client and checks fewer options.
  deno) skip="$skip|http/pipelined-backlog|http/set-timeout-arguments|package/entry-points|fs/read-buffer-lifetime|driver/exit|driver/teardown|fs/examples|ring/setup-error|ring/trace|op/slot-reuse|trace/timeline|fs/eacces|op/cancel-read|op/deadline|op/link|op/stale-cqe|time/timeout|driver/task-run|fs/read-write|driver/close|fs/errors|driver/eintr|driver/workers|driver/teardown-run-blocked|fallback/backend|fallback/socket-io|driver/completion-driver|http/connection-cap|fs/file-position|op/skip-success|fallback/careless|net/careless|fs/collected-handle" ;;
  *) echo "usage: $0 bun|deno BINARY" >&2; exit 2 ;;
esac
echo "== $runtime: not run: ${skip//|/, }"

run_file() {
  if [ "$runtime" = bun ]; then
    timeout 300 "$binary" test --timeout 60000 "./$1"
  else
    timeout 300 "$binary" test -A --no-check "$1"
  fi
}

# A file that fails is run once more, and fails the run only if it fails again:
# these runtimes' timers and sockets are scheduled differently from Node's, and
# a test's timing margin made for Node can miss once. Each retry is listed.
failed=()
retried=()
for file in $(find dist/test -name '*.test.js' | sort | grep -Ev "dist/test/($skip)\.test\.js"); do
  echo "== $runtime: $file"
  if ! run_file "$file"; then
    echo "== $runtime: $file failed; running it once more"
    retried+=("$file")
    run_file "$file" || failed+=("$file")
  fi
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "$runtime: failed: ${failed[*]}" >&2
  exit 1
fi
[ ${#retried[@]} -eq 0 ] || echo "$runtime: passed on a second run: ${retried[*]}"
echo "$runtime: every file passed"
