#!/usr/bin/env bash
# Memory per idle keep-alive connection: each server (raw hyper and BENCH_ONLY, default all) gets
# COUNT connections (default 5000) that each had one `GET /` answered and then stay open
# and idle; the growth of the server's resident memory (VmRSS, /proc/PID/status) from
# before the first connection to when all of them are idle, divided by COUNT.
#
#   bash bench/idle.sh [COUNT (default 5000)]
#
# Needs `ulimit -n` above COUNT (it raises the soft limit if it can). Builds with
# `cargo build --release -p gateway-bench` and `-p gateway-bench-peers`; prints one line per server: KiB per connection.
set -euo pipefail

COUNT=${1:-5000}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# As in run.sh, BENCH_ONLY names the servers besides raw hyper, which always runs first.
read -r -a ONLY <<<"${BENCH_ONLY:-gateway-sync gateway-async gateway-routed axum actix}"
ONLY=(hyper "${ONLY[@]/hyper/}")
declare -A BIN=([hyper]=hyper-hello [gateway-sync]=gateway-hello-sync
    [gateway-async]=gateway-hello-async [gateway-routed]=gateway-hello-routed
    [axum]=axum-hello [actix]=actix-hello)
ulimit -n $((COUNT + 100)) 2>/dev/null || ulimit -n "$(ulimit -Hn)"
(($(ulimit -n) > COUNT + 20)) || { echo "ulimit -n is $(ulimit -n): too low for $COUNT connections" >&2; exit 1; }

cd "$ROOT"
cargo build --release -q -p gateway-bench
cargo build --release -q -p gateway-bench-peers # on its own: see bench/Cargo.toml
TARGET=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')/release
PID="" CLIENT=""
trap '[[ -n $CLIENT ]] && kill "$CLIENT" 2>/dev/null; [[ -n $PID ]] && kill "$PID" 2>/dev/null; true' EXIT
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

LINES=""
for label in "${ONLY[@]}"; do
    [[ -n $label ]] || continue
    port=$((20000 + RANDOM % 12000))
    "$TARGET/${BIN[$label]}" "$port" >/dev/null 2>&1 &
    PID=$!
    for ((i = 0; i < 50; i++)); do (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break; sleep 0.1; done
    sleep 0.5
    before=$(rss "$PID")
    coproc HOLD { "$TARGET/idle-connections" "$port" "$COUNT"; }
    CLIENT=$HOLD_PID
    read -r ready <&"${HOLD[0]}" || ready=""
    if [[ $ready == ready ]]; then
        sleep 1 # let the server settle: every connection idle
        after=$(rss "$PID")
        LINES+="$label $before $after"$'\n'
    else
        echo "$label: failed to open $COUNT connections" >&2
    fi
    kill "$CLIENT" 2>/dev/null || true; wait "$CLIENT" 2>/dev/null || true; CLIENT=""
    kill "$PID"; wait "$PID" 2>/dev/null || true; PID=""
done

echo "Idle keep-alive connections: $COUNT, each after one GET /; resident memory (VmRSS) growth"
printf '%s' "$LINES" | awk -v n="$COUNT" '
    { label[NR] = $1; before[NR] = $2; after[NR] = $3; per[NR] = ($3 - $2) / n
      if ($1 == "hyper") hyper = per[NR] }
    END {
        printf "%-16s %10s %10s %9s %6s\n", "server", "RSS KiB", "idle KiB", "KiB/conn", "vs hy"
        for (i = 1; i <= NR; i++)
            printf "%-16s %10d %10d %9.1f %6s\n", label[i], before[i], after[i], per[i],
                (hyper > 0 ? sprintf("%.2f", per[i] / hyper) : "-")
    }'
