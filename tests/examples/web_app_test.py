#!/usr/bin/env python3
"""examples/web_app in a real browser: headless Chromium driven over the DevTools protocol.

The page must list the items already there, go live over server-sent events (gzipped, as a
browser asks), show an item another client (Python) posts without a reload, add one through
its own form, and show the server's problem+json detail for a name the server refuses. The
API is checked from Python too (201/303/400/404/415). A screenshot is kept as an artifact:
BUILD_DIR/tests/artifacts/web_app.png. Exits 77 (ctest: skipped, shown as such) when
Chromium is missing. Usage: web_app_test.py BUILD_DIR
"""
import base64
import http.client
import socket
import struct
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

build = sys.argv[1]
program = os.path.join(build, "examples", "web_app")
chromium = shutil.which("chromium") or shutil.which("chromium-browser")
if chromium is None:
    print("SKIPPED: the web_app browser test needs Debian's chromium (bash scripts/install-deps.sh)")
    sys.exit(77)


def fail(message):
    print("web_app: FAIL: " + message)
    sys.exit(1)


def read_line(process, pattern, limit=15.0):
    """The first line of process's stdout (a pipe) matching pattern."""
    deadline = time.monotonic() + limit
    stream = process.stdout
    while time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        match = re.search(pattern, line)
        if match:
            return match
    fail("no line matching %r" % pattern)


def api(method, path, body=None, headers=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, dict(response.getheaders()), data


class WebSocket:
    """The client side of RFC 6455, as much as the DevTools protocol needs: text messages."""

    def __init__(self, url):
        match = re.match(r"ws://([^:/]+):(\d+)(/.*)", url)
        self.socket = socket.create_connection((match.group(1), int(match.group(2))), timeout=10)
        key = base64.b64encode(os.urandom(16)).decode()
        self.socket.sendall(("GET %s HTTP/1.1\r\nHost: %s:%s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                             "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n"
                             % (match.group(3), match.group(1), match.group(2), key)).encode())
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            self.buffer += self.receive_some()
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        if not head.startswith(b"HTTP/1.1 101"):
            fail("DevTools refused the WebSocket: " + head.decode(errors="replace"))

    def receive_some(self):
        data = self.socket.recv(65536)
        if not data:
            fail("DevTools closed the WebSocket")
        return data

    def take(self, count):
        while len(self.buffer) < count:
            self.buffer += self.receive_some()
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def send(self, text):
        payload = text.encode()
        mask = os.urandom(4)
        size = len(payload)
        head = struct.pack("!BB", 0x81, 0x80 | size) if size < 126 else (
            struct.pack("!BBH", 0x81, 0x80 | 126, size) if size < 65536 else struct.pack("!BBQ", 0x81, 0x80 | 127, size))
        self.socket.sendall(head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))

    def receive(self):
        message = b""
        while True:
            first, second = self.take(2)
            size = second & 0x7F
            if size == 126:
                size = struct.unpack("!H", self.take(2))[0]
            elif size == 127:
                size = struct.unpack("!Q", self.take(8))[0]
            payload = self.take(size)  # a server's frames are not masked
            if first & 0x0F in (0x1, 0x0):
                message += payload
                if first & 0x80:
                    return message.decode()
            elif first & 0x0F == 0x8:
                fail("DevTools closed the WebSocket")

    def close(self):
        self.socket.close()


class DevTools:
    """A page target of Chromium over the DevTools protocol (JSON messages on a WebSocket)."""

    def __init__(self, url):
        self.socket = WebSocket(url)
        self.next_id = 0
        self.events = []

    def call(self, method, **params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            message = json.loads(self.socket.receive())
            if message.get("id") == self.next_id:
                if "error" in message:
                    fail("%s: %s" % (method, message["error"]))
                return message["result"]
            self.events.append(message)  # Network.* and other events, kept for checks
        fail(method + " got no answer")

    def evaluate(self, expression):
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True)
        return result["result"].get("value")

    def wait_for(self, expression, what, limit=10.0):
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.evaluate(expression):
                return
            time.sleep(0.05)
        fail("the page never showed " + what + "; it shows: " + str(self.evaluate("document.body.innerText")))


items_js = "[...document.querySelectorAll('#items li')].map(li => li.textContent)"

backend = os.environ.get("HIO_TEST_BACKEND", "")  # asio: the example over Asio's sockets
app = subprocess.Popen([program, "--port", "0", "--quiet"] + (["--backend", backend] if backend else []), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
browser = None
profile = tempfile.mkdtemp(prefix="hio-web-app-")
browser_log = tempfile.TemporaryFile()
try:
    port = int(read_line(app, r"listening on 127\.0\.0\.1:(\d+)").group(1))

    # --- The API, from Python ---
    status, headers, body = api("POST", "/api/items", json.dumps({"name": "milk"}),
                                {"Content-Type": "application/json", "Accept": "application/json"})
    if status != 201 or json.loads(body) != {"id": 1, "name": "milk"} or headers.get("Location") != "/api/items/1":
        fail("JSON POST: %d %s %s" % (status, headers, body))
    status, headers, _ = api("POST", "/api/items", "name=eggs+%26+ham",
                             {"Content-Type": "application/x-www-form-urlencoded"})
    if status != 303 or headers.get("Location") != "/":
        fail("form POST: %d %s" % (status, headers))
    status, headers, body = api("GET", "/api/items")
    if status != 200 or json.loads(body) != {"items": [{"id": 1, "name": "milk"}, {"id": 2, "name": "eggs & ham"}],
                                             "last": 2}:
        fail("GET /api/items: %d %s" % (status, body))
    status, headers, body = api("POST", "/api/items", "{\"name\": ", {"Content-Type": "application/json",
                                                                      "Accept": "application/json"})
    problem = json.loads(body)
    if status != 400 or headers.get("Content-Type") != "application/problem+json" or problem["status"] != 400:
        fail("malformed JSON: %d %s %s" % (status, headers, body))
    for path, expected in (("/api/items/2", 200), ("/api/items/99", 404), ("/api/items/x", 400)):
        status, _, body = api("GET", path, headers={"Accept": "application/json"})
        if status != expected:
            fail("GET %s: %d, expected %d: %s" % (path, status, expected, body))
    status, _, _ = api("POST", "/api/items", "name: x", {"Content-Type": "text/plain"})
    if status != 415:
        fail("a text/plain body: %d, expected 415" % status)

    # --- The page, in Chromium ---
    browser = subprocess.Popen([chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                "--disable-extensions", "--disable-background-networking",
                                "--remote-debugging-port=0", "--remote-allow-origins=*",
                                "--user-data-dir=" + profile, "--window-size=800,600", "about:blank"],
                               stdout=browser_log, stderr=subprocess.STDOUT, start_new_session=True)
    # Chromium writes the port it chose into DevToolsActivePort in its profile.
    active = os.path.join(profile, "DevToolsActivePort")
    deadline = time.monotonic() + 15
    while not (os.path.exists(active) and open(active).read().count("\n") >= 1):
        if time.monotonic() > deadline or browser.poll() is not None:
            browser_log.seek(0)
            fail("Chromium did not start: " + browser_log.read().decode(errors="replace")[-1000:])
        time.sleep(0.05)
    devtools_port = int(open(active).read().split()[0])
    connection = http.client.HTTPConnection("127.0.0.1", devtools_port, timeout=5)
    connection.request("GET", "/json/list")
    targets = json.loads(connection.getresponse().read())
    page_target = next(target for target in targets if target["type"] == "page")
    page = DevTools(page_target["webSocketDebuggerUrl"])
    page.call("Network.enable")
    page.call("Page.enable")
    page.call("Page.navigate", url="http://127.0.0.1:%d/" % port)
    page.wait_for("document.body && document.body.dataset.live === 'open'", "the live feed open")
    page.wait_for(items_js + ".join('|') === 'milk|eggs & ham'", "the two items already there")

    # Another client adds one: the page shows it without a reload.
    status, _, _ = api("POST", "/api/items", json.dumps({"name": "from Python"}),
                       {"Content-Type": "application/json"})
    if status != 201:
        fail("second client's POST: %d" % status)
    page.wait_for(items_js + ".includes('from Python')", "the item Python posted")

    # The page's own form.
    page.evaluate("document.querySelector('input[name=name]').value = 'typed in the page';"
                  "document.getElementById('add').requestSubmit()")
    page.wait_for(items_js + ".includes('typed in the page')", "the item typed in its form")
    _, _, body = api("GET", "/api/items")
    if [item["name"] for item in json.loads(body)["items"]][-1] != "typed in the page":
        fail("the server does not have the page's item: %s" % body)
    # A name the server refuses (blanks pass the input's `required`): its detail is shown.
    page.evaluate("document.querySelector('input[name=name]').value = '   ';"
                  "document.getElementById('add').requestSubmit()")
    page.wait_for("document.getElementById('error').textContent.includes('1 to 100 bytes')",
                  "the server's problem detail")
    if page.evaluate(items_js + ".length") != 4:
        fail("the refused item was shown: %s" % page.evaluate(items_js))

    # The browser asked for gzip, and got the page, the list and the event stream gzipped.
    encodings = {}
    for event in page.events:
        if event.get("method") == "Network.responseReceived":
            response = event["params"]["response"]
            encodings[response["url"].split(str(port), 1)[-1]] = {k.lower(): v for k, v in
                                                                  response["headers"].items()}.get("content-encoding")
    events_path = next((path for path in encodings if path.startswith("/api/events")), None)
    if events_path is None or encodings[events_path] != "gzip" or encodings.get("/") != "gzip":
        fail("expected gzip for the page and the event stream, got %s" % encodings)

    artifacts = os.path.join(build, "tests", "artifacts")
    os.makedirs(artifacts, exist_ok=True)
    shot = page.call("Page.captureScreenshot", format="png")
    with open(os.path.join(artifacts, "web_app.png"), "wb") as out:
        out.write(base64.b64decode(shot["data"]))
    print("web_app: the page showed %s; screenshot in %s" % (page.evaluate(items_js), artifacts + "/web_app.png"))
    page.socket.close()
finally:
    if browser is not None:
        os.killpg(browser.pid, signal.SIGKILL)
        browser.wait()
    shutil.rmtree(profile, ignore_errors=True)
    app.send_signal(signal.SIGTERM)
    try:
        output, _ = app.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        app.kill()
        fail("web_app did not stop on SIGTERM")
if app.returncode != 0 or "stopped:" not in output:
    fail("web_app exited %d: %s" % (app.returncode, output[-500:]))
print("web_app: passed")
