#!/usr/bin/env bash
# HTTP benchmark: wrk against examples/http_server (hello world at /) and against nginx
# (one process, access log off, `return 200` of the same body), same run; server pinned to
# CPU 1, wrk to CPU 0, keep-alive on. Then memory per idle keep-alive connection.
#
# Usage: bench/run_http_bench.sh BUILD_DIR [SECONDS] [ROUNDS]
# Needs the Debian packages wrk and nginx-light (or nginx). Each scenario runs ROUNDS times
# (default 3), the servers alternating; ratios compare medians. With HIO_BASELINE=OTHER_BUILD_DIR
# the http_server of that build (an earlier commit) runs in the same rounds as "base", and each
# scenario also prints hio/base: a before and after measured in one run.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build=${1:?usage: run_http_bench.sh BUILD_DIR [SECONDS] [ROUNDS]}
seconds=${2:-5}
rounds=${3:-3}
command -v wrk >/dev/null || { echo "wrk not installed (apt-get install wrk)"; exit 1; }
command -v nginx >/dev/null || { echo "nginx not installed (apt-get install nginx-light)"; exit 1; }
ulimit -n 8192
tck=$(getconf CLK_TCK)
work=$(mktemp -d)
server_pid=
trap 'if [[ -n "$server_pid" ]]; then kill -9 "$server_pid" 2>/dev/null || true; fi; rm -rf "$work"' EXIT

start_server() {  # $1: hio, hio-asio, base or nginx; sets server_pid and port
    if [[ $1 == nginx ]]; then
        start_nginx "$work" "keepalive_timeout 15s;" \
            'location / { default_type "text/plain; charset=utf-8"; return 200 "hello from hio-cpp\n"; }' /
        return 0
    fi
    : >"$work/log"
    local binary="$build/examples/http_server"
    local extra=()
    [[ $1 == base ]] && binary="$HIO_BASELINE/examples/http_server"
    [[ $1 == hio-asio ]] && extra=(--backend asio)
    taskset -c 1 "$binary" --port 0 --quiet "${extra[@]}" >"$work/log" 2>&1 &
    server_pid=$!
    wait_listening "$work/log" && return 0
    echo "http_server did not start"; cat "$work/log"; exit 1
}
ratio() { awk -v a="$(median "$1")" -v b="$(median "$2")" 'BEGIN { printf "%.2fx", (b > 0 ? a / b : 0) }'; }
# wrk's latency figure in microseconds ("52.00us", "1.20ms", "2.01s").
to_us() { awk '{ v = $1 + 0; if ($1 ~ /ms$/) v *= 1000; else if ($1 ~ /[0-9]s$/ && $1 !~ /us$/) v *= 1000000; print v }' <<<"$1"; }

names="nginx hio"
# hio's server on Asio's sockets (--backend asio), when the build has the asio component.
"$build/examples/http_server" --help 2>&1 | grep -q -- '--backend' && names="$names hio-asio"
[[ -n "${HIO_BASELINE:-}" ]] && names="$names base"
declare -A result
printf '%-16s %-8s %12s %10s %10s %16s\n' scenario server "req/s" "p50 us" "p99 us" "req/server-CPU-s"
for scenario in "1 connection|-c1" "50 connections|-c50"; do
    name=${scenario%%|*}
    for _ in $(seq "$rounds"); do
        for server in $names; do
            start_server "$server"
            wrk -t1 -c1 -d1s "http://127.0.0.1:$port/" >/dev/null  # warm-up
            before=$(cpu_ticks "$server_pid")
            out=$(taskset -c 0 wrk -t1 ${scenario#*|} -d"${seconds}s" --latency "http://127.0.0.1:$port/")
            after=$(cpu_ticks "$server_pid")
            stop_server
            rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
            p50=$(to_us "$(awk '$1 == "50%" { print $2 }' <<<"$out")")
            p99=$(to_us "$(awk '$1 == "99%" { print $2 }' <<<"$out")")
            errors=$(awk '/Non-2xx|Socket errors/' <<<"$out")
            [[ -z "$errors" ]] || { echo "$server: $errors"; exit 1; }
            per_cpu=$(awk -v r="$rps" -v s="$seconds" -v t=$((after - before)) -v k="$tck" \
                'BEGIN { if (t > 0) printf "%.0f", r * s * k / t; else print "inf" }')
            result[$name,$server]+=" $rps"
            result[$name,$server,p50]+=" $p50"
            result[$name,$server,cpu]+=" $per_cpu"
            printf '%-16s %-8s %12s %10s %10s %16s\n' "$name" "$server" "$rps" "$p50" "$p99" "$per_cpu"
        done
    done
    echo "$name: hio/nginx $(ratio "${result[$name,hio]}" "${result[$name,nginx]}") req/s," \
         "$(ratio "${result[$name,hio,cpu]}" "${result[$name,nginx,cpu]}") per server CPU-second," \
         "p50 $(median "${result[$name,hio,p50]}") us against $(median "${result[$name,nginx,p50]}") us (medians)"
    if [[ " $names " == *" hio-asio "* ]]; then
        echo "$name: hio-asio/hio $(ratio "${result[$name,hio-asio]}" "${result[$name,hio]}") req/s," \
             "$(ratio "${result[$name,hio-asio,cpu]}" "${result[$name,hio,cpu]}") per server CPU-second;" \
             "hio-asio/nginx $(ratio "${result[$name,hio-asio,cpu]}" "${result[$name,nginx,cpu]}") per server CPU-second"
    fi
    if [[ -n "${HIO_BASELINE:-}" ]]; then
        echo "$name: hio/base $(ratio "${result[$name,hio]}" "${result[$name,base]}") req/s," \
             "$(ratio "${result[$name,hio,cpu]}" "${result[$name,base,cpu]}") per server CPU-second;" \
             "base/nginx $(ratio "${result[$name,base,cpu]}" "${result[$name,nginx,cpu]}") per server CPU-second"
    fi
done

# Memory per idle keep-alive connection: 1000 connections, each after one request.
for server in nginx hio; do
    start_server "$server"
    sleep 0.5
    rss0=$(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status")
    python3 - "$port" <<'PY' &
import socket, sys, time
port = int(sys.argv[1])
held = []
for _ in range(1000):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n")
    got = b""
    while not got.endswith(b"hello from hio-cpp\n"):
        got += s.recv(4096)
    held.append(s)
time.sleep(4)
PY
    holder=$!
    sleep 3
    rss1=$(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status")
    wait "$holder"
    stop_server
    awk -v a="$rss0" -v b="$rss1" -v s="$server" \
        'BEGIN { printf "%s: RSS %d KiB idle, %d KiB with 1000 idle keep-alive connections: %.2f KiB each\n", s, a, b, (b - a) / 1000 }'
done
