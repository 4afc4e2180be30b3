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

# A free TCP port of 127.0.0.1.
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# Starts nginx, one worker pinned to CPU 1, no access log, with `$2` (more http directives)
# and `$3` (the server's locations) in a config under directory $1; sets server_pid and
# port, and waits until `$4` (a path) answers. Exits on failure.
start_nginx() {
    local work=$1 http=$2 locations=$3 probe=$4
    port=$(free_port)
    cat >"$work/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    $http
    server {
        listen 127.0.0.1:$port;
        $locations
    }
}
CONF
    taskset -c 1 nginx -c "$work/nginx.conf" -e "$work/error.log" >"$work/log" 2>&1 &
    server_pid=$!
    for _ in $(seq 100); do
        curl -s -o /dev/null "http://127.0.0.1:$port$probe" && return 0
        sleep 0.1
    done
    echo "nginx did not start"; cat "$work/log" "$work/error.log"; exit 1
}
