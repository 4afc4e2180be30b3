#!/usr/bin/env bash
# --workers N, end to end: echo_server and http_server with two worker threads serve nc,
# echo_client and curl; one SIGTERM stops every worker; a streamed answer in flight on each
# worker completes before the process exits 0.
# Usage: workers_test.sh BUILD_DIR
set -euo pipefail
build=$1
log=$(mktemp)
dir=$(mktemp -d)
server_pid=
cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -9 "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$log" "$dir"
}
trap cleanup EXIT

start() {
    "$@" >"$log" 2>&1 &
    server_pid=$!
    port=
    for _ in $(seq 100); do
        port=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$log")
        [[ -n "$port" ]] && break
        sleep 0.1
    done
    [[ -n "$port" ]] || { echo "$1 did not print 'listening on'"; cat "$log"; exit 1; }
}

stop_within() {  # seconds
    kill -TERM "$server_pid"
    for _ in $(seq $(($1 * 10))); do
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$server_pid" 2>/dev/null; then
        echo "server did not stop within $1 s of SIGTERM"; cat "$log"; exit 1
    fi
    wait "$server_pid" && status=0 || status=$?
    server_pid=
    [[ $status == 0 ]] || { echo "server exited $status"; cat "$log"; exit 1; }
}

# --- echo_server --workers 2 ---
start "$build/examples/echo_server" --port 0 --workers 2
grep -q '^workers: 2$' "$log" || { echo "no 'workers: 2' line"; cat "$log"; exit 1; }
out=$(timeout 10 "$build/examples/echo_client" --port "$port" --count 100)
[[ $(printf '%s\n' "$out" | tail -1) == "message 100" ]] || { echo "echo_client: wrong echo"; exit 1; }
for i in 1 2 3 4; do
    reply=$(printf 'hello %s\n' "$i" | timeout 10 nc -N 127.0.0.1 "$port")
    [[ "$reply" == "hello $i" ]] || { echo "nc got '$reply'"; cat "$log"; exit 1; }
done
stop_within 5
grep -q '^stopped: 5 connections served by 2 workers' "$log" || { echo "no stop line"; cat "$log"; exit 1; }
# The first goes to worker 0; the second finds worker 0 busier or tied, and the tie goes on in
# turn: both workers served.
grep -q '^worker 0: [1-5] connections$' "$log" && grep -q '^worker 1: [1-5] connections$' "$log" ||
    { echo "not both workers served"; cat "$log"; exit 1; }
echo "echo_server --workers 2: ok"

# --- http_server --workers 2: a streamed answer in flight on each worker at SIGTERM ---
start "$build/examples/http_server" --port 0 --workers 2 --root "$dir" --grace 5 --quiet
curl -sS --max-time 10 "http://127.0.0.1:$port/drip?lines=8" >"$dir/a" &
a=$!
curl -sS --max-time 10 "http://127.0.0.1:$port/drip?lines=8" >"$dir/b" &
b=$!
sleep 0.6  # both answers are dripping (a line every 0.25 s, 2 s in all)
stop_within 8
wait "$a" || { echo "curl a failed"; exit 1; }
wait "$b" || { echo "curl b failed"; exit 1; }
[[ $(wc -l <"$dir/a") == 8 && $(wc -l <"$dir/b") == 8 ]] || { echo "a drip was cut: $(wc -l <"$dir/a") and $(wc -l <"$dir/b") lines"; cat "$log"; exit 1; }
grep -q '^worker 0: 1 connections$' "$log" && grep -q '^worker 1: 1 connections$' "$log" ||
    { echo "the two answers were not on two workers"; cat "$log"; exit 1; }
grep -q '^stopped: 2 requests' "$log" || { echo "no stop line"; cat "$log"; exit 1; }
echo "http_server --workers 2: ok"
