#!/usr/bin/env bash
# Per-request cost figures that hold on a busy machine: user-space instructions (callgrind)
# and context switches, for a fixed number of keep-alive `GET /` requests.
#
#   bash bench/instructions.sh [CONNECTIONS (default 8)] [REQUESTS per connection (default 1000)]
#
# For each server (BENCH_ONLY, default: hyper gateway-sync gateway-async gateway-routed; also
# gateway-handoff, gateway-logged (its access log's writer thread counts too), axum, actix):
# - instructions: runs it under `valgrind --tool=callgrind`, warms it up with 200 requests
#   per connection, zeroes the counters (callgrind_control -z), sends the fixed load
#   (`fixed-load`), dumps the counters and divides their total by the requests. Valgrind runs
#   one thread at a time, so this is the CPU work of a request, not its waiting;
# - switches: runs it natively, sends the same load, and divides the growth of the context
#   switches of all its threads (voluntary + involuntary, /proc/PID/task/*/status) by the
#   requests: each cross-thread hand-off that parks a thread shows up here.
# BENCH_H2=1: the same over HTTP/2 (h2c, h2load -m 10 streams per connection).
# Needs valgrind (and h2load for BENCH_H2); builds with `cargo build --release -p gateway-bench` and `-p gateway-bench-peers`. BENCH_WORKERS is
# passed to the servers as for run.sh.
set -euo pipefail

CONNECTIONS=${1:-8}
REQUESTS=${2:-1000}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
read -r -a ONLY <<<"${BENCH_ONLY:-hyper gateway-sync gateway-async gateway-routed}"
declare -A BIN=([hyper]=hyper-hello [gateway-sync]=gateway-hello-sync [gateway-handoff]=gateway-hello-handoff
    [gateway-async]=gateway-hello-async [gateway-routed]=gateway-hello-routed
    [gateway-logged]=gateway-hello-logged [axum]=axum-hello [actix]=actix-hello)
for label in "${ONLY[@]}"; do
    [[ -n ${BIN[$label]:-} ]] || { echo "BENCH_ONLY: no server '$label' (one of ${!BIN[*]})" >&2; exit 2; }
done

command -v valgrind >/dev/null || { echo "valgrind is needed: apt-get install -y valgrind" >&2; exit 1; }
cd "$ROOT"
cargo build --release -q -p gateway-bench
cargo build --release -q -p gateway-bench-peers # on its own: see bench/Cargo.toml
TARGET=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')/release
SCRATCH=$(mktemp -d)
export BENCH_ACCESS_LOG=$SCRATCH/access.log # gateway-logged's file, removed with SCRATCH
PID=""
trap '[[ -n $PID ]] && kill "$PID" 2>/dev/null; rm -rf "$SCRATCH"' EXIT

wait_port() { # $1 pid, $2 port: up to 30 s
    for ((i = 0; i < 300; i++)); do
        kill -0 "$1" 2>/dev/null || return 1
        (exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null && return 0
        sleep 0.1
    done
    return 1
}
switches() { # all threads of $1
    cat /proc/"$1"/task/*/status 2>/dev/null |
        awk '/^(non)?voluntary_ctxt_switches:/ { n += $2 } END { print n + 0 }'
}
load() { # port connections requests-per-connection
    if [[ -n ${BENCH_H2:-} ]]; then
        h2load -n $(($2 * $3)) -c "$2" -m 10 "http://127.0.0.1:$1/" >/dev/null
    else
        "$TARGET/fixed-load" "$1" "$2" "$3"
    fi
}

total=$((CONNECTIONS * REQUESTS))
echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git rev-parse --short HEAD), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# $CONNECTIONS connections x $REQUESTS keep-alive requests${BENCH_H2:+ over h2c, 10 streams at once}; workers: ${BENCH_WORKERS:-default}"
printf '%-16s %12s %12s\n' server instr/req switches/req
for label in "${ONLY[@]}"; do
    bin=$TARGET/${BIN[$label]}
    port=$((20000 + RANDOM % 12000))
    valgrind --tool=callgrind --callgrind-out-file="$SCRATCH/cg.%p" "$bin" "$port" \
        >"$SCRATCH/$label.log" 2>&1 &
    PID=$!
    wait_port "$PID" "$port" || { echo "$label did not start" >&2; cat "$SCRATCH/$label.log" >&2; exit 1; }
    load "$port" "$CONNECTIONS" 200
    callgrind_control -z "$PID" >/dev/null 2>&1
    load "$port" "$CONNECTIONS" "$REQUESTS"
    callgrind_control -d "$PID" >/dev/null 2>&1
    kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
    # The dump made by -d is the one with a ".1" suffix (the exit writes the plain one).
    instr=$(awk '/^(summary|totals):/ { print $2; exit }' "$SCRATCH"/cg.*.1)
    rm -f "$SCRATCH"/cg.*

    port=$((20000 + RANDOM % 12000))
    "$bin" "$port" >"$SCRATCH/$label.log" 2>&1 &
    PID=$!
    wait_port "$PID" "$port" || { echo "$label did not start" >&2; exit 1; }
    load "$port" "$CONNECTIONS" 200
    before=$(switches "$PID")
    load "$port" "$CONNECTIONS" "$REQUESTS"
    after=$(switches "$PID")
    kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
    awk -v l="$label" -v i="$instr" -v b="$before" -v a="$after" -v n="$total" \
        'BEGIN { printf "%-16s %12.0f %12.2f\n", l, i / n, (a - b) / n }'
done
