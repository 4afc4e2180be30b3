#!/usr/bin/env bash
# UDP echo benchmark: hio's examples/udp_echo against bench/asio_udp_echo, same run, same load
# generator (bench/udp_load), server pinned to CPU 1 and load to CPU 0.
#
# Usage: bench/run_udp_bench.sh BUILD_DIR [SECONDS] [ROUNDS]
#   BUILD_DIR must hold bench/udp_load, bench/asio_udp_echo and examples/udp_echo
#   (configure with -DHIO_BUILD_BENCH=ON -DHIO_BUILD_EXAMPLES=ON, Release).
# Prints, per scenario and server: echoed datagrams/s, p50/p99 round trip, datagrams per
# server CPU-second, and the hio/asio ratios of the medians over ROUNDS rounds (default 3),
# the servers alternating; then the system calls each server makes per datagram (strace).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build=${1:?usage: run_udp_bench.sh BUILD_DIR [SECONDS] [ROUNDS]}
seconds=${2:-5}
rounds=${3:-3}
tck=$(getconf CLK_TCK)
log=$(mktemp)
server_pid=
trap 'if [[ -n "$server_pid" ]]; then kill -9 "$server_pid" 2>/dev/null || true; fi; rm -f "$log" "$log.strace"' EXIT

declare -A servers=(
    [asio]="$build/bench/asio_udp_echo --port 0"
    [hio]="$build/examples/udp_echo --port 0 --quiet"
)

start_server() {  # $1: name; sets server_pid and port
    : >"$log"
    taskset -c 1 ${servers[$1]} >"$log" 2>&1 &
    server_pid=$!
    wait_listening "$log" && return 0
    echo "server $1 did not start"; cat "$log"; exit 1
}

ratio() { awk -v a="$(median "$1")" -v b="$(median "$2")" 'BEGIN { printf "%.2fx", (b > 0 ? a / b : 0) }'; }

declare -A r
printf '%-28s %-5s %14s %9s %9s %18s %8s\n' scenario server "datagrams/s" "p50 us" "p99 us" "per server-CPU-s" "lost"
for scenario in "1 sender, 64 B|--senders 1 --window 1" \
                "50 senders, 64 B|--senders 50 --window 1" \
                "50 senders x 8 in flight, 64 B|--senders 50 --window 8"; do
    name=${scenario%%|*}
    args=${scenario#*|}
    for _ in $(seq "$rounds"); do
        for server in asio hio; do
            start_server "$server"
            before=$(cpu_ticks "$server_pid")
            # shellcheck disable=SC2086
            out=$(taskset -c 0 "$build/bench/udp_load" --port "$port" --seconds "$seconds" --warmup 1 --size 64 $args)
            after=$(cpu_ticks "$server_pid")
            stop_server
            dps=$(field datagrams_per_s "$out")
            cpu=$(awk -v t=$((after - before)) -v k="$tck" 'BEGIN { printf "%.3f", t / k }')
            per_cpu=$(awk -v d="$dps" -v s="$seconds" -v c="$cpu" 'BEGIN { if (c > 0) printf "%.0f", d * (s + 1) / c; else print "inf" }')
            r[$name,$server]+=" $dps"
            r[$name,$server,cpu]+=" $per_cpu"
            r[$name,$server,p50]+=" $(field p50_us "$out")"
            r[$name,$server,p99]+=" $(field p99_us "$out")"
            printf '%-28s %-5s %14s %9s %9s %18s %8s\n' "$name" "$server" "$dps" "$(field p50_us "$out")" \
                "$(field p99_us "$out")" "$per_cpu" "$(field lost "$out")"
        done
    done
    printf '%-28s hio/asio: %s datagrams/s, %s per server CPU-second; p50 %s/%s us, p99 %s/%s us (medians)\n' \
        "$name" "$(ratio "${r[$name,hio]}" "${r[$name,asio]}")" "$(ratio "${r[$name,hio,cpu]}" "${r[$name,asio,cpu]}")" \
        "$(median "${r[$name,hio,p50]}")" "$(median "${r[$name,asio,p50]}")" \
        "$(median "${r[$name,hio,p99]}")" "$(median "${r[$name,asio,p99]}")"
done

echo
if command -v strace >/dev/null; then
    for server in asio hio; do
        start_server "$server"
        strace -c -f -p "$server_pid" -o "$log.strace" 2>/dev/null &
        strace_pid=$!
        sleep 0.5
        out=$(taskset -c 0 "$build/bench/udp_load" --port "$port" --seconds 2 --warmup 0 --size 64 --senders 50 --window 8)
        kill -INT "$strace_pid" 2>/dev/null || true
        wait "$strace_pid" 2>/dev/null || true
        stop_server
        calls=$(awk '$NF == "total" { print $4 }' "$log.strace")  # % time, seconds, usecs/call, calls
        echoed=$(field datagrams "$out")
        awk -v c="${calls:-0}" -v d="$echoed" -v s="$server" \
            'BEGIN { printf "%-5s system calls per echoed datagram (50 x 8 in flight): %.3f\n", s, (d > 0 ? c / d : 0) }'
    done
fi
