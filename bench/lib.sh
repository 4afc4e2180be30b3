# Helpers the bench/run_*_bench.sh scripts share (sourced, not run). They use the globals
# server_pid and port.

# Waits for a server's "listening on HOST:PORT" line in log file $1 and sets port; returns 1
# after ten seconds without one.
wait_listening() {
    port=
    for _ in $(seq 100); do
        port=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$1")
        [[ -n "$port" ]] && return 0
        sleep 0.1
    done
    return 1
}

# SIGTERM, then SIGKILL after five seconds, to the server in server_pid.
stop_server() {
    kill -TERM "$server_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
}

# User + system CPU ticks of process $1.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# The number after "$1=" in text $2 (echo_load's key=value output).
field() { sed -n "s/.*$1=\([0-9.]*\).*/\1/p" <<<"$2"; }

# The median of the space-separated numbers in $1.
median() { tr ' ' '\n' <<<"$1" | sed '/^$/d' | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
