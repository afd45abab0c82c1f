#!/usr/bin/env bash
# Benchmark the gateway hello application against raw hyper, axum and actix-web.
#
#   bash bench/run.sh [SECONDS_PER_RUN (default 5)] [ROUNDS (default 3)]
#
# Builds the servers in bench/ (`cargo build --release -p gateway-bench`, then
# `-p gateway-bench-peers` on its own: see bench/Cargo.toml; honours CARGO_TARGET_DIR). Each round then runs every section (below) in turn; a section runs raw
# hyper, every other server, and raw hyper again (the noise control), each on a free
# 127.0.0.1 port: a check that `GET /` answers the hello, BENCH_WARMUP seconds of load, then
# SECONDS_PER_RUN measured seconds, with the server's CPU time (utime + stime from
# /proc/PID/stat) read right before and right after. Every run is one line of
# bench/results/<UTC time>.tsv; bench/report.awk turns that file into the tables, also
# written to bench/results/<UTC time>.txt.
#
# Sections (BENCH_SECTIONS, default "h1-pinned h1-unpinned h2-pinned"):
#   h1-*   HTTP/1.1 keep-alive: wrk -t1 -c64 --latency
#   h2-*   cleartext HTTP/2 with prior knowledge: h2load -c64 -m10 (one thread)
#   *-pinned    server on CPU 0, load generator on CPU 1 (taskset): each has a core
#   *-unpinned  both free: they share the cores, as on a small machine without tuning
#
# Environment:
#   BENCH_WARMUP      seconds of load before each measured run (default 2; 0 for none)
#   BENCH_SECTIONS    the sections to run, in this order (default above)
#   BENCH_ONLY        only these servers (space-separated labels), besides raw hyper
#   BENCH_WORKERS     worker threads for every server (default: the runtime's default,
#                     one per core the process may run on, so 1 when pinned)
#   BENCH_IDLE        idle keep-alive connections per server for the memory table at the
#                     end (bench/idle.sh; default 5000, 0 skips it)
#   CARGO_TARGET_DIR  where cargo builds (default: the workspace's target/)
#
# Installs wrk and h2load (Debian's nghttp2-client) with apt-get if they are missing. Only
# ever talks to 127.0.0.1. Every server it starts it stops by PID, also on Ctrl-C or error.
set -euo pipefail
export LC_ALL=C

usage() {
    echo "usage: bash bench/run.sh [SECONDS_PER_RUN (default 5)] [ROUNDS (default 3)]" >&2
    exit 2
}
die() {
    echo "run.sh: $*" >&2
    exit 1
}

DURATION=${1:-5}
ROUNDS=${2:-3}
[[ $# -le 2 ]] || usage
[[ $DURATION =~ ^[1-9][0-9]*$ ]] || usage
[[ $ROUNDS =~ ^[1-9][0-9]*$ ]] || usage
WARMUP=${BENCH_WARMUP:-2}
[[ $WARMUP =~ ^[0-9]+$ ]] || die "BENCH_WARMUP must be a whole number of seconds, got '$WARMUP'"
IDLE=${BENCH_IDLE:-5000}
[[ $IDLE =~ ^[0-9]+$ ]] || die "BENCH_IDLE must be a whole number of connections, got '$IDLE'"
if [[ -n ${BENCH_WORKERS:-} ]]; then
    [[ $BENCH_WORKERS =~ ^[1-9][0-9]*$ ]] || die "BENCH_WORKERS must be a positive integer, got '$BENCH_WORKERS'"
    export BENCH_WORKERS
fi
read -r -a SECTIONS <<<"${BENCH_SECTIONS:-h1-pinned h1-unpinned h2-pinned}"
for section in "${SECTIONS[@]}"; do
    [[ $section =~ ^h[12]-(pinned|unpinned)$ ]] ||
        die "BENCH_SECTIONS: '$section' is not one of h1-pinned h1-unpinned h2-pinned h2-unpinned"
done
((${#SECTIONS[@]} > 0)) || die "BENCH_SECTIONS is empty"

CONNECTIONS=64  # wrk -c, h2load -c
WRK_THREADS=1   # wrk -t: one load thread, so pinned it fits its one core
H2_STREAMS=10   # h2load -m: concurrent streams per connection
SERVER_CPU=0    # pinned sections: the server's core...
LOAD_CPU=1      # ...and the load generator's
HOST=127.0.0.1  # the only address this script ever talks to
EXPECTED_BODY='<h1>Hello, Web!</h1>'

# Run order within a section (raw hyper comes again at the end); label and binary name.
LABELS=(gateway-sync gateway-handoff gateway-logged gateway-routed gateway-async axum actix)
H2_LABELS=(gateway-sync gateway-handoff gateway-async axum actix) # the routed app adds nothing HTTP/2-specific
declare -A BIN=(
    [hyper]=hyper-hello
    [gateway-sync]=gateway-hello-sync
    [gateway-handoff]=gateway-hello-handoff
    [gateway-logged]=gateway-hello-logged
    [gateway-routed]=gateway-hello-routed
    [gateway-async]=gateway-hello-async
    [axum]=axum-hello
    [actix]=actix-hello
)
if [[ -n ${BENCH_ONLY:-} ]]; then
    read -r -a only <<<"$BENCH_ONLY"
    for label in "${only[@]}"; do
        [[ $label == hyper || -n ${BIN[$label]:-} ]] || die "BENCH_ONLY: no server '$label' (one of ${!BIN[*]})"
    done
    keep() { # the labels among "$@" that BENCH_ONLY names
        local label
        for label in "$@"; do
            [[ " ${only[*]} " == *" $label "* ]] && echo "$label"
        done
        return 0
    }
    mapfile -t LABELS < <(keep "${LABELS[@]}")
    mapfile -t H2_LABELS < <(keep "${H2_LABELS[@]}")
fi

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$BENCH_DIR/.." && pwd)
RESULTS=$BENCH_DIR/results
mkdir -p "$RESULTS"
cd "$ROOT"

# ---------------------------------------------------------------------------------------
# Stopping servers: only the PID this script started, also on exit, error or Ctrl-C.

SERVER_PID=""

# True while the process exists and is not a zombie.
alive() {
    [[ -r /proc/$1/status ]] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null
}

stop_server() { # pid [label and log file, for the message]
    local pid=$1 what=${2:+$2, } i
    kill "$pid" 2>/dev/null || true
    for ((i = 0; i < 50; i++)); do # up to 5 s for a graceful exit
        alive "$pid" || break
        sleep 0.1
    done
    if alive "$pid"; then
        echo "  (${what}pid $pid did not exit 5 s after SIGTERM; sending SIGKILL)" >&2
        # What it was doing: its threads (name, state, kernel wait) and its last log lines.
        for task in /proc/"$pid"/task/*; do
            echo "    thread $(cat "$task/comm" 2>/dev/null) $(awk '{print $3}' "$task/stat" 2>/dev/null) $(cat "$task/wchan" 2>/dev/null)"
        done | sort | uniq -c >&2
        { grep -E '^(State|Threads)' "/proc/$pid/status" 2>/dev/null || true; } | sed 's/^/    /' >&2
        for task in /proc/"$pid"/task/*; do
            { head -n 6 "$task/stack" 2>/dev/null || true; } | sed "s/^/    kernel ${task##*/}: /" >&2
        done
        [[ -n ${3:-} ]] && tail -n 3 "$3" | sed 's/^/    log: /' >&2
        kill -KILL "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

SCRATCH=$(mktemp -d)
# The access-logged server's file: in the scratch directory (removed at exit), emptied before
# each start (a run writes tens of MB; the default in /tmp was never removed and grew by
# every run).
export BENCH_ACCESS_LOG=$SCRATCH/access.log
cleanup() {
    if [[ -n $SERVER_PID ]]; then
        stop_server "$SERVER_PID"
        SERVER_PID=""
    fi
    rm -rf "$SCRATCH"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------------------------------------------------
# Tools.

# Installs Debian package $2 if command $1 is missing (apt-get update only if that fails).
need() {
    local command=$1 package=$2 sudo=""
    command -v "$command" >/dev/null 2>&1 && return 0
    echo "$command not found; installing $package with apt-get"
    if [[ $(id -u) -ne 0 ]]; then
        command -v sudo >/dev/null 2>&1 || die "$command is missing and we are not root: install $package"
        sudo=sudo
    fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get install -y "$package" || { $sudo apt-get update && $sudo apt-get install -y "$package"; } ||
        die "could not install $package"
    command -v "$command" >/dev/null 2>&1 || die "$command still not on PATH after installing $package"
}

[[ " ${SECTIONS[*]}" == *" h1-"* ]] && need wrk wrk
[[ " ${SECTIONS[*]}" == *" h2-"* ]] && need h2load nghttp2-client
if [[ " ${SECTIONS[*]}" == *-pinned* ]]; then
    need taskset util-linux
    if ! taskset -c "$SERVER_CPU" true 2>/dev/null || ! taskset -c "$LOAD_CPU" true 2>/dev/null; then
        echo "CPUs $SERVER_CPU and $LOAD_CPU are not both usable here: skipping the pinned sections"
        mapfile -t SECTIONS < <(printf '%s\n' "${SECTIONS[@]}" | grep -v -- -pinned || true)
        ((${#SECTIONS[@]} > 0)) || die "no section left to run"
    fi
fi
command -v cargo >/dev/null 2>&1 || die "cargo not found: install the Rust toolchain (https://rustup.rs)"
CLK_TCK=$(getconf CLK_TCK)

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

echo "Building the benchmark servers (cargo build --release -p gateway-bench, then -p gateway-bench-peers; log: ${BUILD_LOG#"$ROOT"/})"
# Two commands, never one: see bench/Cargo.toml.
if cargo build --release -p gateway-bench >"$BUILD_LOG" 2>&1 &&
    cargo build --release -p gateway-bench-peers >>"$BUILD_LOG" 2>&1; then
    for label in "${!BIN[@]}"; do BUILT[$label]=1; done
else
    echo "  the full build failed; building each server on its own:"
    show_errors
    for label in gateway-sync gateway-handoff gateway-logged gateway-routed gateway-async; do
        if cargo build --release -p gateway-bench --bin "${BIN[$label]}" >>"$BUILD_LOG" 2>&1; then
            BUILT[$label]=1
        else
            SKIP_REASON[$label]="binary ${BIN[$label]} failed to build"
        fi
    done
    # The baselines without the gateway crate, in case the gateway crate itself is what fails.
    for label in hyper axum actix; do
        package=gateway-bench-peers
        [[ $label == hyper ]] && package="gateway-bench --no-default-features"
        # shellcheck disable=SC2086 # $package is a package and its flag
        if cargo build --release -p $package --bin "${BIN[$label]}" >>"$BUILD_LOG" 2>&1; then
            BUILT[$label]=1
        else
            SKIP_REASON[$label]="binary ${BIN[$label]} failed to build"
        fi
    done
fi
for label in "${!BIN[@]}"; do
    if [[ -n ${BUILT[$label]:-} ]]; then
        [[ -x $BIN_DIR/${BIN[$label]} ]] || { unset "BUILT[$label]"; SKIP_REASON[$label]="$BIN_DIR/${BIN[$label]} not found after building"; }
    fi
    if [[ -z ${BUILT[$label]:-} ]]; then
        echo "  SKIPPING $label: ${SKIP_REASON[$label]} (see ${BUILD_LOG#"$ROOT"/})"
    fi
done
[[ -n ${BUILT[hyper]:-} ]] || die "raw hyper, the reference of every ratio, did not build"

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
        else if (u != "ms") { print "-"; exit }
        printf "%.3f\n", n }'
}

# utime + stime of process $1 (all its threads, also those that ended), in clock ticks.
# The command name in field 2 may hold spaces, so fields are counted after its ')'.
cpu_ticks() {
    awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat" 2>/dev/null
}

# The load generator command for section $1 against $2 for $3 seconds.
load_command() {
    local section=$1 url=$2 seconds=$3
    LOAD=()
    [[ $section == *-pinned ]] && LOAD=(taskset -c "$LOAD_CPU")
    if [[ $section == h1-* ]]; then
        LOAD+=(wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${seconds}s" --latency "$url")
    else
        LOAD+=(h2load -c "$CONNECTIONS" -m "$H2_STREAMS" -D "$seconds" "$url")
    fi
}

RESULTS_TSV=""  # set below, once the run's time stamp is known
COLUMNS_TSV='round	mode	protocol	server	req_s	p50_ms	p99_ms	cpu_us_per_req	rss_kib	threads	loadgen_cpu_us_per_req	requests	errors	note'

# Appends one run to the results file: "$@" are the columns after round/mode/protocol/server.
record() {
    local IFS=$'\t'
    echo "$*" >>"$RESULTS_TSV"
}

# Runs server $3 (a label; "hyper-last" is raw hyper's second run) in section $1, round $2,
# and records one line.
run_one() {
    local section=$1 round=$2 label=$3 binary_label=${3%-last}
    local bin=$BIN_DIR/${BIN[$binary_label]} mode=${1#*-} protocol=${1%%-*}
    local log=$RESULTS/server-$label.log port="" attempt
    local -a fields=("$round" "$mode" "$protocol" "$label")
    local -a launch=()
    [[ $mode == pinned ]] && launch=(taskset -c "$SERVER_CPU")

    : >"$BENCH_ACCESS_LOG"
    for ((attempt = 0; attempt < 3; attempt++)); do
        port=$(free_port) || { record "${fields[@]}" - - - - - - - - - "no free port"; return 0; }
        # taskset execs the server, so $! is the server's own PID.
        "${launch[@]}" "$bin" "$port" >"$log" 2>&1 &
        SERVER_PID=$!
        if wait_ready "$SERVER_PID" "$port"; then
            break
        fi
        stop_server "$SERVER_PID" "$label" "$log"
        SERVER_PID=""
    done
    if [[ -z $SERVER_PID ]]; then
        echo "    $label did not start; last lines of its log:" >&2
        tail -n 5 "$log" | sed 's/^/      /' >&2
        record "${fields[@]}" - - - - - - - - - "did not start"
        return 0
    fi

    local response
    response=$(http_get "$port")
    if [[ $response != "HTTP/1.1 200"* || $response != *"$EXPECTED_BODY"* ]]; then
        echo "    $label: GET / did not answer 200 with $EXPECTED_BODY; got:" >&2
        head -c 400 <<<"$response" | sed 's/^/      /' >&2
        stop_server "$SERVER_PID" "$label" "$log"
        SERVER_PID=""
        record "${fields[@]}" - - - - - - - - - "wrong answer to GET /"
        return 0
    fi

    local url="http://$HOST:$port/" out=$SCRATCH/load.out times=$SCRATCH/load.times
    if ((WARMUP > 0)); then
        load_command "$section" "$url" "$WARMUP"
        timeout $((WARMUP + 30)) "${LOAD[@]}" >/dev/null 2>&1 || true
    fi
    load_command "$section" "$url" "$DURATION"
    local ticks_before ticks_after
    ticks_before=$(cpu_ticks "$SERVER_PID")
    # bash's `time` gives the load generator's own CPU time (user and system seconds).
    local TIMEFORMAT='%3U %3S'
    { time timeout $((DURATION + 60)) "${LOAD[@]}" >"$out" 2>&1; } 2>"$times" || true
    ticks_after=$(cpu_ticks "$SERVER_PID")

    local rss="-" threads="-" note=""
    if alive "$SERVER_PID"; then
        rss=$(awk '/^VmHWM:/ { print $2 }' "/proc/$SERVER_PID/status" 2>/dev/null || echo -)
        threads=$(awk '/^Threads:/ { print $2 }' "/proc/$SERVER_PID/status" 2>/dev/null || echo -)
    else
        note="server exited during the run"
    fi
    stop_server "$SERVER_PID" "$label" "$log"
    SERVER_PID=""

    local rps requests errors p50="-" p99="-"
    if [[ $protocol == h1 ]]; then
        rps=$(awk '/^Requests\/sec:/ { print $2 }' "$out")
        requests=$(awk '$2 == "requests" && $3 == "in" { print $1 }' "$out")
        p50=$(awk '$1 == "50%" { print $2 }' "$out")
        p99=$(awk '$1 == "99%" { print $2 }' "$out")
        [[ -n $p50 ]] && p50=$(to_ms "$p50") || p50="-"
        [[ -n $p99 ]] && p99=$(to_ms "$p99") || p99="-"
        # Socket errors (connect/read/write/timeout) plus non-2xx/3xx responses.
        errors=$(awk '/^  Socket errors:/ { gsub(/,/, ""); n += $4 + $6 + $8 + $10 }
                      /^  Non-2xx or 3xx responses:/ { n += $5 }
                      END { print n + 0 }' "$out")
    else
        # h2load: "finished in 5.00s, 95049.80 req/s, ..." and
        # "requests: N total, N started, N done, N succeeded, N failed, N errored, N timeout"
        rps=$(awk '/^finished in/ { print $4 }' "$out")
        requests=$(awk '/^requests:/ { print $8 }' "$out")
        errors=$(awk '/^requests:/ { n = $10 + $12 + $14 } /^status codes:/ { n += $7 + $9 }
                      END { print n + 0 }' "$out")
    fi
    if [[ -z $rps || -z $requests || $requests == 0 ]]; then
        echo "    $label: the load generator gave no result:" >&2
        head -n 20 "$out" | sed 's/^/      /' >&2
        record "${fields[@]}" - - - - "$rss" "$threads" - - - "${note:-no load generator result}"
        return 0
    fi
    local cpu lg_cpu
    cpu=$(awk -v a="$ticks_before" -v b="$ticks_after" -v hz="$CLK_TCK" -v n="$requests" \
        'BEGIN { if (a == "" || b == "") print "-"; else printf "%.3f\n", (b - a) / hz * 1e6 / n }')
    lg_cpu=$(awk -v n="$requests" '{ printf "%.3f\n", ($1 + $2) * 1e6 / n }' "$times")
    record "${fields[@]}" "$rps" "$p50" "$p99" "$cpu" "$rss" "$threads" "${lg_cpu:--}" "$requests" "$errors" "$note"
}

# ---------------------------------------------------------------------------------------
# The run.

STAMP=$(date -u '+%Y-%m-%dT%H%M%SZ')
RESULTS_TSV=$RESULTS/$STAMP.tsv
REPORT=$RESULTS/$STAMP.txt

commit=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ $commit != unknown ]] && [[ -n $(git -C "$ROOT" status --porcelain 2>/dev/null) ]]; then
    commit="$commit (uncommitted changes)"
fi
cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null || true)
tools=""
# (wrk --version exits 1 after printing its version)
command -v wrk >/dev/null 2>&1 && tools="$( (wrk --version 2>&1 || true) | awk 'NR == 1 { print $1, $2 }')"
command -v h2load >/dev/null 2>&1 && tools="${tools:+$tools, }$( (h2load --version 2>&1 || true) | head -n 1)"
{
    echo "# gateway benchmark, $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
    echo "# commit:   $commit"
    echo "# machine:  $(nproc) cores${cpu_model:+, $cpu_model}; $(uname -sr); load average $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "# rustc:    $(rustc --version 2>/dev/null || echo unknown)"
    echo "# load:     $tools; h1: wrk -t$WRK_THREADS -c$CONNECTIONS --latency; h2: h2load -c$CONNECTIONS -m$H2_STREAMS"
    echo "# runs:     ${WARMUP}s warm-up + ${DURATION}s measured, $ROUNDS round(s), sections: ${SECTIONS[*]}"
    echo "# pinned:   server on CPU $SERVER_CPU, load generator on CPU $LOAD_CPU"
    echo "# workers:  ${BENCH_WORKERS:-runtime default} (BENCH_WORKERS)"
    for label in "${!BIN[@]}"; do
        [[ -n ${BUILT[$label]:-} ]] || echo "# skipped:  $label (${SKIP_REASON[$label]})"
    done
    echo "$COLUMNS_TSV"
} >"$RESULTS_TSV"
echo "Raw results: ${RESULTS_TSV#"$ROOT"/} (one line per run)"

for ((round = 1; round <= ROUNDS; round++)); do
    for section in "${SECTIONS[@]}"; do
        if [[ $section == h1-* ]]; then servers=("${LABELS[@]}"); else servers=("${H2_LABELS[@]}"); fi
        echo "round $round/$ROUNDS, $section: hyper ${servers[*]} hyper-last"
        for label in hyper "${servers[@]}" hyper-last; do
            [[ -n ${BUILT[${label%-last}]:-} ]] || continue
            run_one "$section" "$round" "$label"
        done
    done
done

grep '^#' "$RESULTS_TSV" | sed 's/^# //' >"$REPORT"
awk -f "$BENCH_DIR/report.awk" "$RESULTS_TSV" | sed 's/[[:space:]]*$//' >>"$REPORT"
if ((IDLE > 0)); then
    echo "Idle connections: bash bench/idle.sh $IDLE"
    { echo ""; bash "$BENCH_DIR/idle.sh" "$IDLE" || echo "(bench/idle.sh failed)"; } >>"$REPORT"
fi
echo ""
cat "$REPORT"
echo ""
echo "Raw results (one line per run): ${RESULTS_TSV#"$ROOT"/}"
echo "This report:                    ${REPORT#"$ROOT"/}"
