#!/usr/bin/env bash
# Echo benchmark: hio's examples/echo_server against bench/asio_echo_server, same run, same
# load generator (bench/echo_load), server pinned to CPU 1 and load to CPU 0. Where the build
# has the asio component, hio's echo server on Asio's sockets (--backend asio) runs in the same
# rounds as "hio-asio".
#
# Usage: bench/run_echo_bench.sh BUILD_DIR [SECONDS] [ROUNDS]
#   BUILD_DIR must hold bench/echo_load, bench/asio_echo_server and examples/echo_server
#   (configure with -DHIO_BUILD_BENCH=ON -DHIO_BUILD_EXAMPLES=ON, Release).
# Prints, per scenario and server: round trips/s, MB/s, p50/p99 latency, round trips per
# server CPU-second, and the hio/asio ratio; then system calls per message (strace, if
# installed), idle CPU, and memory per idle connection. Each scenario runs ROUNDS times
# (default 3), the servers alternating; the ratios compare medians, as one run on a shared or
# virtual machine can be 20% off.
# With HIO_BASELINE=OTHER_BUILD_DIR the echo_server of that build (an earlier commit) runs in
# the same rounds as a third server, "base", and each scenario also prints hio/base: a before
# and after measured in one run.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build=${1:?usage: run_echo_bench.sh BUILD_DIR [SECONDS] [ROUNDS]}
seconds=${2:-5}
rounds=${3:-3}
ulimit -n 8192
tck=$(getconf CLK_TCK)
log=$(mktemp)
server_pid=
trap 'if [[ -n "$server_pid" ]]; then kill -9 "$server_pid" 2>/dev/null || true; fi; rm -f "$log"' EXIT

declare -A servers=(
    [asio]="$build/bench/asio_echo_server --port 0"
    [hio]="$build/examples/echo_server --port 0 --quiet --max-connections 20000"
)
names="asio hio"
# hio's echo server on Asio's sockets (--backend asio), when the build has the asio component:
# the same doers, the other backend, in the same rounds.
if "$build/examples/echo_server" --help 2>&1 | grep -q -- '--backend'; then
    servers[hio-asio]="$build/examples/echo_server --port 0 --quiet --max-connections 20000 --backend asio"
    names="$names hio-asio"
fi
if [[ -n "${HIO_BASELINE:-}" ]]; then
    servers[base]="$HIO_BASELINE/examples/echo_server --port 0 --quiet --max-connections 20000"
    names="$names base"
fi

start_server() {  # $1: name; sets server_pid and port
    : >"$log"
    taskset -c 1 ${servers[$1]} >"$log" 2>&1 &
    server_pid=$!
    wait_listening "$log" && return 0
    echo "server $1 did not start"; cat "$log"; exit 1
}

ratio() { awk -v a="$(median "$1")" -v b="$(median "$2")" 'BEGIN { printf "%.2fx", (b > 0 ? a / b : 0) }'; }

declare -A rt
printf '%-34s %-5s %12s %9s %9s %9s %14s\n' scenario server "rt/s" "MB/s" "p50 us" "p99 us" "rt/server-CPU-s"
for scenario in "1 conn, 64 B|--connections 1 --size 64" \
                "50 conns, 64 B|--connections 50 --size 64" \
                "100 conns, 64 B|--connections 100 --size 64" \
                "3000 conns, 64 B|--connections 3000 --size 64" \
                "1 active + 1000 idle, 64 B|--connections 1 --idle 1000 --size 64" \
                "1 conn, 64 KiB|--connections 1 --size 65536"; do
    name=${scenario%%|*}
    args=${scenario#*|}
    for _ in $(seq "$rounds"); do
        for server in $names; do
            start_server "$server"
            before=$(cpu_ticks "$server_pid")
            # shellcheck disable=SC2086
            out=$(taskset -c 0 "$build/bench/echo_load" --port "$port" --seconds "$seconds" --warmup 1 $args)
            after=$(cpu_ticks "$server_pid")
            stop_server
            rps=$(field rt_per_s "$out")
            cpu=$(awk -v t=$((after - before)) -v k="$tck" 'BEGIN { printf "%.3f", t / k }')
            per_cpu=$(awk -v r="$rps" -v s="$seconds" -v c="$cpu" 'BEGIN { if (c > 0) printf "%.0f", r * (s + 1) / c; else print "inf" }')
            rt[$name,$server]+=" $rps"
            rt[$name,$server,cpu]+=" $per_cpu"
            rt[$name,$server,p50]+=" $(field p50_us "$out")"
            rt[$name,$server,p99]+=" $(field p99_us "$out")"
            printf '%-34s %-5s %12s %9s %9s %9s %14s\n' "$name" "$server" "$rps" "$(field mb_per_s "$out")" \
                "$(field p50_us "$out")" "$(field p99_us "$out")" "$per_cpu"
        done
    done
    printf '%-34s hio/asio: %s round trips/s, %s per server CPU-second; p50 %s/%s us, p99 %s/%s us (medians)\n' \
        "$name" "$(ratio "${rt[$name,hio]}" "${rt[$name,asio]}")" "$(ratio "${rt[$name,hio,cpu]}" "${rt[$name,asio,cpu]}")" \
        "$(median "${rt[$name,hio,p50]}")" "$(median "${rt[$name,asio,p50]}")" \
        "$(median "${rt[$name,hio,p99]}")" "$(median "${rt[$name,asio,p99]}")"
    if [[ " $names " == *" hio-asio "* ]]; then
        printf '%-34s hio-asio/hio: %s round trips/s, %s per server CPU-second; hio-asio/asio: %s, %s\n' \
            "$name" "$(ratio "${rt[$name,hio-asio]}" "${rt[$name,hio]}")" "$(ratio "${rt[$name,hio-asio,cpu]}" "${rt[$name,hio,cpu]}")" \
            "$(ratio "${rt[$name,hio-asio]}" "${rt[$name,asio]}")" "$(ratio "${rt[$name,hio-asio,cpu]}" "${rt[$name,asio,cpu]}")"
    fi
    if [[ -n "${HIO_BASELINE:-}" ]]; then
        printf '%-34s hio/base: %s round trips/s, %s per server CPU-second; base/asio %s per server CPU-second\n' \
            "$name" "$(ratio "${rt[$name,hio]}" "${rt[$name,base]}")" "$(ratio "${rt[$name,hio,cpu]}" "${rt[$name,base,cpu]}")" \
            "$(ratio "${rt[$name,base,cpu]}" "${rt[$name,asio,cpu]}")"
    fi
done

echo
if command -v strace >/dev/null; then
    for server in ${names/ base/}; do
        start_server "$server"
        strace -c -f -p "$server_pid" -o "$log.strace" 2>/dev/null &
        strace_pid=$!
        sleep 0.5
        out=$(taskset -c 0 "$build/bench/echo_load" --port "$port" --seconds 2 --warmup 0 --connections 50 --size 64)
        kill -INT "$strace_pid"; wait "$strace_pid" 2>/dev/null || true
        stop_server
        calls=$(awk '$NF ~ /^(read|recvfrom|recvmsg|write|sendto|sendmsg|writev|epoll_wait|epoll_pwait|epoll_pwait2|epoll_ctl)$/ { s += $4 } END { print s + 0 }' "$log.strace")
        trips=$(field round_trips "$out")
        awk -v c="$calls" -v t="$trips" -v s="$server" 'BEGIN { printf "system calls per echoed message (50 conns, under strace): %s %.2f\n", s, c / t }'
        rm -f "$log.strace"
    done
else
    echo "strace not installed: system-call counts skipped"
fi

for server in ${names/ base/}; do
    start_server "$server"
    sleep 0.5
    before=$(cpu_ticks "$server_pid")
    sleep 3
    after=$(cpu_ticks "$server_pid")
    rss0=$(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status")
    taskset -c 0 "$build/bench/echo_load" --port "$port" --connections 0 --idle 1000 --seconds 3 --warmup 0 >/dev/null &
    load=$!
    sleep 2
    rss1=$(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status")
    wait "$load"
    stop_server
    awk -v t=$((after - before)) -v k="$tck" -v a="$rss0" -v b="$rss1" -v s="$server" \
        'BEGIN { printf "%s: idle CPU %.1f%% over 3 s; RSS %d KiB idle, %d KiB with 1000 idle connections: %.2f KiB each\n", s, 100 * t / k / 3, a, b, (b - a) / 1000 }'
done
