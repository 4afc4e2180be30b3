#!/usr/bin/env bash
# examples/udp_echo, end to end: start it on a free port (IPv4, then IPv6 with --quiet), talk
# to it with nc -u and Python, stop it with SIGTERM, expect a clean exit and the right lines.
# Usage: udp_echo_test.sh BUILD_DIR
set -euo pipefail
# HIO_TEST_BACKEND=asio runs the example over Asio's sockets (--backend asio); unset: epoll.
backend=()
[[ -n "${HIO_TEST_BACKEND:-}" ]] && backend=(--backend "$HIO_TEST_BACKEND")
build=$1
log=$(mktemp)
pid=
cleanup() {
    if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
        kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$log"
}
trap cleanup EXIT
fail() { echo "udp_echo: $*"; cat "$log"; exit 1; }

start() {  # start ARGS...: runs udp_echo, sets pid and port
    "$build/examples/udp_echo" --port 0 "${backend[@]}" "$@" >"$log" 2>&1 &
    pid=$!
    port=
    for _ in $(seq 100); do  # up to 10 s for "listening on HOST:PORT"
        port=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$log")
        [[ -n "$port" ]] && return 0
        sleep 0.1
    done
    fail "did not print 'listening on'"
}

stop() {  # SIGTERM, then a clean exit within 5 s
    kill -TERM "$pid"
    for _ in $(seq 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$pid" 2>/dev/null && fail "did not stop within 5 s of SIGTERM"
    wait "$pid" && status=0 || status=$?
    pid=
    [[ $status == 0 ]] || fail "exited $status"
}

python_echo() {  # python_echo FAMILY HOST COUNT: each datagram must come back
    timeout 10 python3 - "$1" "$2" "$port" "$3" <<'PY'
import socket, sys
family, host, port, count = getattr(socket, sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
s = socket.socket(family, socket.SOCK_DGRAM)
s.settimeout(2)
for i in range(count):
    message = b"datagram %d " % i * 20
    s.sendto(message, (host, port))
    if s.recv(65536) != message:
        sys.exit("wrong echo %d" % i)
PY
}

start
grep -q "^listening on 127.0.0.1:$port$" "$log" || fail "not on 127.0.0.1"
reply=$(printf 'hello from nc\n' | timeout 10 nc -u -w1 127.0.0.1 "$port")
[[ "$reply" == "hello from nc" ]] || fail "nc got '$reply'"
python_echo AF_INET 127.0.0.1 50 || fail "python's echo failed"
stop
[[ $(grep -c "^peer 127.0.0.1:" "$log") == 2 ]] || fail "expected one line per peer (2)"
grep -q "^stopped: 51 datagrams echoed, 0 send errors$" "$log" || fail "no stop line"

start --host ::1 --quiet
python_echo AF_INET6 ::1 20 || fail "python's IPv6 echo failed"
stop
grep -q "^peer " "$log" && fail "--quiet printed peer lines"
grep -q "^stopped: 20 datagrams echoed" "$log" || fail "no IPv6 stop line"
echo "udp_echo example: ok"
