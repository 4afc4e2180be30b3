#!/usr/bin/env bash
# Application benchmark: wrk against
#   1. a JSON echo endpoint (POST /api/echo, a 240-byte object parsed and written again):
#      examples/web_app against an aiohttp app doing the same (bench/aiohttp_json_echo.py);
#   2. static files of 1 KB and 1 MB: examples/http_server (StaticFiles under /files/)
#      against nginx serving the same directory (sendfile on, access log off);
# servers pinned to CPU 1, wrk to CPU 0, keep-alive, servers alternating over ROUNDS rounds,
# ratios of medians. Then the RSS of each file server while curl downloads a 1 GB file.
#
# Usage: bench/run_app_bench.sh BUILD_DIR [SECONDS] [ROUNDS]
# Needs wrk, nginx-light and python3-aiohttp (Debian packages).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
build=${1:?usage: run_app_bench.sh BUILD_DIR [SECONDS] [ROUNDS]}
seconds=${2:-5}
rounds=${3:-3}
here=$(cd "$(dirname "$0")" && pwd)
command -v wrk >/dev/null || { echo "wrk not installed (apt-get install wrk)"; exit 1; }
command -v nginx >/dev/null || { echo "nginx not installed (apt-get install nginx-light)"; exit 1; }
python3 -c 'import aiohttp' 2>/dev/null || /usr/bin/python3 -c 'import aiohttp' ||
    { echo "aiohttp not installed (apt-get install python3-aiohttp)"; exit 1; }
python=python3
python3 -c 'import aiohttp' 2>/dev/null || python=/usr/bin/python3  # Debian's, where aiohttp is
ulimit -n 8192
tck=$(getconf CLK_TCK)
work=$(mktemp -d)
server_pid=
trap 'if [[ -n "$server_pid" ]]; then kill -9 "$server_pid" 2>/dev/null || true; fi; rm -rf "$work"' EXIT

mkdir -p "$work/site"
head -c 1024 /dev/urandom >"$work/site/1k.bin"
head -c $((1024 * 1024)) /dev/urandom >"$work/site/1m.bin"
truncate -s 1G "$work/site/1g.bin"
cat >"$work/post.lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"id": 12345, "name": "a benchmark item", "tags": ["alpha", "beta", "gamma"], ' ..
           '"price": 19.99, "stock": true, "dimensions": {"w": 10, "h": 20, "d": 30}, ' ..
           '"note": "the same object, parsed and written again by each server"}'
LUA


start_server() {  # $1: hio-json, aiohttp, hio-files or nginx; sets server_pid and port
    : >"$work/log"
    case $1 in
    hio-json)
        taskset -c 1 "$build/examples/web_app" --port 0 --quiet >"$work/log" 2>&1 &
        server_pid=$!
        wait_listening "$work/log" || { echo "web_app did not start"; cat "$work/log"; exit 1; } ;;
    aiohttp)
        port=$(free_port)
        taskset -c 1 "$python" "$here/aiohttp_json_echo.py" "$port" >"$work/log" 2>&1 &
        server_pid=$!
        wait_listening "$work/log" || { echo "aiohttp did not start"; cat "$work/log"; exit 1; } ;;
    hio-files)
        taskset -c 1 "$build/examples/http_server" --port 0 --quiet --root "$work/site" >"$work/log" 2>&1 &
        server_pid=$!
        wait_listening "$work/log" || { echo "http_server did not start"; cat "$work/log"; exit 1; } ;;
    nginx)
        start_nginx "$work" "sendfile on; tcp_nopush on;" \
            "location /files/ { alias $work/site/; default_type application/octet-stream; }" /files/1k.bin ;;
    esac
}
ratio() { awk -v a="$(median "$1")" -v b="$(median "$2")" 'BEGIN { printf "%.2fx", (b > 0 ? a / b : 0) }'; }

declare -A result
printf '%-14s %-10s %12s %12s %18s\n' scenario server "req/s" "MB/s" "req/server-CPU-s"
for scenario in "json echo|hio-json aiohttp|/api/echo|-c50|-s $work/post.lua" \
                "static 1 KB|hio-files nginx|/files/1k.bin|-c50|" \
                "static 1 MB|hio-files nginx|/files/1m.bin|-c10|"; do
    IFS='|' read -r name servers path connections script <<<"$scenario"
    for _ in $(seq "$rounds"); do
        for server in $servers; do
            start_server "$server"
            # shellcheck disable=SC2086
            wrk -t1 -c1 -d1s $script "http://127.0.0.1:$port$path" >/dev/null  # warm-up
            before=$(cpu_ticks "$server_pid")
            # shellcheck disable=SC2086
            out=$(taskset -c 0 wrk -t1 $connections -d"${seconds}s" $script "http://127.0.0.1:$port$path")
            after=$(cpu_ticks "$server_pid")
            stop_server
            errors=$(awk '/Non-2xx|Socket errors/' <<<"$out")
            [[ -z "$errors" ]] || { echo "$server: $errors"; exit 1; }
            rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
            mbps=$(awk '/^Transfer\/sec:/ { v = $2 + 0; if ($2 ~ /GB$/) v *= 1024; if ($2 ~ /KB$/) v /= 1024; print v }' <<<"$out")
            per_cpu=$(awk -v r="$rps" -v s="$seconds" -v t=$((after - before)) -v k="$tck" \
                'BEGIN { if (t > 0) printf "%.0f", r * s * k / t; else print "inf" }')
            result[$name,$server]+=" $rps"
            result[$name,$server,cpu]+=" $per_cpu"
            printf '%-14s %-10s %12s %12s %18s\n' "$name" "$server" "$rps" "$mbps" "$per_cpu"
        done
    done
    read -r ours peer <<<"$servers"
    echo "$name: $ours/$peer $(ratio "${result[$name,$ours]}" "${result[$name,$peer]}") req/s," \
         "$(ratio "${result[$name,$ours,cpu]}" "${result[$name,$peer,cpu]}") per server CPU-second (medians)"
done

# RSS while serving a 1 GB file: sampled every 50 ms during a full-speed download.
for server in hio-files nginx; do
    start_server "$server"
    sleep 0.3
    idle=$(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status")
    peak=$idle
    curl -s -o /dev/null "http://127.0.0.1:$port/files/1g.bin" &
    downloader=$!
    while kill -0 "$downloader" 2>/dev/null; do
        rss=$(awk '/VmRSS/ {print $2}' "/proc/$server_pid/status")
        ((rss > peak)) && peak=$rss
        sleep 0.05
    done
    wait "$downloader"
    stop_server
    echo "$server: RSS $idle KiB idle, $peak KiB at most while serving 1 GB"
done
