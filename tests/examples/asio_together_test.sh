#!/usr/bin/env bash
# examples/asio_together end to end: an Asio coroutine service and hio's echo server in one
# io_context. A Python client talks to both at once (each line upper-cased by one, echoed by
# the other), keeps a connection to each open, and SIGTERM must stop both sides: the Doist
# through its graceful shutdown, the Asio service by its own hand; exit 0 within 5 s.
# Usage: asio_together_test.sh BUILD_DIR
set -euo pipefail
build=$1
log=$(mktemp)
server_pid=""
cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -9 "$server_pid" 2>/dev/null || true
    fi
    rm -f "$log"
}
trap cleanup EXIT
fail() { echo "FAILED: $*"; cat "$log"; exit 1; }

"$build/examples/asio_together" >"$log" 2>&1 &
server_pid=$!
upper="" echo_port=""
for _ in $(seq 1 100); do
    upper=$(sed -n 's/^upper on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$log")
    echo_port=$(sed -n 's/^echo on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$log")
    [[ -n "$upper" && -n "$echo_port" ]] && break
    sleep 0.05
done
[[ -n "$upper" && -n "$echo_port" ]] || fail "the two 'on 127.0.0.1:PORT' lines did not come"

python3 - "$upper" "$echo_port" "$server_pid" <<'PY'
import os, signal, socket, sys, time
upper_port, echo_port, pid = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
up = socket.create_connection(("127.0.0.1", upper_port), timeout=5)
ec = socket.create_connection(("127.0.0.1", echo_port), timeout=5)
def ask(s, line):
    s.sendall(line)
    got = b""
    while not got.endswith(b"\n"):
        chunk = s.recv(4096)
        if not chunk:
            raise SystemExit("the server closed before answering " + repr(line))
        got += chunk
    return got
for i in range(20):  # interleaved: both services answer from the same thread
    line = ("line %d of mixed Case\n" % i).encode()
    assert ask(up, line) == line.upper(), "upper"
    assert ask(ec, line) == line, "echo"
# Both connections stay open: SIGTERM must close them and end the program.
os.kill(pid, signal.SIGTERM)
for s in (up, ec):
    s.settimeout(5)
    try:
        rest = s.recv(4096)
    except ConnectionResetError:
        rest = b""
    assert rest == b"", "expected the server to close, got " + repr(rest)
print("ok")
PY

for _ in $(seq 1 100); do
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.05
done
kill -0 "$server_pid" 2>/dev/null && fail "asio_together did not stop within 5 s of SIGTERM"
wait "$server_pid" && status=0 || status=$?
server_pid=""
[[ $status -eq 0 ]] || fail "exit status $status"
grep -q '^hio stopped (stopped): 1 echo connections served$' "$log" || fail "no 'hio stopped' line"
grep -q '^stopped: 1 upper connections served$' "$log" || fail "no 'stopped' line"
echo "ok: both services answered from one io_context, and SIGTERM stopped both"
