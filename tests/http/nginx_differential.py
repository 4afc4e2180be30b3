#!/usr/bin/env python3
"""Differential test of HTTP/1.1 framing: raw requests, byte for byte, to our server and to nginx.

Starts nginx (Debian's nginx-light, on a free loopback port, with a generated configuration
that answers every request with `return 200`) and examples/http_server (whose /echo answers
every method with 200), sends each request of the corpus below on a fresh connection to both,
and compares what a client sees: the status class of every response that came back (1xx
interim responses aside), and whether the connection was still open afterwards. Every
difference must be listed, with its reason, in the table "HTTP/1.1 framing, compared with
nginx" of docs/hio-differences.md (the first cell is the case's name); a listed difference
that no longer shows fails too, so the table stays true. Both servers are stopped by PID.

Usage: nginx_differential.py BUILD_DIR SOURCE_DIR. Exit 0: same, or every difference listed;
1: a difference; 77: nginx cannot run here (ctest reports the test as skipped, loudly).
"""
import concurrent.futures
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

SKIP = 77
SILENCE = 0.35  # seconds without a byte after which a connection counts as kept open

H = b'Host: h\r\n'
CORPUS = [
    # --- good requests -------------------------------------------------------------------
    ('GET', b'GET /echo HTTP/1.1\r\n' + H + b'\r\n'),
    ('HEAD', b'HEAD /echo HTTP/1.1\r\n' + H + b'\r\n'),
    ('POST with Content-Length', b'POST /echo HTTP/1.1\r\n' + H + b'Content-Length: 5\r\n\r\nhello'),
    ('POST chunked', b'POST /echo HTTP/1.1\r\n' + H + b'Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'),
    ('HTTP/1.0 without Host', b'GET /echo HTTP/1.0\r\n\r\n'),
    ('HTTP/1.0 keep-alive', b'GET /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\n'),
    ('Connection: close', b'GET /echo HTTP/1.1\r\n' + H + b'Connection: close\r\n\r\n'),
    ('absolute-form target', b'GET http://h/echo HTTP/1.1\r\n' + H + b'\r\n'),
    ('absolute-form target, other Host', b'GET http://other/echo HTTP/1.1\r\n' + H + b'\r\n'),
    ('query string', b'GET /echo?a=1&b=%20 HTTP/1.1\r\n' + H + b'\r\n'),
    ('three pipelined GETs', (b'GET /echo HTTP/1.1\r\n' + H + b'\r\n') * 3),
    ('pipelined GET, POST, GET', b'GET /echo HTTP/1.1\r\n' + H + b'\r\nPOST /echo HTTP/1.1\r\n' + H +
     b'Content-Length: 3\r\n\r\nabcGET /echo HTTP/1.1\r\n' + H + b'\r\n'),
    ('pipelined GET then garbage', b'GET /echo HTTP/1.1\r\n' + H + b'\r\nthis is not http\r\n\r\n'),
    ('many headers', b'GET /echo HTTP/1.1\r\n' + H + b''.join(b'X-%d: %d\r\n' % (i, i) for i in range(60)) + b'\r\n'),
    ('a 4 KB header value', b'GET /echo HTTP/1.1\r\n' + H + b'X-Big: ' + b'a' * 4000 + b'\r\n\r\n'),
    ('empty header value', b'GET /echo HTTP/1.1\r\n' + H + b'X-Empty:\r\n\r\n'),
    ('tab as whitespace in a value', b'GET /echo HTTP/1.1\r\n' + H + b'X-Tab:\tvalue\t\r\n\r\n'),
    ('lowercase header names', b'GET /echo HTTP/1.1\r\nhost: h\r\nx-lower: yes\r\n\r\n'),
    ('a repeated header', b'GET /echo HTTP/1.1\r\n' + H + b'X-A: 1\r\nX-A: 2\r\n\r\n'),
    ('Expect: 100-continue with its body', b'POST /echo HTTP/1.1\r\n' + H +
     b'Expect: 100-continue\r\nContent-Length: 2\r\n\r\nhi'),
    ('a body on a GET', b'GET /echo HTTP/1.1\r\n' + H + b'Content-Length: 3\r\n\r\nabc'),
    ('Connection: keep-alive on HTTP/1.1', b'GET /echo HTTP/1.1\r\n' + H + b'Connection: keep-alive\r\n\r\n'),
    ('chunk extensions', b'POST /echo HTTP/1.1\r\n' + H + b'Transfer-Encoding: chunked\r\n\r\n'
     b'3;a=b\r\nabc\r\n0\r\n\r\n'),
    ('chunked with a trailer', b'POST /echo HTTP/1.1\r\n' + H + b'Transfer-Encoding: chunked\r\n\r\n'
     b'3\r\nabc\r\n0\r\nX-Sum: 1\r\n\r\n'),
    ('uppercase chunk size', b'POST /echo HTTP/1.1\r\n' + H + b'Transfer-Encoding: chunked\r\n\r\n'
     b'A\r\n0123456789\r\n0\r\n\r\n'),
    ('one empty line before the request', b'\r\nGET /echo HTTP/1.1\r\n' + H + b'\r\n'),
    ('two empty lines before the request', b'\r\n\r\nGET /echo HTTP/1.1\r\n' + H + b'\r\n'),
    ('Host with a port', b'GET /echo HTTP/1.1\r\nHost: h:8080\r\n\r\n'),
    ('Host as an IPv6 literal', b'GET /echo HTTP/1.1\r\nHost: [::1]:8080\r\n\r\n'),
    ('Host with an underscore', b'GET /echo HTTP/1.1\r\nHost: my_host\r\n\r\n'),
    ('Content-Length with trailing space', b'POST /echo HTTP/1.1\r\n' + H + b'Content-Length: 3 \r\n\r\nabc'),
    # --- request lines --------------------------------------------------------------------
    ('not a request line', b'hello there\r\n\r\n'),
    ('lowercase method', b'get /echo HTTP/1.1\r\n' + H + b'\r\n'),
    ('unknown method', b'FROB /echo HTTP/1.1\r\n' + H + b'\r\n'),
    ('two spaces after the method', b'GET  /echo HTTP/1.1\r\n' + H + b'\r\n'),
    ('a tab after the method', b'GET\t/echo HTTP/1.1\r\n' + H + b'\r\n'),
    ('no version (HTTP/0.9)', b'GET /echo\r\n\r\n'),
    ('HTTP/1.2', b'GET /echo HTTP/1.2\r\n' + H + b'\r\n'),
    ('HTTP/1.9', b'GET /echo HTTP/1.9\r\n' + H + b'\r\n'),
    ('HTTP/2.0', b'GET /echo HTTP/2.0\r\n' + H + b'\r\n'),
    ('HTTP/3.0', b'GET /echo HTTP/3.0\r\n' + H + b'\r\n'),
    ('HTTP/0.9 written out', b'GET /echo HTTP/0.9\r\n' + H + b'\r\n'),
    ('HTTP/1.10', b'GET /echo HTTP/1.10\r\n' + H + b'\r\n'),
    ('lowercase http/1.1', b'GET /echo http/1.1\r\n' + H + b'\r\n'),
    ('a space after the version', b'GET /echo HTTP/1.1 \r\n' + H + b'\r\n'),
    ('a space inside the target', b'GET /echo x HTTP/1.1\r\n' + H + b'\r\n'),
    ('a control byte in the target', b'GET /echo\x01 HTTP/1.1\r\n' + H + b'\r\n'),
    ('a 20 KB target', b'GET /echo?' + b'a' * 20000 + b' HTTP/1.1\r\n' + H + b'\r\n'),
    ('bare LF line ends', b'GET /echo HTTP/1.1\nHost: h\n\n'),
    ('asterisk form with OPTIONS', b'OPTIONS * HTTP/1.1\r\n' + H + b'\r\n'),
    ('asterisk form with GET', b'GET * HTTP/1.1\r\n' + H + b'\r\n'),
    # --- Host -----------------------------------------------------------------------------
    ('no Host', b'GET /echo HTTP/1.1\r\n\r\n'),
    ('two Host fields', b'GET /echo HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n'),
    ('an empty Host', b'GET /echo HTTP/1.1\r\nHost:\r\n\r\n'),
    ('a Host with a slash', b'GET /echo HTTP/1.1\r\nHost: a/b\r\n\r\n'),
    ('a Host with a space', b'GET /echo HTTP/1.1\r\nHost: a b\r\n\r\n'),
    ('a Host with two dots in a row', b'GET /echo HTTP/1.1\r\nHost: a..b\r\n\r\n'),
    ('a Host with a bad port', b'GET /echo HTTP/1.1\r\nHost: h:http\r\n\r\n'),
    # --- Content-Length and Transfer-Encoding ----------------------------------------------
    ('Content-Length and Transfer-Encoding', b'POST /echo HTTP/1.1\r\n' + H +
     b'Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'),
    ('two equal Content-Lengths', b'POST /echo HTTP/1.1\r\n' + H + b'Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc'),
    ('two different Content-Lengths', b'POST /echo HTTP/1.1\r\n' + H +
     b'Content-Length: 3\r\nContent-Length: 4\r\n\r\nabcd'),
    ('Content-Length with a plus sign', b'POST /echo HTTP/1.1\r\n' + H + b'Content-Length: +3\r\n\r\nabc'),
    ('Content-Length not a number', b'POST /echo HTTP/1.1\r\n' + H + b'Content-Length: x\r\n\r\nabc'),
    ('Content-Length as a list', b'POST /echo HTTP/1.1\r\n' + H + b'Content-Length: 3, 3\r\n\r\nabc'),
    ('Content-Length too large', b'POST /echo HTTP/1.1\r\n' + H + b'Content-Length: 99999999999\r\n\r\n'),
    ('Transfer-Encoding: gzip, chunked', b'POST /echo HTTP/1.1\r\n' + H +
     b'Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n'),
    ('Transfer-Encoding: chunked, gzip', b'POST /echo HTTP/1.1\r\n' + H + b'Transfer-Encoding: chunked, gzip\r\n\r\n'),
    ('Transfer-Encoding: xchunked', b'POST /echo HTTP/1.1\r\n' + H + b'Transfer-Encoding: xchunked\r\n\r\n'),
    ('Transfer-Encoding on HTTP/1.0', b'POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n'),
    ('a bad chunk size', b'POST /echo HTTP/1.1\r\n' + H + b'Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n'),
    ('a trailer carrying Content-Length', b'POST /echo HTTP/1.1\r\n' + H + b'Transfer-Encoding: chunked\r\n\r\n'
     b'3\r\nabc\r\n0\r\nContent-Length: 9\r\n\r\n'),
    ('a trailer carrying Host', b'POST /echo HTTP/1.1\r\n' + H + b'Transfer-Encoding: chunked\r\n\r\n'
     b'3\r\nabc\r\n0\r\nHost: evil\r\n\r\n'),
    # --- whitespace and control bytes in fields --------------------------------------------
    ('obs-fold continuation line', b'GET /echo HTTP/1.1\r\n' + H + b'X-Fold: a\r\n b\r\n\r\n'),
    ('a space before the colon', b'GET /echo HTTP/1.1\r\n' + H + b'X-Space : a\r\n\r\n'),
    ('a field without a colon', b'GET /echo HTTP/1.1\r\n' + H + b'X-No-Colon\r\n\r\n'),
    ('a NUL in a value', b'GET /echo HTTP/1.1\r\n' + H + b'X-Nul: a\x00b\r\n\r\n'),
    ('a bare CR in a value', b'GET /echo HTTP/1.1\r\n' + H + b'X-Cr: a\rb\r\n\r\n'),
    ('a DEL in a value', b'GET /echo HTTP/1.1\r\n' + H + b'X-Del: a\x7fb\r\n\r\n'),
    ('a 20 KB header block', b'GET /echo HTTP/1.1\r\n' + H + b'X-Huge: ' + b'a' * 20000 + b'\r\n\r\n'),
    ('a field name with a slash', b'GET /echo HTTP/1.1\r\n' + H + b'X/Slash: a\r\n\r\n'),
]


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def wait_port(port, process, deadline=10.0):
    end = time.time() + deadline
    while time.time() < end:
        if process.poll() is not None:
            return False
        try:
            socket.create_connection(('127.0.0.1', port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def start_nginx(workdir):
    nginx = shutil.which('nginx') or ('/usr/sbin/nginx' if os.path.exists('/usr/sbin/nginx') else None)
    if nginx is None:
        return None, None, 'nginx is not installed (apt-get install nginx-light)'
    port = free_port()
    for sub in ('body', 'proxy', 'fastcgi', 'uwsgi', 'scgi', 'logs'):
        os.makedirs(os.path.join(workdir, sub), exist_ok=True)
    config = os.path.join(workdir, 'nginx.conf')
    with open(config, 'w') as f:
        f.write(f"""daemon off;
master_process off;
worker_processes 1;
pid {workdir}/nginx.pid;
error_log {workdir}/logs/error.log;
events {{ worker_connections 256; }}
http {{
    access_log off;
    client_body_temp_path {workdir}/body;
    proxy_temp_path {workdir}/proxy;
    fastcgi_temp_path {workdir}/fastcgi;
    uwsgi_temp_path {workdir}/uwsgi;
    scgi_temp_path {workdir}/scgi;
    server {{
        listen 127.0.0.1:{port};
        location / {{ return 200 "ok\\n"; }}
    }}
}}
""")
    process = subprocess.Popen([nginx, '-c', config, '-p', workdir], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
    if not wait_port(port, process):
        error = process.stderr.read().decode(errors='replace') if process.poll() is not None else 'no answer'
        stop(process)
        return None, None, 'nginx did not start: ' + error.strip()
    return process, port, None


def start_hio(build):
    program = os.path.join(build, 'examples', 'http_server')
    process = subprocess.Popen([program, '--port', '0', '--quiet'], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    line = process.stdout.readline().decode()
    match = re.search(r'listening on 127\.0\.0\.1:(\d+)', line)
    if not match:
        stop(process)
        raise RuntimeError('http_server did not start: ' + line + process.stderr.read().decode())
    return process, int(match.group(1))


def stop(process):
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def parse_responses(data):
    """The status codes of the complete responses in `data`, in order (1xx skipped)."""
    statuses = []
    while data:
        end = data.find(b'\r\n\r\n')
        if end < 0 or not data.startswith(b'HTTP/'):
            if data and not data.startswith(b'HTTP/'):
                statuses.append('not HTTP')  # an HTTP/0.9 answer: a body without a status line
            break
        head, data = data[:end].decode('latin-1'), data[end + 4:]
        lines = head.split('\r\n')
        try:
            status = int(lines[0].split(' ')[1])
        except (IndexError, ValueError):
            statuses.append('bad status line')
            break
        if 100 <= status < 200:
            continue
        fields = {}
        for line in lines[1:]:
            name, _, value = line.partition(':')
            fields[name.strip().lower()] = value.strip()
        statuses.append(status)
        if 'content-length' in fields:
            data = data[int(fields['content-length']):]
        elif 'chunked' in fields.get('transfer-encoding', ''):
            while True:
                line_end = data.find(b'\r\n')
                if line_end < 0:
                    return statuses
                size = int(data[:line_end].split(b';')[0], 16)
                data = data[line_end + 2 + size + 2:]
                if size == 0:
                    break
        elif status in (204, 304):
            pass
        else:
            break  # the body runs to the close
    return statuses


def probe(port, request):
    """(status classes of the responses, True when the connection stayed open)."""
    s = socket.create_connection(('127.0.0.1', port), timeout=5)
    s.settimeout(SILENCE)
    got = b''
    open_ = True
    try:
        s.sendall(request)
        while True:
            chunk = s.recv(65536)
            if not chunk:
                open_ = False
                break
            got += chunk
    except socket.timeout:
        pass
    except ConnectionResetError:
        open_ = False
    finally:
        s.close()
    classes = tuple(f'{s // 100}xx' if isinstance(s, int) else s for s in parse_responses(got))
    return classes, open_


def describe(outcome):
    classes, open_ = outcome
    return (', '.join(classes) if classes else 'no response') + (', kept open' if open_ else ', closed')


def listed_differences(source):
    """Names in the first column of the nginx table in docs/hio-differences.md."""
    path = os.path.join(source, 'docs', 'hio-differences.md')
    text = open(path, encoding='utf-8').read()
    start = text.find('### HTTP/1.1 framing, compared with nginx')
    if start < 0:
        return {}
    names = {}
    for line in text[start:].split('\n')[1:]:
        if line.startswith('### ') or line.startswith('## '):
            break
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        if len(cells) >= 2 and cells[0] and not set(cells[0]) <= set('-: ') and cells[0] != 'case':
            names[cells[0].strip('`')] = cells
    return names


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 2
    build, source = sys.argv[1], sys.argv[2]
    workdir = tempfile.mkdtemp(prefix='hio_nginx_')
    nginx = hio = None
    try:
        nginx, nginx_port, problem = start_nginx(workdir)
        if nginx is None:
            print('SKIPPED: ' + problem)
            return SKIP
        hio, hio_port = start_hio(build)
        names = [name for name, _ in CORPUS]
        assert len(set(names)) == len(names), 'case names must be unique'
        with concurrent.futures.ThreadPoolExecutor(max_workers=16) as pool:
            theirs = list(pool.map(lambda case: probe(nginx_port, case[1]), CORPUS))
            ours = list(pool.map(lambda case: probe(hio_port, case[1]), CORPUS))
        listed = listed_differences(source)
        failures = []
        differing = set()
        for (name, _), nginx_outcome, hio_outcome in zip(CORPUS, theirs, ours):
            same = nginx_outcome == hio_outcome
            mark = 'same' if same else ('listed' if name in listed else 'DIFFERENT')
            print(f'{mark:9} {name}: nginx {describe(nginx_outcome)}; hio {describe(hio_outcome)}')
            if not same:
                differing.add(name)
                if name not in listed:
                    failures.append(f'{name}: nginx {describe(nginx_outcome)}, hio {describe(hio_outcome)} '
                                    '(not listed in docs/hio-differences.md)')
        for name in listed:
            if name not in differing:
                failures.append(f'{name}: listed in docs/hio-differences.md but no longer different (or not '
                                'in the corpus): remove the row')
        print(f'{len(CORPUS)} requests: {len(CORPUS) - len(differing)} answered alike, {len(differing)} differ '
              f'({len(differing) - len([f for f in failures if "not listed" in f])} listed with a reason)')
        for failure in failures:
            print('FAILED ' + failure)
        return 1 if failures else 0
    finally:
        stop(hio)
        stop(nginx)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == '__main__':
    sys.exit(main())
