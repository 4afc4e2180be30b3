#!/usr/bin/env bash
# The Windows build's servers, serving real Linux clients: examples/echo_server.exe and
# examples/http_server.exe run under Wine (their sockets are the host's), nc and curl talk to
# them over loopback, and Ctrl-C (SIGINT, which Wine hands the program as CTRL_C_EVENT) stops
# each gracefully with exit status 0.
# Usage: windows_servers_test.sh BUILD_DIR WINE64   (WINEPREFIX set by ctest)
set -euo pipefail
build=$1
wine=$2
log=$(mktemp)
root=$(mktemp -d)
server_pid=
cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -9 "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$log" "$root"
}
trap cleanup EXIT

# Starts "$@" under Wine with its output in $log; sets server_pid and port.
start() {
    : >"$log"
    "$wine" "$@" >"$log" 2>&1 &
    server_pid=$!
    port=
    for _ in $(seq 300); do  # up to 30 s: Wine's first start in a prefix is slow
        port=$(tr -d '\r' <"$log" | sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p')
        [[ -n "$port" ]] && break
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    [[ -n "$port" ]] || { echo "$1 did not print 'listening on'"; cat "$log"; exit 1; }
}

# Sends Ctrl-C and expects a graceful exit with status 0 within 10 s.
stop() {
    kill -INT "$server_pid"
    for _ in $(seq 100); do
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    if kill -0 "$server_pid" 2>/dev/null; then
        echo "$1 did not stop within 10 s of Ctrl-C"; cat "$log"; exit 1
    fi
    wait "$server_pid" && status=0 || status=$?
    server_pid=
    [[ $status == 0 ]] || { echo "$1 exited $status"; cat "$log"; exit 1; }
}

# --- echo_server.exe ---
start "$build/examples/echo_server.exe" --port 0 --idle-timeout 10
reply=$(printf 'hello from nc\n' | timeout 10 nc -N 127.0.0.1 "$port")
[[ "$reply" == "hello from nc" ]] || { echo "nc got '$reply'"; cat "$log"; exit 1; }
reply=$(printf 'one\ntwo\n' | timeout 10 nc -N 127.0.0.1 "$port")
[[ "$reply" == $'one\ntwo' ]] || { echo "nc got '$reply'"; cat "$log"; exit 1; }
stop echo_server.exe
tr -d '\r' <"$log" | grep -q "^stopped: 2 connections served" || { echo "no stop line"; cat "$log"; exit 1; }
echo "echo_server.exe under Wine: ok (port $port)"

# --- http_server.exe ---
mkdir -p "$root/site/sub"
printf 'hello, windows\n' >"$root/site/hello.txt"
printf 'inner\n' >"$root/site/sub/inner.txt"
printf 'secret\n' >"$root/secret.txt"
ln -s ../secret.txt "$root/site/escape.txt"       # a link out of the root (Wine follows host links)
ln -s hello.txt "$root/site/alias.txt"            # a link inside it
site=$("$wine" winepath -w "$root/site" 2>/dev/null | tr -d '\r')
[[ -n "$site" ]] || { echo "winepath gave no Windows path for $root/site"; exit 1; }
start "$build/examples/http_server.exe" --port 0 --root "$site"
base="http://127.0.0.1:$port"
body=$(curl -sS --max-time 10 "$base/")
[[ "$body" == "hello from hio-cpp" ]] || { echo "GET / gave '$body'"; cat "$log"; exit 1; }
body=$(curl -sS --max-time 10 -X POST --data 'x=1' "$base/echo")
[[ "$body" == *'"method": "POST"'* && "$body" == *'"body": "x=1"'* ]] || { echo "POST /echo gave '$body'"; exit 1; }
body=$(curl -sS --max-time 10 "$base/files/hello.txt")
[[ "$body" == "hello, windows" ]] || { echo "GET /files/hello.txt gave '$body'"; cat "$log"; exit 1; }
body=$(curl -sS --max-time 10 "$base/files/sub/inner.txt")
[[ "$body" == "inner" ]] || { echo "GET /files/sub/inner.txt gave '$body'"; exit 1; }
# No way out of the root, and no name Windows reads as something else: each is refused
# (403) or not found (404), never the secret, never a crash.
for path in "/files/../secret.txt" "/files/%2e%2e/secret.txt" "/files/..%5csecret.txt" "/files/sub%5c..%5c..%5csecret.txt" \
            "/files/hello.txt::\$DATA" "/files/hello.txt%3a%3a\$DATA" "/files/hello.txt." "/files/hello.txt%20" \
            "/files/NUL" "/files/con.txt" "/files/C:%5cwindows%5cwin.ini" "/files/%5c%5c127.0.0.1%5cc\$%5cx"; do
    code=$(curl -sS --max-time 10 --path-as-is -o "$root/out" -w '%{http_code}' "$base$path")
    [[ "$code" == 403 || "$code" == 404 || "$code" == 400 ]] || { echo "GET $path gave $code: $(cat "$root/out")"; exit 1; }
    ! grep -q secret "$root/out" || { echo "GET $path served the secret"; exit 1; }
done
# A link inside the root is served; one out of it is refused by the final-path check.
body=$(curl -sS --max-time 10 "$base/files/alias.txt")
[[ "$body" == "hello, windows" ]] || { echo "GET /files/alias.txt gave '$body'"; exit 1; }
code=$(curl -sS --max-time 10 -o "$root/out" -w '%{http_code}' "$base/files/escape.txt")
[[ "$code" == 403 ]] || { echo "GET /files/escape.txt gave $code: $(cat "$root/out")"; exit 1; }
# The Windows-only refusals are 403 (detail::segment_refused), not a lucky 404.
for path in "/files/..%5csecret.txt" "/files/hello.txt%3a%3a\$DATA" "/files/hello.txt." "/files/NUL"; do
    code=$(curl -sS --max-time 10 --path-as-is -o /dev/null -w '%{http_code}' "$base$path")
    [[ "$code" == 403 ]] || { echo "GET $path gave $code, not 403"; exit 1; }
done
stop http_server.exe
echo "http_server.exe under Wine: ok (port $port)"
