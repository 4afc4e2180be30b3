#!/usr/bin/env bash
# Every core: HTTP hello (wrk, 50 connections) and 64 B echo (echo_load, 50 connections) with
# 1, 2, ... CORES workers: hio's http_server / echo_server --workers N against nginx with
# worker_processes N and against an Asio echo server with an io_context per thread
# (asio_echo_server --threads N). Rounds alternate the servers; medians.
#
# Usage: bench/run_cores_bench.sh BUILD_DIR [SECONDS] [ROUNDS] [CORES]
#   CORES defaults to nproc. With more than 2 * CORES CPUs the servers get CPUs 1..N and the
#   load generator the rest (disjoint); otherwise nothing is pinned and the load generator
#   competes with the servers for the same CPUs (the figures say so).
# Prints req/s, req per server CPU-second and the scaling efficiency (throughput at N over N
# times throughput at 1). Needs wrk and nginx-light.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build=${1:?usage: run_cores_bench.sh BUILD_DIR [SECONDS] [ROUNDS] [CORES]}
seconds=${2:-5}
rounds=${3:-3}
cores=${4:-$(nproc)}
command -v wrk >/dev/null || { echo "wrk not installed (apt-get install wrk)"; exit 1; }
command -v nginx >/dev/null || { echo "nginx not installed (apt-get install nginx-light)"; exit 1; }
ulimit -n 8192
tck=$(getconf CLK_TCK)
work=$(mktemp -d)
server_pid=
trap 'if [[ -n "$server_pid" ]]; then kill -9 "$server_pid" 2>/dev/null || true; fi; rm -rf "$work"' EXIT

cpus=$(nproc)
pin_server=() pin_load=()
if ((cpus > 2 * cores)); then
    pin_server=(taskset -c "1-$cores")
    pin_load=(taskset -c "$((cores + 1))-$((cpus - 1))")
    echo "pinning: servers on CPUs 1-$cores, load on CPUs $((cores + 1))-$((cpus - 1))"
else
    echo "NOT pinned: $cpus CPUs for up to $cores server workers and the load generator;" \
         "the load generator takes CPU from the servers, more so at higher N"
fi

start() {  # $1 server, $2 workers
    : >"$work/log"
    case $1 in
    nginx)
        port=$(free_port)
        cat >"$work/nginx.conf" <<CONF
daemon off;
worker_processes $2;
pid $work/nginx.pid;
error_log $work/error.log;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$port;
        location / { default_type "text/plain; charset=utf-8"; return 200 "hello from hio-cpp\n"; }
    }
}
CONF
        "${pin_server[@]}" nginx -c "$work/nginx.conf" -e "$work/error.log" >"$work/log" 2>&1 &
        server_pid=$!
        for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && return 0; sleep 0.1; done
        echo "nginx did not start"; cat "$work/error.log"; exit 1 ;;
    hio-http) "${pin_server[@]}" "$build/examples/http_server" --port 0 --quiet --workers "$2" >"$work/log" 2>&1 & ;;
    hio-echo) "${pin_server[@]}" "$build/examples/echo_server" --port 0 --quiet --workers "$2" >"$work/log" 2>&1 & ;;
    asio-echo) "${pin_server[@]}" "$build/bench/asio_echo_server" --port 0 --threads "$2" >"$work/log" 2>&1 & ;;
    esac
    server_pid=$!
    wait_listening "$work/log" || { echo "$1 did not start"; cat "$work/log"; exit 1; }
}
# CPU ticks of the server and its children (nginx's workers are processes).
server_ticks() {
    local total=0 pid
    for pid in $server_pid $(pgrep -P "$server_pid" || true); do
        total=$((total + $(cpu_ticks "$pid")))
    done
    echo "$total"
}
# RSS of the server and its children, KiB.
server_rss() {
    local total=0 pid
    for pid in $server_pid $(pgrep -P "$server_pid" || true); do
        total=$((total + $(awk '/VmRSS/ {print $2}' "/proc/$pid/status")))
    done
    echo "$total"
}

declare -A result
printf '%-6s %-10s %3s %12s %18s %10s\n' load server N "req/s" "req/server-CPU-s" "RSS KiB"
for n in $(seq "$cores"); do
    for _ in $(seq "$rounds"); do
        for server in nginx hio-http asio-echo hio-echo; do
            start "$server" "$n"
            rss=$(server_rss)
            before=$(server_ticks)
            if [[ $server == nginx || $server == hio-http ]]; then
                load=http
                out=$("${pin_load[@]}" wrk -t1 -c50 -d"${seconds}s" "http://127.0.0.1:$port/")
                rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
                ! grep -q "Non-2xx\|Socket errors" <<<"$out" || { echo "$server: errors: $out"; exit 1; }
                span=$seconds
            else
                load=echo
                out=$("${pin_load[@]}" "$build/bench/echo_load" --port "$port" --seconds "$seconds" --warmup 1 --connections 50 --size 64)
                rps=$(field rt_per_s "$out")
                span=$((seconds + 1))
            fi
            after=$(server_ticks)
            stop_server
            per_cpu=$(awk -v r="$rps" -v s="$span" -v t=$((after - before)) -v k="$tck" \
                'BEGIN { if (t > 0) printf "%.0f", r * s * k / t; else print "inf" }')
            result[$server,$n]+=" $rps"
            result[$server,$n,cpu]+=" $per_cpu"
            result[$server,$n,rss]+=" $rss"
            printf '%-6s %-10s %3s %12s %18s %10s\n' "$load" "$server" "$n" "$rps" "$per_cpu" "$rss"
        done
    done
done
echo
echo "medians (scaling = req/s at N / (N * req/s at 1)):"
for server in nginx hio-http asio-echo hio-echo; do
    one=$(median "${result[$server,1]}")
    for n in $(seq "$cores"); do
        rps=$(median "${result[$server,$n]}")
        awk -v s="$server" -v n="$n" -v r="$rps" -v c="$(median "${result[$server,$n,cpu]}")" \
            -v m="$(median "${result[$server,$n,rss]}")" -v one="$one" \
            'BEGIN { printf "%-10s N=%d  %10.0f req/s  %8.0f req/server-CPU-s  scaling %.2f  RSS %d KiB (%.0f KiB per worker)\n", s, n, r, c, (one > 0 ? r / (n * one) : 0), m, m / n }'
    done
done
for n in $(seq "$cores"); do
    awk -v n="$n" -v a="$(median "${result[hio-http,$n,cpu]}")" -v b="$(median "${result[nginx,$n,cpu]}")" \
        -v c="$(median "${result[hio-echo,$n,cpu]}")" -v d="$(median "${result[asio-echo,$n,cpu]}")" \
        'BEGIN { printf "N=%d: per server CPU-second hio/nginx %.2fx (HTTP), hio/asio %.2fx (echo)\n", n, a / b, c / d }'
done
