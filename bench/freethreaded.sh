#!/usr/bin/env bash
# Free-threaded Python (3.13t) against a Python with the GIL, in gateway-python: do the
# interpreter threads of one process run Python in parallel, and what does the free-threaded
# interpreter cost a single thread?
#
#   BUILDS="gil311=target/release/gateway-python ft313t=../ft-target/release/gateway-python" \
#       bash bench/freethreaded.sh [SECONDS_PER_RUN (default 5)] [ROUNDS (default 3)]
#
# BUILDS names gateway-python binaries, NAME=PATH each (NAME without `-`): built against a
# Python with the GIL, or against a free-threaded one (docs/python.md, "Free-threaded
# Python", says how). Nothing is built or installed here. Two applications, each in one process
# (no --workers): `cpu`, a loop of pure Python (CPU_LOOP iterations, default 20000: about
# 1 ms on 3.11) per request, with --threads 1 and 2; `hello`, bench/python.sh's hello, with
# --threads 2. Each run: a check that `GET /` answers, 2 s of warm-up, then wrk -t1 -c8 for
# SECONDS_PER_RUN on 127.0.0.1. Measured: requests/s, server CPU µs per request and cores
# busy (utime + stime of the server process from /proc over the run). The table shows the
# median of the rounds; every round is printed as it ends, with the load average.
#
# Then, with valgrind installed, what holds on a busy machine: user-space instructions per
# request (callgrind, as bench/instructions.sh counts them) of each build with --threads 1
# --io-threads 1, `hello` for 8 connections x 1000 keep-alive requests, `cpu` for 8 x 25,
# after a warm-up, through bench's `fixed-load` client (built here with cargo). Both
# applications answer fixed-load's `<h1>Hello, Web!</h1>`.
#
# Only ever talks to 127.0.0.1. Every server it starts it stops by PID, also on Ctrl-C.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

DURATION=${1:-5}
ROUNDS=${2:-3}
HOST=127.0.0.1
command -v wrk >/dev/null || { echo "freethreaded.sh: needs wrk" >&2; exit 1; }

source bench/python-servers.sh # $work, stop_server, free_port, ticks, tree, measure
cat >"$work/cpu_bench.py" <<PY
LOOP = ${CPU_LOOP:-20000}

def application(environ, start_response):
    n = 0
    for i in range(LOOP):
        n += i * i
    start_response('200 OK', [('Content-Type', 'text/html')])
    return [b'<h1>Hello, Web!</h1>' if n else b'']
PY
cat >"$work/hello_bench.py" <<'PY'
def application(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/html')])
    body = '<h1>Hello, %s!</h1>' % (environ['PATH_INFO'][1:] or 'Web')
    return [body.encode('utf-8')]
PY

declare -A BIN
LABELS=()
for build in ${BUILDS:-}; do
    BIN[${build%%=*}]=${build#*=}
    LABELS+=("${build%%=*}-cpu-t1" "${build%%=*}-cpu-t2" "${build%%=*}-hello-t2")
done
((${#LABELS[@]})) || { echo "freethreaded.sh: set BUILDS (NAME=PATH ...)" >&2; exit 1; }

start() { # label (NAME-APP-tTHREADS) port
    local label=$1 port=$2 build app threads
    IFS=- read -r build app threads <<<"$label"
    "${BIN[$build]}" --http "$HOST:$port" --wsgi-file "$work/${app}_bench.py" --threads "${threads#t}" \
        --disable-access-log 2>"$work/$label.log" >/dev/null &
    server_pid=$!
    for _ in $(seq 200); do
        if [[ -n $(curl -s --max-time 2 "http://$HOST:$port/" 2>/dev/null || true) ]]; then return 0; fi
        sleep 0.05
    done
    echo "freethreaded.sh: $label did not answer" >&2
    cat "$work/$label.log" >&2
    return 1
}

results="$work/results.tsv"
hz=$(getconf CLK_TCK)
for round in $(seq "$ROUNDS"); do
    for label in "${LABELS[@]}"; do
        port=$(free_port)
        start "$label" "$port"
        ((round > 1)) || grep -h "loaded" "$work/$label.log" | sed "s/^/$label: /" >&2 || true
        measure "http://$HOST:$port/" 8
        stop_server
        rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
        requests=$(awk '/requests in/ {print $1}' <<<"$out")
        errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out" | tr '\n' ' ')
        cpu_us=$(awk -v t=$spent -v hz="$hz" -v n="$requests" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
        cores=$(awk -v t=$spent -v hz="$hz" -v d="$DURATION" 'BEGIN { printf "%.2f", t / hz / d }')
        printf '%s\t%s\t%s\t%s\t%s\n' "$round" "$label" "$rps" "$cpu_us" "$cores" >>"$results"
        echo "round $round $label: $rps req/s, cpu ${cpu_us}us/req, ${cores} cores busy, load $(cut -d' ' -f1-3 /proc/loadavg) $errors" >&2
    done
done

echo
echo "wrk -t1 -c8 -d${DURATION}s, one process, median of $ROUNDS rounds; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) at the end"
echo
printf '| %-16s | %10s | %12s | %11s |\n' run "req/s" "CPU µs/req" "cores busy"
printf '|%s|%s|%s|%s|\n' "------------------" "------------" "--------------" "-------------"
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for label in "${LABELS[@]}"; do
    col() { awk -F'\t' -v l="$label" -v c="$1" '$2 == l {print $c}' "$results" | median; }
    printf '| %-16s | %10.0f | %12s | %11s |\n' "$label" "$(col 3)" "$(col 4)" "$(col 5)"
done

command -v valgrind >/dev/null || exit 0
cargo build --release -q -p gateway-bench --bin fixed-load
fixed_load=$(cargo metadata --format-version 1 --no-deps | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')/release/fixed-load
echo
echo "instructions per request (callgrind, user space), --threads 1 --io-threads 1; load $(cut -d' ' -f1-3 /proc/loadavg)"
echo
printf '| %-8s | %12s | %12s |\n' build hello cpu
printf '|%s|%s|%s|\n' "----------" "--------------" "--------------"
for build in "${!BIN[@]}"; do
    row=()
    for app in hello:1000 cpu:25; do
        port=$(free_port)
        valgrind --tool=callgrind --callgrind-out-file="$work/cg.%p" "${BIN[$build]}" --http "$HOST:$port" \
            --wsgi-file "$work/${app%:*}_bench.py" --threads 1 --io-threads 1 --disable-access-log \
            >"$work/cg.log" 2>&1 &
        server_pid=$!
        for _ in $(seq 600); do (exec 3<>"/dev/tcp/$HOST/$port") 2>/dev/null && break; sleep 0.1; done
        "$fixed_load" "$port" 8 $((${app#*:} / 5))
        callgrind_control -z "$server_pid" >/dev/null 2>&1
        "$fixed_load" "$port" 8 "${app#*:}"
        callgrind_control -d "$server_pid" >/dev/null 2>&1
        stop_server
        # The dump made by -d is the one with a ".1" suffix (the exit writes the plain one).
        row+=("$(awk -v n=$((8 * ${app#*:})) '/^(summary|totals):/ { printf "%.0f", $2 / n; exit }' "$work"/cg.*.1)")
        rm -f "$work"/cg.*
    done
    printf '| %-8s | %12s | %12s |\n' "$build" "${row[0]}" "${row[1]}"
done
