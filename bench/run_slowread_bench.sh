#!/usr/bin/env bash
# Slow-read attack: slowhttptest's 1000 connections reading a 1 MB file from
# examples/http_server a few bytes every few seconds (3 pipelined requests each). Prints the
# server's peak RSS and descriptors, its RSS after the attack, a fresh download's time during
# it (and whether its bytes are identical), the server's CPU, and the kernel's peak TCP
# memory (/proc/net/sockstat), then slowhttptest's verdict.
#
# Usage: bench/run_slowread_bench.sh BUILD_DIR [SEND_BUFFER]   (SEND_BUFFER: the server's
# --send-buffer, bytes; 0, the default: the kernel's own.) Needs slowhttptest (Debian package).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build=${1:?usage: run_slowread_bench.sh BUILD_DIR [SEND_BUFFER]}
send_buffer=${2:-0}
command -v slowhttptest >/dev/null || { echo "slowhttptest not installed (apt-get install slowhttptest)"; exit 1; }
ulimit -n 8192
work=$(mktemp -d)
server_pid=
trap 'if [[ -n "$server_pid" ]]; then kill -9 "$server_pid" 2>/dev/null || true; fi; rm -rf "$work"' EXIT
mkdir -p "$work/site"
head -c $((1024 * 1024)) /dev/urandom >"$work/site/big.bin"
"$build/examples/http_server" --port 0 --root "$work/site" --quiet --max-connections 5000 \
    --send-buffer "$send_buffer" >"$work/log" 2>&1 &
server_pid=$!
wait_listening "$work/log" || { echo "http_server did not start"; cat "$work/log"; exit 1; }
before=$(cpu_ticks "$server_pid")
slowhttptest -X -c 1000 -r 200 -w 10 -y 20 -n 5 -z 32 -k 3 -u "http://127.0.0.1:$port/files/big.bin" -l 25 -p 3 \
    >"$work/slowhttptest.out" 2>&1 &
attacker=$!
peak=0 descriptors=0 tcp_peak=0
for i in $(seq 130); do
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status")
    ((rss > peak)) && peak=$rss
    n=$(find "/proc/$server_pid/fd" -mindepth 1 -maxdepth 1 | wc -l)
    ((n > descriptors)) && descriptors=$n
    tcp=$(awk '/^TCP:/ { for (i = 1; i <= NF; i++) if ($i == "mem") print $(i + 1) }' /proc/net/sockstat)
    ((tcp > tcp_peak)) && tcp_peak=$tcp
    if ((i == 60)); then
        start=$(date +%s%N)
        curl -s -o "$work/download" "http://127.0.0.1:$port/files/big.bin"
        end=$(date +%s%N)
        cmp -s "$work/download" "$work/site/big.bin" && same=identical || same=DIFFERENT
        echo "a 1 MB download during the attack: $(((end - start) / 1000000)) ms, bytes $same"
    fi
    sleep 0.2
done
wait "$attacker" || true
echo "server: peak RSS $peak KiB, $(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status") KiB after," \
     "$descriptors descriptors at most, $(($(cpu_ticks "$server_pid") - before)) CPU ticks" \
     "($(getconf CLK_TCK)/s); kernel TCP memory at most $tcp_peak pages"
grep -i "service available" "$work/slowhttptest.out" | tail -1 | sed 's/\x1b\[[0-9;]*m//g'
stop_server
