#!/usr/bin/env python3
"""examples/console_echo under a pseudo-terminal (as a user at a terminal), and with a pipe.

Under a pty it must show its prompt, echo typed lines, serve a TCP client at the same time,
and exit 0 on "q"; in raw mode the terminal must not echo the keys itself. With --stdio and
a pipe it must echo every line and stop at the end of input. Usage: console_echo_test.py BUILD_DIR
"""
import os
import pty
import re
import select
import signal
import socket
import subprocess
import sys
import time

program = os.path.join(sys.argv[1], "examples", "console_echo")


def fail(message, screen=""):
    print("console_echo: " + message)
    print(screen)
    sys.exit(1)


def run_in_pty(args):
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(program, [program] + args)
    return pid, fd


def read_until(fd, pattern, screen, limit=5.0):
    deadline = time.monotonic() + limit
    while not re.search(pattern, screen, re.S):
        left = deadline - time.monotonic()
        if left <= 0:
            return screen, False
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:  # EIO: the program exited and the pty closed
                return screen, bool(re.search(pattern, screen, re.S))
            if not chunk:
                return screen, False
            screen += chunk.decode(errors="replace")
    return screen, True


def wait_exit(pid, limit=5.0):
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.05)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return None


for raw in (False, True):
    pid, fd = run_in_pty(["--raw"] if raw else [])
    try:
        screen, ok = read_until(fd, r"listening on [0-9.]+:(\d+).*Type cmd & Enter: ", "")
        if not ok:
            fail("no prompt", screen)
        port = int(re.search(r"listening on [0-9.]+:(\d+)", screen).group(1))
        # The TCP server answers while the console waits for a key.
        with socket.create_connection(("127.0.0.1", port), timeout=5) as client:
            client.sendall(b"ping over tcp\n")
            if client.recv(100) != b"ping over tcp\n":
                fail("no TCP echo", screen)
        os.write(fd, b"hello console\r" if raw else b"hello console\n")
        screen, ok = read_until(fd, r"Echo: hello console", screen)
        if not ok:
            fail("no echo of the typed line", screen)
        typed_echo = "hello console\r\n" in screen.split("Echo:")[0]
        if raw and typed_echo:
            fail("raw mode: the terminal echoed the keys", screen)
        if not raw and not typed_echo:
            fail("cooked mode: the terminal did not echo the keys", screen)
        os.write(fd, b"q\r" if raw else b"q\n")
        screen, ok = read_until(fd, r"stopped: 1 lines echoed, 1 connections served", screen)
        if not ok:
            fail("no stop line after q", screen)
        code = wait_exit(pid)
        pid = None
        if code != 0:
            fail("exit status %r after q" % code, screen)
    finally:
        if pid:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
        os.close(fd)

# Standard input from a pipe: every line echoed, the end of input ends the program.
result = subprocess.run([program, "--stdio"], input=b"one\ntwo\nthree", capture_output=True, timeout=10)
out = result.stdout.decode()
if result.returncode != 0 or "Echo: one\n" not in out or "Echo: three\n" not in out \
        or "stopped: 3 lines echoed" not in out:
    fail("--stdio with a pipe (exit %d)" % result.returncode, out + result.stderr.decode())
print("console_echo example: ok (cooked and raw under a pty, and a pipe)")
