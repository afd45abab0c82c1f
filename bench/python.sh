#!/usr/bin/env bash
# Benchmark gateway-python against granian, uWSGI and gunicorn serving the same Python hello
# application (the note's hello.py without pysnooper), with raw hyper serving Rust as the
# reference.
#
#   bash bench/python.sh [SECONDS_PER_RUN (default 5)] [ROUNDS (default 3)]
#
# Builds gateway-python and bench's hyper-hello (release), makes a virtualenv of its own
# (target/bench-python-venv, from the python3 gateway-python is built against) with granian,
# uWSGI (pip builds it: it needs the Python headers) and gunicorn. Each round runs every
# server in turn on a free 127.0.0.1 port: a check that `GET /` answers the hello, 2 s of
# warm-up load, then wrk -t1 -c64 --latency for SECONDS_PER_RUN. Measured: requests/s, p50
# and p99 latency (wrk), server CPU µs per request (utime + stime of the server's process
# tree from /proc, read before and after the measured run), peak memory (VmHWM summed over
# the process tree). The table shows the median of the rounds. Load generator and servers
# share the machine's cores (no pinning), as on a small VM.
#
# Environment: BENCH_PROCESSES (default 2), the process count of every Python server:
# gateway-python's --workers, granian-2's workers (granian-1 has one), uWSGI's --processes,
# gunicorn's -w. gateway-python-tN is gateway-python with --threads N per worker. BENCH_ONLY,
# the servers to run besides raw hyper (default: gateway-python-t1 gateway-python-t2
# gateway-python-t4 granian-2 uwsgi gunicorn; granian-1 too on request); GATEWAY_IO_THREADS,
# gateway-python's --io-threads per worker (default: the server's, cores / workers).
#
# No server writes an access log: gateway-python runs with --disable-access-log, uWSGI with
# --disable-logging, and granian and gunicorn write none unless asked.
#
# Only ever talks to 127.0.0.1. Every server it starts it stops by PID, also on Ctrl-C.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."

DURATION=${1:-5}
ROUNDS=${2:-3}
PROCESSES=${BENCH_PROCESSES:-2}
HOST=127.0.0.1
EXPECTED='<h1>Hello, Web!<h1>'
command -v wrk >/dev/null || { apt-get update && apt-get install -y wrk; }

target=${CARGO_TARGET_DIR:-target}
cargo build --quiet --release -p wsgi-gateway-python -p gateway-bench --bin gateway-python --bin hyper-hello
venv=target/bench-python-venv
if ! "$venv/bin/python" -c 'import granian' 2>/dev/null || ! [ -x "$venv/bin/uwsgi" ] || ! [ -x "$venv/bin/gunicorn" ]; then
    "$(python3 -c 'import sys; print(sys.executable)')" -m venv "$venv"
    "$venv/bin/pip" install --quiet granian uwsgi gunicorn
fi
source bench/python-servers.sh # $work, stop_server, free_port, ticks, tree, measure
cat >"$work/hello_bench.py" <<'PY'
def application(environ, start_response):
    start_response('200 OK', [('Content-Type', 'text/html')])
    body = '<h1>Hello, %s!<h1>' % (environ['PATH_INFO'][1:] or 'Web')
    return [body.encode('utf-8')]
PY

# Peak resident memory (VmHWM, KiB) summed over the tree.
peak_kib() {
    local total=0
    for pid in $(tree "$1"); do
        local hwm
        hwm=$(awk '/^VmHWM/ {print $2}' /proc/"$pid"/status 2>/dev/null || echo 0)
        total=$((total + ${hwm:-0}))
    done
    echo $total
}

start() { # label port
    local label=$1 port=$2
    case $label in
    hyper) "$target/release/hyper-hello" "$port" >/dev/null 2>&1 & ;;
    gateway-python-t*)
        "$target/release/gateway-python" --http "$HOST:$port" --wsgi-file "$work/hello_bench.py" \
            --workers "$PROCESSES" --threads "${label#gateway-python-t}" --disable-access-log \
            ${GATEWAY_IO_THREADS:+--io-threads "$GATEWAY_IO_THREADS"} >/dev/null 2>&1 & ;;
    granian-1 | granian-2)
        (cd "$work" && exec "$OLDPWD/$venv/bin/granian" --interface wsgi --host "$HOST" --port "$port" \
            --workers "${label#granian-}" --log-level error --no-ws hello_bench:application) >/dev/null 2>&1 & ;;
    uwsgi)
        "$venv/bin/uwsgi" --http-socket "$HOST:$port" --wsgi-file "$work/hello_bench.py" \
            --processes "$PROCESSES" --master --disable-logging --die-on-term >/dev/null 2>&1 & ;;
    gunicorn)
        (cd "$work" && exec "$OLDPWD/$venv/bin/gunicorn" -w "$PROCESSES" -k gthread --threads 4 \
            -b "$HOST:$port" --log-level error hello_bench:application) >/dev/null 2>&1 & ;;
    esac
    server_pid=$!
    for _ in $(seq 200); do
        if [[ $(curl -s --max-time 2 "http://$HOST:$port/" 2>/dev/null || true) == "$EXPECTED"* ]] ||
            [[ $label == hyper && -n $(curl -s --max-time 2 "http://$HOST:$port/" 2>/dev/null || true) ]]; then
            return 0
        fi
        sleep 0.05
    done
    echo "python.sh: $label did not answer the hello" >&2
    return 1
}

to_ms() { # wrk latency (123.45us, 1.2ms, 1.1s) in ms
    awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.2f", n }'
}

LABELS=(hyper gateway-python-t1 gateway-python-t2 gateway-python-t4 granian-2 uwsgi gunicorn)
if [[ -n ${BENCH_ONLY:-} ]]; then read -r -a LABELS <<<"hyper $BENCH_ONLY"; fi
results="$work/results.tsv"
hz=$(getconf CLK_TCK)
for round in $(seq "$ROUNDS"); do
    for label in "${LABELS[@]}"; do
        port=$(free_port)
        start "$label" "$port"
        measure "http://$HOST:$port/" 64 --latency
        peak=$(peak_kib "$server_pid")
        stop_server
        rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
        requests=$(awk '/requests in/ {print $1}' <<<"$out")
        p50=$(to_ms "$(awk '$1 == "50%" {print $2}' <<<"$out")")
        p99=$(to_ms "$(awk '$1 == "99%" {print $2}' <<<"$out")")
        errors=$(awk '/Non-2xx|Socket errors/ {print}' <<<"$out" | tr '\n' ' ')
        cpu_us=$(awk -v t=$spent -v hz="$hz" -v n="$requests" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }')
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$round" "$label" "$rps" "$p50" "$p99" "$cpu_us" "$((peak / 1024))" "$errors" >>"$results"
        echo "round $round $label: $rps req/s p50 ${p50}ms p99 ${p99}ms cpu ${cpu_us}us/req peak $((peak / 1024))MiB $errors" >&2
    done
done

echo
echo "wrk -t1 -c64 -d${DURATION}s, hello app, median of $ROUNDS rounds; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) at the end"
echo "gateway-python-tN: --workers $PROCESSES --threads N --io-threads ${GATEWAY_IO_THREADS:-cores/workers}; granian-N: N workers; uWSGI and gunicorn (gthread, 4 threads): $PROCESSES processes; peak MiB summed over each server's process tree (master included)"
echo
printf '| %-17s | %10s | %8s | %8s | %12s | %9s | %8s |\n' server "req/s" "p50 ms" "p99 ms" "CPU µs/req" "peak MiB" "vs hyper"
printf '|%s|%s|%s|%s|%s|%s|%s|\n' "-------------------" "------------" "----------" "----------" "--------------" "-----------" "----------"
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
hyper_rps=$(awk -F'\t' '$2 == "hyper" {print $3}' "$results" | median)
for label in "${LABELS[@]}"; do
    col() { awk -F'\t' -v l="$label" -v c="$1" '$2 == l {print $c}' "$results" | median; }
    rps=$(col 3)
    printf '| %-17s | %10.0f | %8s | %8s | %12s | %9s | %8.2f |\n' "$label" "$rps" "$(col 4)" "$(col 5)" "$(col 6)" "$(col 7)" "$(awk -v a="$rps" -v b="$hyper_rps" 'BEGIN {print a / b}')"
done

# Each gateway-python flavour against granian-2 and the slowest-to-beat others, as the median of
# per-round ratios (both ran in the same round, a minute apart at most): the machine's speed
# drifts between rounds, and a ratio of medians would mix rounds.
if grep -q $'\tgranian-2\t' "$results"; then
    echo
    echo "per-round ratios, median (min-max) of $ROUNDS rounds: req/s over the other server's, CPU µs/req over the other's"
    ratio() { # label other column
        awk -F'\t' -v l="$1" -v o="$2" -v c="$3" '$2 == l {a[$1] = $c} $2 == o {b[$1] = $c}
            END {for (r in a) if (r in b && b[r] > 0) print a[r] / b[r]}' "$results" | sort -g |
            awk '{ v[NR] = $1 } END { if (NR) printf "%.2f (%.2f-%.2f)", v[int((NR + 1) / 2)], v[1], v[NR]; else printf "-" }'
    }
    for label in "${LABELS[@]}"; do
        [[ $label == gateway-python-* ]] || continue
        for other in granian-2 uwsgi gunicorn; do
            grep -q $'\t'"$other"$'\t' "$results" || continue
            echo "$label / $other: req/s $(ratio "$label" "$other" 3), CPU/req $(ratio "$label" "$other" 6)"
        done
    done
fi
