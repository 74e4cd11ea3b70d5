#!/usr/bin/env bash
# Hello-world HTTP, ringcore's serve() against the runtime's own server, in
# alternating fresh processes: wrk (1 thread, C connections, S seconds) after a
# 1 s warm-up, and the server's CPU per request from /proc/PID/stat (every
# thread of it). Prints one line per run.
#   bench/portable/http.sh node|bun|deno BINARY [ROUNDS=5] [C=64] [S=3]
set -euo pipefail
cd "$(dirname "$0")/../.."
runtime=$1 binary=$2 rounds=${3:-5} conns=${4:-64} seconds=${5:-3}
hz=$(getconf CLK_TCK)
cpu_ticks() { awk '{sub(/.*\) /, ""); print $12 + $13}' "/proc/$1/stat"; }
for ((r = 0; r < rounds; r++)); do
  for variant in ringcore builtin; do
    out=$(mktemp)
    if [ "$runtime" = deno ]; then "$binary" run -A bench/portable/http-server.mjs "$variant" >"$out" &
    else "$binary" bench/portable/http-server.mjs "$variant" >"$out" & fi
    pid=$!
    until [ -s "$out" ]; do sleep 0.1; done
    port=$(head -1 "$out")
    wrk -t1 -c"$conns" -d1s "http://127.0.0.1:$port/" >/dev/null
    before=$(cpu_ticks "$pid")
    rps=$(wrk -t1 -c"$conns" -d"${seconds}s" "http://127.0.0.1:$port/" | awk '/Requests\/sec/ {print $2}')
    after=$(cpu_ticks "$pid")
    kill "$pid"; wait "$pid" 2>/dev/null || true
    rm -f "$out"
    awk -v rt="$runtime" -v v="$variant" -v rps="$rps" -v t=$((after - before)) -v hz="$hz" -v s="$seconds" \
      'BEGIN { printf "%s %s rps=%d cpu_us_per_req=%.1f\n", rt, v, rps, t / hz * 1e6 / (rps * s) }'
  done
done
