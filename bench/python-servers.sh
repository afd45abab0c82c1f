# Shared by bench/python.sh and bench/freethreaded.sh (sourced, from the repository root):
# a scratch directory for the applications, the one server running at a time and how it is
# stopped (by its PID, also on exit or Ctrl-C), and a free port on 127.0.0.1.

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
