#!/usr/bin/env bash
# examples/http_server end to end: start it on a free port with a temporary --root, then
# curl for hello, the request echoed as JSON (checked by Python's json module), a static file
# with its Content-Type, a refused path traversal, the SSE clock (Python), keep-alive reuse;
# stop it with SIGTERM.
# Usage: http_server_test.sh BUILD_DIR
set -euo pipefail
# HIO_TEST_BACKEND=asio runs the example over Asio's sockets (--backend asio); unset: epoll.
backend=()
[[ -n "${HIO_TEST_BACKEND:-}" ]] && backend=(--backend "$HIO_TEST_BACKEND")
build=$1
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
fail() { echo "http_server_test: $*"; cat "$log"; exit 1; }

mkdir -p "$root/pub"
printf '<h1>hi</h1>\n' >"$root/pub/index.html"
printf 'secret\n' >"$root/secret.txt"
head -c 2000000 /dev/urandom >"$root/pub/big.bin"
"$build/examples/http_server" --port 0 "${backend[@]}" --root "$root/pub" >"$log" 2>&1 &
server_pid=$!
port=
for _ in $(seq 100); do
    port=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$log")
    [[ -n "$port" ]] && break
    sleep 0.1
done
[[ -n "$port" ]] || fail "no 'listening on' line"
base="http://127.0.0.1:$port"

[[ $(curl -s -m 10 "$base/") == "hello from hio-cpp" ]] || fail "hello"
curl -s -m 10 "$base/echo?x=1" -H 'X-Test: a"b' -d 'the body' | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["method"] == "POST" and r["path"] == "/echo" and r["query"] == "x=1", r
assert ["X-Test", "a\"b"] in r["headers"] and r["body"] == "the body", r
' || fail "echo JSON"
headers=$(curl -s -m 10 -D - -o /dev/null "$base/files/index.html")
grep -qi '^Content-Type: text/html; charset=utf-8' <<<"$headers" || fail "Content-Type: $headers"
[[ $(curl -s -m 10 "$base/files/index.html") == "<h1>hi</h1>" ]] || fail "static file"
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' --path-as-is "$base/files/../secret.txt")
[[ $code == 403 ]] || fail "traversal gave $code"
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$base/files/%2e%2e/secret.txt")
[[ $code == 403 ]] || fail "encoded traversal gave $code"
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$base/files/missing.html")
[[ $code == 404 ]] || fail "missing file gave $code"
headers=$(curl -s -m 10 -D - -o /dev/null -X DELETE "$base/files/index.html")
grep -q '^HTTP/1.1 405' <<<"$headers" && grep -qi '^Allow: GET' <<<"$headers" || fail "405: $headers"
# The SSE clock: two tick events, ids counting up, then the client leaves.
python3 - "$port" <<'PY' || fail "SSE clock"
import http.client, sys
c = http.client.HTTPConnection('127.0.0.1', int(sys.argv[1]), timeout=10)
c.request('GET', '/clock', headers={'Accept': 'text/event-stream', 'Last-Event-ID': '7'})
r = c.getresponse()
assert r.status == 200 and r.getheader('Content-Type') == 'text/event-stream', r.getheaders()
lines = []
while sum(1 for l in lines if l.startswith(b'event: tick')) < 2:
    lines.append(r.readline().rstrip(b'\r\n'))
assert lines[0:3] == [b'event: welcome', b'data: back after tick 7', b''], lines
ids = [int(l[4:]) for l in lines if l.startswith(b'id: ')]
assert len(ids) >= 1 and ids == sorted(ids), lines
assert any(l.startswith(b'data: ') and l.endswith(b' GMT') for l in lines), lines
PY
# Two URLs, one connection: curl reports how many it opened.
opened=$(curl -s -m 10 -o /dev/null -o /dev/null -w '%{num_connects}\n' "$base/" "$base/echo" | awk '{ s += $1 } END { print s }')
[[ $opened == 1 ]] || fail "keep-alive: curl opened $opened connections"

# Usage: --help prints it and exits 0; an unknown option exits 2.
"$build/examples/http_server" --help | grep -q '^usage: http_server' || fail "--help"
set +e
"$build/examples/http_server" --bogus 2>/dev/null
status=$?
set -e
[[ $status == 2 ]] || fail "an unknown option exited $status, not 2"

# /digest/NAME: a blocking read and hash on the Offload pool; the answer matches Python's
# FNV-1a over the same bytes. A bad name is 400, a missing file 404.
want=$(python3 -c "
import sys
h = 14695981039346656037
data = open(sys.argv[1], 'rb').read()
for b in data:
    h = ((h ^ b) * 1099511628211) & 0xffffffffffffffff
print('fnv1a64 %016x %d' % (h, len(data)))" "$root/pub/big.bin")
got=$(curl -sS -m 10 "$base/digest/big.bin")
[[ "$got" == "$want" ]] || fail "digest: got '$got', want '$want'"
code=$(curl -s -m 10 -o /dev/null -w '%{http_code}' "$base/digest/nothing.bin")
[[ $code == 404 ]] || fail "digest of a missing file gave $code"
code=$(curl -s -m 10 --path-as-is -o /dev/null -w '%{http_code}' "$base/digest/..%2fsecret.txt")
[[ $code == 400 ]] || fail "digest of ../secret.txt gave $code"

# A graceful stop: SIGTERM while a streamed answer is half sent. The answer completes, a new
# connection is refused, and the server exits 0 well within its grace period.
drip_out=$(mktemp)
curl -s -m 10 "$base/drip?lines=8" >"$drip_out" &
curl_pid=$!
sleep 0.6
kill -TERM "$server_pid"
sleep 0.2
set +e
curl -s -m 5 -o /dev/null "$base/" 2>/dev/null
late=$?
set -e
wait "$curl_pid" || fail "the streamed answer was cut (curl exit $?)"
[[ $(wc -l <"$drip_out") == 8 && $(tail -n 1 "$drip_out") == "line 8" ]] || fail "drip: $(cat "$drip_out")"
rm -f "$drip_out"
[[ $late == 7 ]] || fail "a connection after SIGTERM was not refused (curl exit $late)"
for _ in $(seq 50); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
done
wait "$server_pid" || fail "exit status $?"
server_pid=
grep -q '^stopped: ' "$log" || fail "no 'stopped' line"
echo "http_server example: all checks passed"
