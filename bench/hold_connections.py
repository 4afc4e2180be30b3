"""Opens COUNT connections to 127.0.0.1:PORT, each after one exchange (an HTTP request
answered, or one echoed byte), prints "ready", waits for a line on stdin, then prints how many
of them the server has closed meanwhile (a server that closes some must not look cheaper).

Usage: python3 hold_connections.py PORT COUNT http|echo"""
import resource
import select
import socket
import sys

port, count, http = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3] == "http"
resource.setrlimit(resource.RLIMIT_NOFILE, (count + 100, count + 100))
held = []
for _ in range(count):
    s = socket.create_connection(("127.0.0.1", port))
    if http:
        s.sendall(b"GET / HTTP/1.1\r\nHost: bench\r\n\r\n")
        got = b""
        while b"\r\n\r\n" not in got or not got.endswith(b"\n"):
            chunk = s.recv(4096)
            if not chunk:
                sys.exit("the server closed a connection before answering")
            got += chunk
    else:
        s.sendall(b"x")
        s.recv(1)
    held.append(s)
print("ready", flush=True)
sys.stdin.readline()
poller = select.poll()
for s in held:
    poller.register(s, select.POLLIN)
by_fd = {s.fileno(): s for s in held}
closed = 0
for fd, _ in poller.poll(0):
    try:
        if by_fd[fd].recv(1, socket.MSG_PEEK) == b"":
            closed += 1
    except OSError:
        closed += 1
print("closed", closed, flush=True)
