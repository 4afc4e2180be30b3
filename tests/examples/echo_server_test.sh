#!/usr/bin/env bash
# The README's main job, end to end: start examples/echo_server on a free port, talk to it
# with examples/echo_client and with nc, stop it with SIGTERM, expect a clean exit; then the
# same over TLS with certificates made here, talking with echo_client --tls and s_client.
# Usage: echo_server_test.sh BUILD_DIR
set -euo pipefail
# HIO_TEST_BACKEND=asio runs the example over Asio's sockets (--backend asio); unset: epoll.
backend=()
[[ -n "${HIO_TEST_BACKEND:-}" ]] && backend=(--backend "$HIO_TEST_BACKEND")
build=$1
log=$(mktemp)
pki=$(mktemp -d)
server_pid=
cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -9 "$server_pid" 2>/dev/null || true
    fi
    rm -rf "$log" "$pki"
}
trap cleanup EXIT

"$build/examples/echo_server" --port 0 "${backend[@]}" --idle-timeout 10 >"$log" 2>&1 &
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

# --- The same example over TLS ---
(
    cd "$pki"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem \
        -days 2 -subj /CN=test-ca 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout server.key -out server.csr \
        -subj /CN=localhost 2>/dev/null
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 \
        -extfile ext 2>/dev/null
)
: >"$log"
"$build/examples/echo_server" --port 0 "${backend[@]}" --tls --cert "$pki/server.pem" --key "$pki/server.key" >"$log" 2>&1 &
server_pid=$!
port=
for _ in $(seq 100); do
    port=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$log")
    [[ -n "$port" ]] && break
    sleep 0.1
done
[[ -n "$port" ]] || { echo "TLS echo_server did not print 'listening on'"; cat "$log"; exit 1; }
out=$(timeout 10 "$build/examples/echo_client" --tls --ca "$pki/ca.pem" --host localhost --port "$port" --count 3)
[[ "$out" == $'message 1\nmessage 2\nmessage 3' ]] || { echo "TLS echo_client got '$out'"; exit 1; }
reply=$( (printf 'hello s_client\n'; sleep 1) | timeout 10 openssl s_client -connect "127.0.0.1:$port" \
    -CAfile "$pki/ca.pem" -verify_return_error -quiet -no_ign_eof 2>/dev/null)
[[ "$reply" == "hello s_client" ]] || { echo "s_client got '$reply'"; exit 1; }
kill -HUP "$server_pid"  # reload certificates (the reloader looks once a second)
for _ in $(seq 30); do
    grep -q "^reloaded certificates" "$log" && break
    sleep 0.1
done
grep -q "^reloaded certificates" "$log" || { echo "no reload on SIGHUP"; cat "$log"; exit 1; }
kill -TERM "$server_pid"
wait "$server_pid" && status=0 || status=$?
server_pid=
[[ $status == 0 ]] || { echo "TLS echo_server exited $status"; cat "$log"; exit 1; }
echo "TLS echo_server example: ok (port $port)"

# Every example prints its usage for --help (exit 0) and refuses an unknown option (exit 2).
for program in echo_server echo_client hello_doist http_server; do
    "$build/examples/$program" --help | grep -q "^usage: $program" || { echo "$program --help"; exit 1; }
    "$build/examples/$program" --no-such-option 2>/dev/null && status=0 || status=$?
    [[ $status == 2 ]] || { echo "$program with an unknown option exited $status, not 2"; exit 1; }
done
echo "examples: --help and unknown options ok"
