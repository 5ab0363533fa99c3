#!/usr/bin/env bash
# Issue 11's measurements on a fresh server: idle memory, (a) TOTP checks at concurrency 64 with
# the server's CPU per check and memory, (b) password + TOTP sign-ins, (c) raw Argon2id.
#
#   scripts/bench-issue11.sh sqlite
#   scripts/bench-issue11.sh postgres            # a fresh database, dropped afterwards
#
# Environment (defaults in brackets): TWOFOLD [target/release/twofold], USERS [4000],
# AUTHENTICATORS [20], CONCURRENCY [64], RUN_SECONDS [10] per scenario, PORT [18411],
# PG_URL [postgres://postgres@127.0.0.1:5432], PERF=1 to record a CPU profile of the server
# during (a) (perf.data in the run directory, which is kept and printed).
set -euo pipefail

store=${1:-sqlite}
twofold=${TWOFOLD:-target/release/twofold}
users=${USERS:-4000}
authenticators=${AUTHENTICATORS:-20}
concurrency=${CONCURRENCY:-64}
seconds=${RUN_SECONDS:-10}
port=${PORT:-18411}
pg_url=${PG_URL:-postgres://postgres@127.0.0.1:5432}

run_dir=$(mktemp -d -t twofold-bench-XXXXXX)
storage=(--data-dir "$run_dir/data")
database=""
case "$store" in
  sqlite) ;;
  postgres)
    database="bench_$(date +%s)"
    psql "$pg_url/postgres" -qc "CREATE DATABASE $database"
    storage+=(--database-url "$pg_url/$database")
    ;;
  *) echo "usage: $0 sqlite|postgres" >&2; exit 2 ;;
esac

server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  if [ -n "$database" ]; then psql "$pg_url/postgres" -qc "DROP DATABASE IF EXISTS $database" || true; fi
}
trap cleanup EXIT

"$twofold" serve "${storage[@]}" --listen "127.0.0.1:$port" >"$run_dir/serve.out" 2>"$run_dir/serve.log" &
server=$!
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.2
done
token=$(sed -n 's/^admin token (shown once): //p' "$run_dir/serve.out")
[ -n "$token" ] || { echo "no admin token from the server (see $run_dir)" >&2; exit 1; }
# The idle reading is taken by the bench before it sends anything; give start-up a moment.
sleep 2

prefix="b$(date +%s)"
export TWOFOLD_BENCH_SECRET
TWOFOLD_BENCH_SECRET=$(head -c 24 /dev/urandom | base64)
seeded=(--seeded "$prefix" --users "$users" --authenticators "$authenticators")

echo "== $store, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$twofold" seed-bench "${storage[@]}" "${seeded[@]}"

"$twofold" bench --url "http://127.0.0.1:$port" --admin-token "$token" "${seeded[@]}" \
  --scenarios abc --concurrency "$concurrency" --seconds "$seconds" --server-pid "$server" \
  2> >(tee "$run_dir/bench.err" >&2) &
bench=$!
if [ "${PERF:-0}" = 1 ]; then
  # From the first check of (a) to the first sign-in of (b), and nothing else.
  until grep -q "second-factor checks" "$run_dir/bench.err" 2>/dev/null; do sleep 0.1; done
  perf record -g -o "$run_dir/perf.data" -p "$server" 2>"$run_dir/perf.log" &
  recorder=$!
  until grep -q "(b) password" "$run_dir/bench.err" 2>/dev/null || ! kill -0 "$bench" 2>/dev/null; do
    sleep 0.1
  done
  kill -INT "$recorder"
  wait "$recorder" || true
  echo "profile: perf report -i $run_dir/perf.data --no-children --sort dso,symbol -g none | head -60"
fi
wait "$bench"
echo "run directory: $run_dir"
