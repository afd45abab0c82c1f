#!/usr/bin/env bash
# Benchmark the gateway hello application against raw hyper and axum.
#
#   bash bench/run.sh [SECONDS_PER_RUN (default 10)] [ROUNDS (default 3)]
#
# Builds the servers in bench/ (`cargo build --release -p gateway-bench`; honours
# CARGO_TARGET_DIR), then, each round, runs every server in turn on a free 127.0.0.1 port:
# 2 s of wrk warm-up, then `wrk -t1 -c64 -d${SECONDS_PER_RUN}s --latency`. It records
# requests/s, p50 and p99 latency and the server's peak RSS (VmHWM), prints a table per
# round and a summary (medians, and each server's requests/s relative to raw hyper), and
# writes the summary to bench/results/latest.txt.
#
# Environment:
#   BENCH_WORKERS     worker threads for every server (default: the runtime's default,
#                     one per core); applied identically to all of them.
#   CARGO_TARGET_DIR  where cargo builds (default: the workspace's target/).
#
# Installs wrk with apt-get if it is missing. Only ever talks to 127.0.0.1. Every server it
# starts it stops by PID, also on Ctrl-C or error.
set -euo pipefail
export LC_ALL=C

usage() {
    echo "usage: bash bench/run.sh [SECONDS_PER_RUN (default 10)] [ROUNDS (default 3)]" >&2
    exit 2
}
die() {
    echo "run.sh: $*" >&2
    exit 1
}

DURATION=${1:-10}
ROUNDS=${2:-3}
[[ $# -le 2 ]] || usage
[[ $DURATION =~ ^[1-9][0-9]*$ ]] || usage
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || usage
if [[ -n ${BENCH_WORKERS:-} ]]; then
    [[ $BENCH_WORKERS =~ ^[1-9][0-9]*$ ]] || die "BENCH_WORKERS must be a positive integer, got '$BENCH_WORKERS'"
    export BENCH_WORKERS
fi

WARMUP=2        # seconds of wrk before each measured run
CONNECTIONS=64  # wrk -c
WRK_THREADS=1   # wrk -t: with 2 cores, wrk and the server share the CPU
HOST=127.0.0.1  # the only address this script ever talks to
EXPECTED_BODY='<h1>Hello, Web!</h1>'

# Run order; label and binary name.
LABELS=(hyper gateway-sync gateway-routed gateway-async axum)
declare -A BIN=(
    [hyper]=hyper-hello
    [gateway-sync]=gateway-hello-sync
    [gateway-routed]=gateway-hello-routed
    [gateway-async]=gateway-hello-async
    [axum]=axum-hello
)

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
RESULTS=$BENCH_DIR/results
mkdir -p "$RESULTS"
cd "$ROOT"

# ---------------------------------------------------------------------------------------
# Stopping servers: only the PID this script started, also on exit, error or Ctrl-C.

SERVER_PID=""

stop_server() {
    local pid=$1 i
    kill "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do # up to 5 s for a graceful exit
        alive "$pid" || break
        sleep 0.1
    done
    if alive "$pid"; then
        echo "  (pid $pid did not exit 5 s after SIGTERM; sending SIGKILL)" >&2
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

REPORT=""

cleanup() {
    if [[ -n $SERVER_PID ]]; then
        stop_server "$SERVER_PID"
        SERVER_PID=""
    fi
    if [[ -n $REPORT && -f $REPORT ]]; then
        rm -f "$REPORT"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# True while the process exists and is not a zombie.
alive() {
    [[ -r /proc/$1/status ]] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

# ---------------------------------------------------------------------------------------
# Tools.

if ! command -v wrk >/dev/null 2>&1; then
    echo "wrk not found; installing it with apt-get"
    SUDO=""
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null 2>&1 || die "wrk is missing and we are not root: install wrk"
        SUDO=sudo
    fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get install -y wrk || { $SUDO apt-get update && $SUDO apt-get install -y wrk; } ||
        die "could not install wrk"
    command -v wrk >/dev/null 2>&1 || die "wrk still not on PATH after installing it"
fi
command -v cargo >/dev/null 2>&1 || die "cargo not found: install the Rust toolchain (https://rustup.rs)"

# ---------------------------------------------------------------------------------------
# Build.

METADATA=$(cargo metadata --format-version 1 --no-deps) || die "cargo metadata failed in $ROOT"
grep -q '"name":"gateway-bench"' <<<"$METADATA" ||
    die "gateway-bench is not a workspace member: add \"bench\" to [workspace] members in $ROOT/Cargo.toml"
TARGET_DIR=$(sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p' <<<"$METADATA")
[[ -n $TARGET_DIR ]] || die "could not find the target directory in cargo metadata"
BIN_DIR=$TARGET_DIR/release

BUILD_LOG=$RESULTS/build.log
declare -A BUILT=()
declare -A SKIP_REASON=()

show_errors() { # the first few compiler errors of the build log, indented
    grep -E '^error' "$BUILD_LOG" | grep -v '^error: could not compile' | head -n 5 | sed 's/^/    /' || true
}

echo "Building the benchmark servers (cargo build --release -p gateway-bench; log: ${BUILD_LOG#"$ROOT"/})"
if cargo build --release -p gateway-bench >"$BUILD_LOG" 2>&1; then
    for label in "${LABELS[@]}"; do BUILT[$label]=1; done
else
    echo "  the full build failed; building each server on its own:"
    show_errors
    for label in gateway-sync gateway-routed gateway-async; do
        if cargo build --release -p gateway-bench --bin "${BIN[$label]}" >>"$BUILD_LOG" 2>&1; then
            BUILT[$label]=1
        else
            SKIP_REASON[$label]="binary ${BIN[$label]} failed to build"
        fi
    done
    # The baselines without the gateway crate, in case the gateway crate itself is what fails.
    for label in hyper axum; do
        if cargo build --release -p gateway-bench --no-default-features --bin "${BIN[$label]}" >>"$BUILD_LOG" 2>&1; then
            BUILT[$label]=1
        else
            SKIP_REASON[$label]="binary ${BIN[$label]} failed to build"
        fi
    done
fi
for label in "${LABELS[@]}"; do
    if [[ -n ${BUILT[$label]:-} ]]; then
        [[ -x $BIN_DIR/${BIN[$label]} ]] || { unset "BUILT[$label]"; SKIP_REASON[$label]="$BIN_DIR/${BIN[$label]} not found after building"; }
    fi
    if [[ -z ${BUILT[$label]:-} ]]; then
        echo "  SKIPPING $label: ${SKIP_REASON[$label]} (see ${BUILD_LOG#"$ROOT"/})"
    fi
done

# ---------------------------------------------------------------------------------------
# Helpers for one run.

# A port nothing on 127.0.0.1 is listening on, below the usual ephemeral range.
free_port() {
    local i port
    for ((i = 0; i < 100; i++)); do
        port=$((20000 + RANDOM % 12000))
        if ! (exec 3<>"/dev/tcp/$HOST/$port") 2>/dev/null; then
            echo "$port"
            return 0
        fi
    done
    return 1
}

# Waits (50 x 100 ms) until $2 accepts connections while process $1 is alive.
wait_ready() {
    local pid=$1 port=$2 i
    for ((i = 0; i < 50; i++)); do
        alive "$pid" || return 1
        if (exec 3<>"/dev/tcp/$HOST/$port") 2>/dev/null; then
            return 0
        fi
        sleep 0.1
    done
    return 1
}

# One `GET /` over bash's /dev/tcp (no curl needed); prints the raw response.
http_get() {
    # shellcheck disable=SC2016 # $1 and $2 expand in the inner bash
    timeout 5 bash -c '
        exec 3<>"/dev/tcp/$1/$2" || exit 1
        printf "GET / HTTP/1.1\r\nHost: %s:%s\r\nConnection: close\r\n\r\n" "$1" "$2" >&3
        cat <&3' _ "$HOST" "$1" 2>/dev/null || true
}

# wrk latency ("850.00us", "1.23ms", "1.02s", "2.00m") in milliseconds.
to_ms() {
    awk -v v="$1" 'BEGIN {
        n = v + 0; u = v; sub(/^[0-9.]+/, "", u)
        if (u == "us") n /= 1000; else if (u == "s") n *= 1000; else if (u == "m") n *= 60000
        else if (u != "ms") { print "nan"; exit }
        printf "%.3f\n", n }'
}

# Median of the arguments (empty output for none).
median() {
    (($# > 0)) || return 0
    printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 }
        END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.6f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

fmt_rps() { [[ -n $1 ]] && printf '%.0f' "$1" || printf -- '-'; }
fmt_ms() { [[ -n $1 ]] && printf '%.2f ms' "$1" || printf -- '-'; }
fmt_mib() { [[ -n $1 ]] && awk -v k="$1" 'BEGIN { printf "%.1f MiB", k / 1024 }' || printf -- '-'; }
fmt_ratio() { [[ -n $1 ]] && printf '%.2fx' "$1" || printf -- '-'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.6f\n", a / b }'; }

# Results, keyed "label,round".
declare -A RPS=() P50=() P99=() RSS=() ERRS=() NOTE=()

# Runs one server for one round and records its numbers.
run_one() {
    local label=$1 round=$2 bin=$BIN_DIR/${BIN[$1]} key="$1,$2"
    local log=$RESULTS/server-$label.log port="" attempt out errors

    for ((attempt = 0; attempt < 3; attempt++)); do
        port=$(free_port) || { NOTE[$key]="no free port"; return 0; }
        "$bin" "$port" >"$log" 2>&1 &
        SERVER_PID=$!
        if wait_ready "$SERVER_PID" "$port"; then
            break
        fi
        stop_server "$SERVER_PID"
        SERVER_PID=""
    done
    if [[ -z $SERVER_PID ]]; then
        NOTE[$key]="did not start (see ${log#"$ROOT"/})"
        echo "  $label: did not start; last lines of its log:" >&2
        tail -n 5 "$log" | sed 's/^/    /' >&2
        return 0
    fi

    local response
    response=$(http_get "$port")
    if [[ $response != "HTTP/1.1 200"* || $response != *"$EXPECTED_BODY"* ]]; then
        NOTE[$key]="wrong answer to GET / (not 200 + $EXPECTED_BODY)"
        echo "  $label: GET / did not answer 200 with $EXPECTED_BODY; got:" >&2
        head -c 400 <<<"$response" | sed 's/^/    /' >&2
        stop_server "$SERVER_PID"
        SERVER_PID=""
        return 0
    fi

    local url="http://$HOST:$port/"
    timeout $((WARMUP + 30)) wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${WARMUP}s" "$url" >/dev/null 2>&1 || true
    out=$(timeout $((DURATION + 60)) wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency "$url" 2>&1) || true

    if alive "$SERVER_PID"; then
        RSS[$key]=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SERVER_PID/status" 2>/dev/null || true)
    else
        NOTE[$key]="server exited during the run (see ${log#"$ROOT"/})"
    fi
    stop_server "$SERVER_PID"
    SERVER_PID=""

    RPS[$key]=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
    local p50 p99
    p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
    p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
    [[ -n $p50 ]] && P50[$key]=$(to_ms "$p50")
    [[ -n $p99 ]] && P99[$key]=$(to_ms "$p99")
    # Socket errors (connect/read/write/timeout) plus non-2xx/3xx responses.
    errors=$(awk '/^  Socket errors:/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 }
                  /^  Non-2xx or 3xx responses:/ { n += $5 }
                  END { print n + 0 }' <<<"$out")
    ERRS[$key]=$errors
    if [[ -z ${RPS[$key]} ]]; then
        unset "RPS[$key]"
        NOTE[$key]="${NOTE[$key]:-no wrk result}"
        echo "  $label: wrk gave no result:" >&2
        head -n 20 <<<"$out" | sed 's/^/    /' >&2
    fi
    return 0
}

# ---------------------------------------------------------------------------------------
# Report: everything printed through `say` also goes to bench/results/latest.txt.

REPORT=$(mktemp "$RESULTS/.latest.XXXXXX")
say() { printf '%s\n' "$*" | sed 's/[[:space:]]*$//' | tee -a "$REPORT"; }

TABLE_FMT='%-14s %12s %11s %11s %11s %7s %9s  %s'

commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ $commit != unknown ]] && [[ -n $(git -C "$ROOT" status --porcelain 2>/dev/null) ]]; then
    commit="$commit (uncommitted changes)"
fi
cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)

say ""
say "gateway benchmark, $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
say "  commit:   $commit"
say "  machine:  $(nproc) cores${cpu:+, $cpu}; $(uname -sr)"
say "  rustc:    $(rustc --version 2>/dev/null || echo unknown)"
say "  load:     $(wrk --version 2>&1 | head -n 1 | awk '{ print $1, $2 }'), -t$WRK_THREADS -c$CONNECTIONS, ${WARMUP}s warm-up + ${DURATION}s measured, GET http://$HOST:PORT/, $ROUNDS round(s)"
say "  workers:  ${BENCH_WORKERS:-runtime default} (BENCH_WORKERS)"
for label in "${LABELS[@]}"; do
    [[ -n ${BUILT[$label]:-} ]] || say "  skipped:  $label (${SKIP_REASON[$label]})"
done

for ((round = 1; round <= ROUNDS; round++)); do
    echo ""
    echo "round $round/$ROUNDS: running servers..."
    for label in "${LABELS[@]}"; do
        [[ -n ${BUILT[$label]:-} ]] || continue
        echo "  $label"
        run_one "$label" "$round"
    done

    say ""
    say "Round $round/$ROUNDS"
    # shellcheck disable=SC2059
    say "$(printf "$TABLE_FMT" server 'req/s' p50 p99 'peak RSS' errors 'vs hyper' '')"
    for label in "${LABELS[@]}"; do
        key="$label,$round"
        if [[ -z ${BUILT[$label]:-} ]]; then
            # shellcheck disable=SC2059
            say "$(printf "$TABLE_FMT" "$label" - - - - - - 'skipped (not built)')"
            continue
        fi
        rel=""
        if [[ -n ${RPS[$key]:-} && -n ${RPS[hyper,$round]:-} ]]; then
            rel=$(ratio "${RPS[$key]}" "${RPS[hyper,$round]}")
        fi
        # shellcheck disable=SC2059
        say "$(printf "$TABLE_FMT" "$label" "$(fmt_rps "${RPS[$key]:-}")" "$(fmt_ms "${P50[$key]:-}")" \
            "$(fmt_ms "${P99[$key]:-}")" "$(fmt_mib "${RSS[$key]:-}")" "${ERRS[$key]:--}" \
            "$(fmt_ratio "$rel")" "${NOTE[$key]:-}")"
    done
done

say ""
say "Summary over $ROUNDS round(s): medians; peak RSS is the highest VmHWM seen; 'vs hyper' is the"
say "median over rounds of (requests/s of the server / requests/s of raw hyper in the same round)"
# shellcheck disable=SC2059
say "$(printf "$TABLE_FMT" server 'req/s' p50 p99 'peak RSS' errors 'vs hyper' '')"
for label in "${LABELS[@]}"; do
    if [[ -z ${BUILT[$label]:-} ]]; then
        # shellcheck disable=SC2059
        say "$(printf "$TABLE_FMT" "$label" - - - - - - 'skipped (not built)')"
        continue
    fi
    rps=() p50=() p99=() rels=() rss_max="" errs=0 runs=0
    for ((round = 1; round <= ROUNDS; round++)); do
        key="$label,$round"
        [[ -n ${RPS[$key]:-} ]] || continue
        runs=$((runs + 1))
        rps+=("${RPS[$key]}")
        [[ -n ${P50[$key]:-} ]] && p50+=("${P50[$key]}")
        [[ -n ${P99[$key]:-} ]] && p99+=("${P99[$key]}")
        errs=$((errs + ${ERRS[$key]:-0}))
        rss=${RSS[$key]:-}
        if [[ -n $rss ]] && { [[ -z $rss_max ]] || ((rss > rss_max)); }; then
            rss_max=$rss
        fi
        if [[ $label != hyper && -n ${RPS[hyper,$round]:-} ]]; then
            rels+=("$(ratio "${RPS[$key]}" "${RPS[hyper,$round]}")")
        fi
    done
    if ((runs == 0)); then
        # shellcheck disable=SC2059
        say "$(printf "$TABLE_FMT" "$label" - - - - - - 'no successful run')"
        continue
    fi
    rel=""
    [[ $label == hyper ]] && rel=1
    ((${#rels[@]} > 0)) && rel=$(median "${rels[@]}")
    note=""
    ((runs < ROUNDS)) && note="$runs of $ROUNDS rounds ran"
    # shellcheck disable=SC2059
    say "$(printf "$TABLE_FMT" "$label" "$(fmt_rps "$(median "${rps[@]}")")" \
        "$(fmt_ms "$(median ${p50[@]+"${p50[@]}"})")" "$(fmt_ms "$(median ${p99[@]+"${p99[@]}"})")" \
        "$(fmt_mib "$rss_max")" "$errs" "$(fmt_ratio "$rel")" "$note")"
done

say ""
say "Ratios (median of per-round requests/s ratios; 1.00x = as fast as raw hyper):"
for label in gateway-sync gateway-routed gateway-async axum; do
    rels=()
    for ((round = 1; round <= ROUNDS; round++)); do
        if [[ -n ${RPS[$label,$round]:-} && -n ${RPS[hyper,$round]:-} ]]; then
            rels+=("$(ratio "${RPS[$label,$round]}" "${RPS[hyper,$round]}")")
        fi
    done
    if ((${#rels[@]} > 0)); then
        say "$(printf '  %-22s %s' "$label/hyper" "$(fmt_ratio "$(median "${rels[@]}")")")"
    else
        say "$(printf '  %-22s %s' "$label/hyper" "n/a (no round with both)")"
    fi
done
# What the 100-route table costs: the routed server against the same app unrouted.
rels=()
for ((round = 1; round <= ROUNDS; round++)); do
    if [[ -n ${RPS[gateway-routed,$round]:-} && -n ${RPS[gateway-sync,$round]:-} ]]; then
        rels+=("$(ratio "${RPS[gateway-routed,$round]}" "${RPS[gateway-sync,$round]}")")
    fi
done
if ((${#rels[@]} > 0)); then
    routed=$(median "${rels[@]}")
    say "$(printf '  %-22s %s' "gateway-routed/gateway-sync" \
        "$(awk -v r="$routed" 'BEGIN { printf "%.3fx (routing through 100 routes: %+.1f%% requests/s)", r, (r - 1) * 100 }')")"
else
    say "$(printf '  %-22s %s' "gateway-routed/gateway-sync" "n/a (no round with both)")"
fi

chmod 644 "$REPORT"
mv -f "$REPORT" "$RESULTS/latest.txt"
echo ""
echo "Summary written to ${RESULTS#"$ROOT"/}/latest.txt"
