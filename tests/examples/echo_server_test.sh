#!/usr/bin/env bash
# The README's main job, end to end: start examples/echo_server on a free port, talk to it
# with examples/echo_client and with nc, stop it with SIGTERM, expect a clean exit.
# Usage: echo_server_test.sh BUILD_DIR
set -euo pipefail
build=$1
log=$(mktemp)
server_pid=
cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -9 "$server_pid" 2>/dev/null || true
    fi
    rm -f "$log"
}
trap cleanup EXIT

"$build/examples/echo_server" --port 0 --idle-timeout 10 >"$log" 2>&1 &
server_pid=$!

port=
for _ in $(seq 100); do  # up to 10 s for "listening on HOST:PORT"
    port=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$log")
    [[ -n "$port" ]] && break
    sleep 0.1
done
[[ -n "$port" ]] || { echo "echo_server did not print 'listening on'"; cat "$log"; exit 1; }

out=$(timeout 10 "$build/examples/echo_client" --port "$port" --count 100)
[[ $(printf '%s\n' "$out" | wc -l) == 100 ]] || { echo "echo_client: wrong echo"; exit 1; }
[[ $(printf '%s\n' "$out" | tail -1) == "message 100" ]] || { echo "echo_client: last line wrong"; exit 1; }

reply=$(printf 'hello from nc\n' | timeout 10 nc -N 127.0.0.1 "$port")
[[ "$reply" == "hello from nc" ]] || { echo "nc got '$reply'"; exit 1; }

kill -TERM "$server_pid"
for _ in $(seq 50); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
done
if kill -0 "$server_pid" 2>/dev/null; then
    echo "echo_server did not stop within 5 s of SIGTERM"; exit 1
fi
wait "$server_pid" && status=0 || status=$?
server_pid=
[[ $status == 0 ]] || { echo "echo_server exited $status"; cat "$log"; exit 1; }
grep -q "^open  #1 " "$log" || { echo "no open log line"; cat "$log"; exit 1; }
grep -q "^stopped: 2 connections served" "$log" || { echo "no stop line"; cat "$log"; exit 1; }
echo "echo_server example: ok (port $port)"
