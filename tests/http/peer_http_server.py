"""An HTTP/1.1 server from Python's standard library (http.server), for the client tests.

Usage: peer_http_server.py PORT_FILE
Listens on 127.0.0.1, a free port, which it writes to PORT_FILE once bound; serves until
killed. Routes: /hello, /echo (method, X-Test and body), /chunked, /close (body ended by the
close), /redirect (302 to /hello), /relative/redirect (302 to "../hello"), /loop (302 to
itself), /see-other (303 to /echo), /slow (answers after 3 s), /events (three server-sent
events, then the close), /partial (half a header line, then the close), /early
(401 without reading the body), /not-modified (304 with a Content-Length), /count (how many connections this server accepted).
"""
import http.server
import os
import socketserver
import sys
import time

accepted = 0


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_body(self, body, status=200, headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def redirect(self, status, location):
        self.send_body(b"moved\n", status, [("Location", location)])

    def read_body(self):
        length = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(length) if length else b""

    def route(self):
        path = self.path
        if path == "/early":  # answers before reading the upload (as servers do for 401/413)
            self.send_body(b"no\n", 401)
            return
        body = self.read_body()
        if path == "/hello":
            self.send_body(b"hello\n", headers=[("Content-Type", "text/plain")])
        elif path == "/echo":
            text = "%s x=%s body=%s" % (self.command, self.headers.get("X-Test", ""), body.decode())
            self.send_body(text.encode())
        elif path == "/chunked":
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for piece in (b"chunk one,", b" chunk two,", b" " + b"x" * 70000):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                self.wfile.flush()
            self.wfile.write(b"0\r\nX-Trailer: t\r\n\r\n")
        elif path == "/close":
            self.send_response(200)
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(b"until the close")
            self.close_connection = True
        elif path == "/redirect":
            self.redirect(302, "/hello")
        elif path == "/relative/redirect":
            self.redirect(302, "../hello")
        elif path == "/loop":
            self.redirect(302, "/loop")
        elif path == "/see-other":
            self.redirect(303, "/echo")
        elif path == "/slow":
            time.sleep(3)
            self.send_body(b"late\n")
        elif path == "/events":
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            for text in (b"id: 1\nevent: greeting\ndata: hello\n\n", b": comment\r\ndata: two\r\ndata: lines\r\n\r\n",
                         b"id: 3\ndata: last\n\n"):
                self.wfile.write(text)
                self.wfile.flush()
                time.sleep(0.05)
            self.close_connection = True
        elif path == "/partial":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Le")
            self.wfile.flush()
            self.close_connection = True
        elif path == "/not-modified":  # RFC 9110 8.6 allows the length of what a 200 would send
            self.send_response(304)
            self.send_header("Content-Length", "1234")
            self.end_headers()
        elif path == "/count":
            self.send_body(str(accepted).encode())
        else:
            self.send_body(b"not found\n", 404)

    do_GET = do_POST = do_HEAD = route


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True

    def get_request(self):
        global accepted
        accepted += 1
        return super().get_request()


server = Server(("127.0.0.1", 0), Handler)
with open(sys.argv[1] + ".tmp", "w") as out:
    out.write(str(server.server_address[1]))
os.rename(sys.argv[1] + ".tmp", sys.argv[1])
server.serve_forever()
