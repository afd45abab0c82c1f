# Shared by bench/python.sh and bench/freethreaded.sh (sourced, from the repository root):
# a scratch directory for the applications, the one server running at a time and how it is
# stopped (by its PID, also on exit or Ctrl-C), a free port on 127.0.0.1, and one measured
# wrk run with the server's CPU time.

work=$(mktemp -d)

server_pid=
stop_server() {
    if [[ -n $server_pid ]]; then
        kill -TERM "$server_pid" 2>/dev/null || true
        for _ in $(seq 100); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.05; done
        kill -KILL "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=
    fi
}
trap 'stop_server; rm -rf "$work"' EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# The PIDs of a process and all its descendants.
tree() {
    local pids=($1) i=0
    while ((i < ${#pids[@]})); do
        local children
        children=$(cat /proc/"${pids[$i]}"/task/*/children 2>/dev/null || true)
        for child in $children; do pids+=("$child"); done
        i=$((i + 1))
    done
    echo "${pids[@]}"
}
# CPU ticks (utime + stime) of the tree.
ticks() {
    local total=0
    for pid in $(tree "$1"); do
        local stat
        stat=$(cat /proc/"$pid"/stat 2>/dev/null) || continue
        stat=${stat##*) }
        read -r -a f <<<"$stat"
        total=$((total + f[11] + f[12]))
    done
    echo $total
}

# Warms the server up for 2 s, then loads it for DURATION seconds with wrk -t1 -c$2 (and the
# wrk options after $2); sets `out` (wrk's output) and `spent` (CPU ticks of the server's
# process tree over the measured run).
measure() { # url connections [wrk options]
    local url=$1 connections=$2 before
    shift 2
    wrk -t1 -c"$connections" -d2s "$url" >/dev/null 2>&1 || true
    before=$(ticks "$server_pid")
    out=$(wrk -t1 -c"$connections" -d"${DURATION}s" "$@" "$url")
    spent=$(($(ticks "$server_pid") - before))
}
