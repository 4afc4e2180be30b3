// The HTTP/1.1 server doer against clients we did not write: curl, Python's http.client, and
// raw sockets for pipelining and hostile requests. Loopback only, port 0, bounded.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <hio/hio.hpp>
#include <hio/http/multipart.hpp>

#include "catch.hpp"
#include "support/http.hpp"
#include "support/net.hpp"

using hio_test::NetRig;
using hio_test::ProcessDoer;
using hio_test::raw_exchange;

namespace {

// hello at /hello, the request echoed at /echo (method, path, query, a header, body), 204 at
// /empty, a thrown exception at /fail, 404 elsewhere.
void app(const hio::http::Request& request, hio::http::Response& response) {
    response.headers.set("Content-Type", "text/plain");
    if (request.path == "/hello") {
        response.body = "hello\n";
    } else if (request.path == "/echo") {
        response.body = request.method + " " + request.path + " ?" + request.query_string + " x=" +
                        request.headers.value("X-Test") + " body=" + request.body;
    } else if (request.path == "/headers") {
        std::string all;
        for (const std::string_view value : request.headers.get_all("x-a"))
            all += std::string{value} + ",";
        response.body = all + "|" + (request.headers.has("X-EMPTY") ? "empty=" + request.headers.value("x-empty") : "none") +
                        "|" + (request.remote.starts_with("127.0.0.1:") ? "remote" : "no remote: " + request.remote);
    } else if (request.path == "/trailers") {
        std::string trailers;
        for (const auto& [name, value] : request.trailers)
            trailers += name + ":" + value + ",";
        response.body = "headers=" + std::to_string(request.headers.get_all("X-Checksum").size()) +
                        " trailers=" + trailers;
    } else if (request.path == "/empty") {
        response.status = 204;
        response.body = "never sent";
    } else if (request.path == "/fail") {
        throw std::runtime_error{"handler broke"};
    } else {
        response.status = 404;
        response.body = "no " + request.path + "\n";
    }
}

// The test app on a free port, with a client process to run against it.
struct Http : hio_test::HttpRig {
    explicit Http(hio::http::ServerOptions options = {}, hio::StreamServerOptions tcp_options = {})
        : HttpRig{app, std::move(options), std::move(tcp_options)} {}
};

}  // namespace

TEST_CASE("curl gets a response with Date, Content-Length and the body", "[http][server][peer]") {
    Http server;
    std::string out;
    REQUIRE(server.run({"curl", "-s", "-i", "http://127.0.0.1:" + server.port() + "/echo?a=1&b=2", "-H", "X-Test: yes"},
                       out) == 0);
    INFO(out);
    CHECK(out.rfind("HTTP/1.1 200 OK\r\n", 0) == 0);
    CHECK(out.find("\r\nDate: ") != std::string::npos);
    CHECK(out.find("\r\nContent-Length: 30\r\n") != std::string::npos);
    CHECK(out.find("\r\n\r\nGET /echo ?a=1&b=2 x=yes body=") != std::string::npos);
    CHECK(server.http.requests() == 1);
}

TEST_CASE("A keep-alive request costs the server one wake pass, not two", "[http][server][peer]") {
    // The answer is written and flushed in the pass where the request arrived; the server's own
    // send must not mark the connection for another pass.
    Http server;
    std::string out;
    const int code = server.python(raw_exchange +
                                       "c = http.client.HTTPConnection('127.0.0.1', PORT, timeout=5)\n"
                                       "for i in range(100):\n"
                                       "    c.request('GET', '/hello')\n"
                                       "    r = c.getresponse()\n"
                                       "    check(r.status == 200 and r.read() == b'hello\\n', 'request %d' % i)\n",
                                   out);
    INFO(out);
    REQUIRE(code == 0);
    CHECK(server.http.requests() == 100);
    // One per request, plus a few for the accept and the close.
    CHECK(server.rig.wake_passes <= 100 + 5);
}

TEST_CASE("An idle HTTP server sleeps: a kept-alive connection costs no pass while it waits", "[http][server][idle][peer]") {
    Http server;
    std::string out;
    const int code = server.python(raw_exchange +
                                       "c = http.client.HTTPConnection('127.0.0.1', PORT, timeout=5)\n"
                                       "c.request('GET', '/hello'); r = c.getresponse(); r.read()\n"
                                       "time.sleep(1.5)\n"
                                       "c.request('GET', '/hello'); r = c.getresponse()\n"
                                       "check(r.status == 200 and r.read() == b'hello\\n', 'still served')\n",
                                   out);
    INFO(out);
    REQUIRE(code == 0);
    // At a tock of 0.01 s a Doist that woke every pass would run about 150 passes here; the
    // rig's own doers look every 0.05 s, and the server idles.
    INFO("passes " << server.rig.passes);
    CHECK(server.rig.passes < 60);
}

TEST_CASE("Python's http.client reuses one keep-alive connection for several requests", "[http][server][peer]") {
    Http server;
    std::string out;
    const int code = server.python(raw_exchange +
                                       "c = http.client.HTTPConnection('127.0.0.1', PORT, timeout=5)\n"
                                       "for i in range(5):\n"
                                       "    c.request('GET', '/hello')\n"
                                       "    r = c.getresponse()\n"
                                       "    check(r.status == 200 and r.read() == b'hello\\n', 'request %d' % i)\n"
                                       "c.request('POST', '/echo?q', body=b'posted', headers={'X-Test': 'p'})\n"
                                       "r = c.getresponse()\n"
                                       "check(r.read() == b'POST /echo ?q x=p body=posted', 'post')\n"
                                       "c.request('POST', '/echo', body=iter([b'chu', b'nked', b'']), "
                                       "headers={'Transfer-Encoding': 'chunked'}, encode_chunked=True)\n"
                                       "r = c.getresponse()\n"
                                       "check(r.read() == b'POST /echo ? x= body=chunked', 'chunked upload')\n"
                                       "c.request('HEAD', '/hello')\n"
                                       "r = c.getresponse()\n"
                                       "check(r.status == 200 and r.getheader('Content-Length') == '6' and r.read() == b'', 'head')\n"
                                       "c.request('GET', '/empty')\n"
                                       "r = c.getresponse()\n"
                                       "check(r.status == 204 and r.getheader('Content-Length') is None "
                                       "and r.getheader('Transfer-Encoding') is None and r.read() == b'', '204 without framing')\n"
                                       "c.request('GET', '/fail')\n"
                                       "r = c.getresponse()\n"
                                       "body = r.read()\n"
                                       "check(r.status == 500 and b'handler broke' not in body, "
                                       "'handler exception is a 500 that reveals nothing: ' + repr(body))\n",
                                   out);
    INFO(out);
    CHECK(code == 0);
    CHECK(server.tcp.accepted() == 1);  // one connection for all (the 500, last, closes it)
}

TEST_CASE("Pipelined requests are answered in order, HTTP/1.0 closes, absolute targets work", "[http][server][peer]") {
    Http server;
    std::string out;
    const int code = server.python(
        raw_exchange +
            "got = exchange(b'GET /echo?1 HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n'\n"
            "               b'POST /echo?2 HTTP/1.1\\r\\nHost: h\\r\\nContent-Length: 3\\r\\n\\r\\nabc'\n"
            "               b'GET http://h/echo?3 HTTP/1.1\\r\\nHost: h\\r\\nConnection: close\\r\\n\\r\\n'\n"
            "               b'GET /never HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n')\n"
            "print(got)\n"
            "bodies = [b'GET /echo ?1 x= body=', b'POST /echo ?2 x= body=abc', b'GET /echo ?3 x= body=']\n"
            "at = [got.find(b) for b in bodies]\n"
            "check(all(a >= 0 for a in at) and at == sorted(at), 'three answers in order')\n"
            "check(got.count(b'HTTP/1.1 200 OK') == 3 and b'/never' not in got, 'nothing after Connection: close')\n"
            "got = exchange(b'GET /headers HTTP/1.1\\r\\nHost: h\\r\\nX-A:1\\r\\nX-Empty:\\r\\nx-a:  2 \\r\\n'\n"
            "               b'Connection: close\\r\\n\\r\\n')\n"
            "check(got.endswith(b'1,2,|empty=|remote'), 'repeated names kept, any case, no space, empty value: ' "
            "+ repr(got[-30:]))\n"
            "got = exchange(b'POST /echo HTTP/1.1\\r\\nHost: h\\r\\nTransfer-Encoding: chunked\\r\\nConnection: close\\r\\n\\r\\n'\n"
            "               b'3;name=value\\r\\nabc\\r\\n2\\r\\nde\\r\\n0\\r\\nX-Trailer: t\\r\\n\\r\\n')\n"
            "check(got.endswith(b'body=abcde'), 'chunk extensions and trailers: ' + repr(got[-20:]))\n"
            "got = exchange(b'GET /hello HTTP/1.0\\r\\n\\r\\n')\n"
            "check(got.startswith(b'HTTP/1.1 200 OK') and b'Connection: close' in got and got.endswith(b'hello\\n'), "
            "'HTTP/1.0 answered and closed')\n"
            "got = exchange(b'GET /hello HTTP/1.0\\r\\nConnection: keep-alive\\r\\n\\r\\n', timeout=0.5)\n"
            "check(b'Connection: keep-alive' in got and got.endswith(b'<timeout>'), 'HTTP/1.0 keep-alive kept')\n",
        out);
    INFO(out);
    CHECK(code == 0);
}

TEST_CASE("Hostile and malformed requests get the right status and a close, others are served",
          "[http][server][hostile][peer]") {
    Http server{{.max_header_bytes = 4096, .max_body_bytes = 1000, .request_timeout = 0.5}};
    std::string out;
    const int code = server.python(
        raw_exchange +
            "def status(data, **kw):\n"
            "    got = exchange(data, **kw)\n"
            "    return got.split(b'\\r\\n', 1)[0].decode(errors='replace'), got\n"
            "cases = [\n"
            " ('smuggling: Content-Length and Transfer-Encoding', b'POST / HTTP/1.1\\r\\nHost: h\\r\\nContent-Length: 4\\r\\n"
            "Transfer-Encoding: chunked\\r\\n\\r\\n0\\r\\n\\r\\n', '400'),\n"
            " ('conflicting Content-Lengths', b'POST / HTTP/1.1\\r\\nHost: h\\r\\nContent-Length: 4\\r\\nContent-Length: 5"
            "\\r\\n\\r\\nabcde', '400'),\n"
            " ('chunked not last', b'POST / HTTP/1.1\\r\\nHost: h\\r\\nTransfer-Encoding: chunked, gzip\\r\\n\\r\\n', '400'),\n"
            " ('bad request line', b'GET / HTP/1.1\\r\\nHost: h\\r\\n\\r\\n', '400'),\n"
            " ('header injection (bare CR)', b'GET / HTTP/1.1\\r\\nHost: h\\rX-Evil: 1\\r\\n\\r\\n', '400'),\n"
            " ('space before colon', b'GET / HTTP/1.1\\r\\nHost : h\\r\\n\\r\\n', '400'),\n"
            " ('unknown method', b'BREW /pot HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n', '501'),\n"
            " ('huge header', b'GET / HTTP/1.1\\r\\nHost: h\\r\\nX-Big: ' + b'a' * 5000 + b'\\r\\n\\r\\n', '431'),\n"
            " ('huge target', b'GET /' + b'a' * 5000 + b' HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n', '414'),\n"
            " ('body too large', b'POST / HTTP/1.1\\r\\nHost: h\\r\\nContent-Length: 1001\\r\\n\\r\\n', '413'),\n"
            " ('chunked body too large', b'POST / HTTP/1.1\\r\\nHost: h\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n"
            "400\\r\\n' + b'x' * 1024 + b'\\r\\n0\\r\\n\\r\\n', '413'),\n"
            " ('HTTP/3.0', b'GET / HTTP/3.0\\r\\nHost: h\\r\\n\\r\\n', '505'),\n"
            " ('a target in no RFC form (found by the fuzzer)', b'POST */p HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n', '400'),\n"
            " ('asterisk form without OPTIONS', b'GET * HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n', '400'),\n"
            "]\n"
            "for what, data, expected in cases:\n"
            "    line, got = status(data)\n"
            "    check(line.startswith('HTTP/1.1 ' + expected) and b'Connection: close' in got "
            "and not got.endswith(b'<timeout>'), what + ': ' + line)\n"
            "line, got = status(b'GET /hello HTTP/1.1\\r\\nHost: h\\r\\n', timeout=3)\n"
            "check(line.startswith('HTTP/1.1 408') and not got.endswith(b'<timeout>'), 'slow sender: ' + line)\n"
            "line, got = status(b'GET /hello HTTP/1.1\\r\\nHost: h\\r\\nConnection: close\\r\\n\\r\\n', pause=0.2)\n"
            "check(line == 'HTTP/1.1 200 OK', 'a request split in two packets, then a good one: ' + line)\n",
        out, 60.0);
    INFO(out);
    CHECK(code == 0);
    CHECK(server.http.refused() == 15);
}

TEST_CASE("curl's Expect: 100-continue upload gets 100 Continue, then the answer", "[http][server][peer]") {
    Http server;
    const std::string body_path = hio_test::temp_path("http_body");
    {
        std::FILE* file = std::fopen(body_path.c_str(), "wb");
        REQUIRE(file != nullptr);
        const std::string body(2000, 'z');
        std::fwrite(body.data(), 1, body.size(), file);
        std::fclose(file);
    }
    std::string out;
    REQUIRE(server.run({"sh", "-c",
                        "curl -s -v -H 'Expect: 100-continue' --data-binary @" + body_path + " http://127.0.0.1:" +
                            server.port() + "/echo 2>&1"},
                       out) == 0);
    std::remove(body_path.c_str());
    INFO(out);
    CHECK(out.find("< HTTP/1.1 100 Continue") != std::string::npos);
    CHECK(out.find("< HTTP/1.1 200 OK") != std::string::npos);
    CHECK(out.find("POST /echo ? x= body=" + std::string(2000, 'z')) != std::string::npos);
}

TEST_CASE("An oversized upload with Expect: 100-continue is refused before the body", "[http][server][peer]") {
    Http server{{.max_body_bytes = 100}};
    std::string out;
    const int code = server.python(raw_exchange +
                                       "got = exchange(b'POST /echo HTTP/1.1\\r\\nHost: h\\r\\nContent-Length: 5000\\r\\n"
                                       "Expect: 100-continue\\r\\n\\r\\n')\n"
                                       "print(got)\n"
                                       "check(got.startswith(b'HTTP/1.1 413') and b'100 Continue' not in got, '413, no 100')\n",
                                   out);
    INFO(out);
    CHECK(code == 0);
}

TEST_CASE("A flood of 2000 silent connections does not lock out a real client of a 1024-connection server",
          "[http][server][limits][peer]") {
    // The server is full after 1024 silent peers; each newcomer makes it close the longest-idle
    // connection that never completed a request, so the real client, which sends at once, is
    // served while the flood goes on. (Without room-making, every real client was refused.)
    Http server{{}, {.max_connections = 1024}};
    std::string out;
    const int code = server.python(
        raw_exchange +
            "import resource\n"
            "resource.setrlimit(resource.RLIMIT_NOFILE, (4096, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))\n"
            "flood = []\n"
            "for i in range(2000):\n"
            "    flood.append(socket.create_connection(('127.0.0.1', PORT), timeout=5))\n"
            "served = 0\n"
            "for i in range(5):\n"
            "    c = http.client.HTTPConnection('127.0.0.1', PORT, timeout=5)\n"
            "    c.request('GET', '/hello')\n"
            "    r = c.getresponse()\n"
            "    served += r.status == 200 and r.read() == b'hello\\n'\n"
            "    c.close()\n"
            "    flood.append(socket.create_connection(('127.0.0.1', PORT), timeout=5))\n"  // the flood goes on
            "check(served == 5, 'the real client was served during the flood: %d of 5' % served)\n"
            "for s in flood: s.close()\n",
        out, 60.0);
    INFO(out);
    CHECK(code == 0);
    CHECK(server.tcp.evicted() >= 2000 + 5 - 1024);
    CHECK(server.tcp.refused() == 0);
}

TEST_CASE("RFC 9112 strictness: Host, request lines, versions, trailers", "[http][server][hostile][peer]") {
    Http server;
    std::string out;
    const int code = server.python(
        raw_exchange +
            "def first_line(data):\n"
            "    return exchange(data, timeout=3).split(b'\\r\\n', 1)[0].decode(errors='replace')\n"
            "cases = [\n"
            " ('no Host in HTTP/1.1', b'GET /hello HTTP/1.1\\r\\n\\r\\n', '400'),\n"
            " ('two Host fields', b'GET /hello HTTP/1.1\\r\\nHost: a\\r\\nHost: b\\r\\n\\r\\n', '400'),\n"
            " ('an invalid Host', b'GET /hello HTTP/1.1\\r\\nHost: a/b\\r\\n\\r\\n', '400'),\n"
            " ('a Host with a space', b'GET /hello HTTP/1.1\\r\\nHost: a b\\r\\n\\r\\n', '400'),\n"
            " ('HTTP/1.0 needs no Host', b'GET /hello HTTP/1.0\\r\\n\\r\\n', '200'),\n"
            " ('an IPv6 literal Host', b'GET /hello HTTP/1.1\\r\\nHost: [::1]:8080\\r\\nConnection: close\\r\\n\\r\\n', '200'),\n"
            " ('not a request line', b'hello there\\r\\n\\r\\n', '400'),\n"
            " ('two spaces', b'GET  /hello HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n', '400'),\n"
            " ('a well-formed unknown method', b'FROB /hello HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n', '501'),\n"
            " ('HTTP/2.0 is not 1.x', b'GET /hello HTTP/2.0\\r\\nHost: h\\r\\n\\r\\n', '505'),\n"
            " ('HTTP/0.9-style line', b'GET /hello\\r\\n\\r\\n', '400'),\n"
            " ('HTTP/1.2 is served as 1.1', b'GET /hello HTTP/1.2\\r\\nHost: h\\r\\nConnection: close\\r\\n\\r\\n', '200'),\n"
            " ('an empty line first is skipped', b'\\r\\nGET /hello HTTP/1.1\\r\\nHost: h\\r\\nConnection: close\\r\\n\\r\\n', '200'),\n"
            " ('a trailer carrying Content-Length', b'POST /echo HTTP/1.1\\r\\nHost: h\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n'"
            "   b'1\\r\\nx\\r\\n0\\r\\nContent-Length: 9\\r\\n\\r\\n', '400'),\n"
            " ('a trailer carrying Host', b'POST /echo HTTP/1.1\\r\\nHost: h\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n'"
            "   b'1\\r\\nx\\r\\n0\\r\\nHost: evil\\r\\n\\r\\n', '400'),\n"
            "]\n"
            "for what, data, expected in cases:\n"
            "    line = first_line(data)\n"
            "    check(line.startswith('HTTP/1.1 ' + expected), what + ': ' + line)\n"
            "got = exchange(b'POST /trailers HTTP/1.1\\r\\nHost: h\\r\\nTransfer-Encoding: chunked\\r\\nConnection: close\\r\\n\\r\\n'\n"
            "               b'1\\r\\nx\\r\\n0\\r\\nX-Checksum: 42\\r\\nX-Forwarded-For: 6.6.6.6\\r\\n\\r\\n')\n"
            "check(got.endswith(b'headers=0 trailers=X-Checksum:42,X-Forwarded-For:6.6.6.6,'), 'trailers apart: ' + repr(got[-60:]))\n",
        out);
    INFO(out);
    CHECK(code == 0);
}

#if !defined(_WIN32)  // TLS: no OpenSSL for Windows here
TEST_CASE("HTTPS: curl talks to the HTTP doer over TLS", "[http][server][tls][peer]") {
    NetRig rig;
    const hio_test::SelfSignedCertificate pem;
    hio::tls::Context context{hio::tls::Role::server,
                              {.certificate_file = pem.certificate(), .key_file = pem.key()}};
    hio::tls::Network network{rig.network, context};
    hio::StreamServer tcp{network, {}};
    hio::http::ServerDoer http{tcp, app};
    tcp.open();
    const std::string output = hio_test::temp_path("https_out");
    ProcessDoer curl{{"curl", "-s", "--cacert", pem.certificate(), "https://127.0.0.1:" + std::to_string(tcp.port()) +
                                                                        "/hello", "https://127.0.0.1:" +
                                                                        std::to_string(tcp.port()) + "/echo?tls"},
                     {},
                     output};
    CHECK(rig.run_until({&http, &curl}, [&] { return curl.done(); }, 20.0));
    CHECK(curl.exit_code() == 0);
    CHECK(hio_test::slurp(output) == "hello\nGET /echo ?tls x= body=");
    CHECK(tcp.accepted() == 1);  // curl reused the TLS connection for the second URL
    std::remove(output.c_str());
}
#endif

TEST_CASE("A one-line handler answers curl", "[http][server][peer]") {
    NetRig rig;
    hio::Network& network = rig.network;
    // The README's handler, on port 0.
    hio::StreamServer tcp{network, {.port = 0, .idle_timeout = 15.0}};  // or over tls::Network
    hio::http::ServerDoer http{tcp, [](const hio::http::Request& request, hio::http::Response& response) {
        response.headers.set("Content-Type", "text/plain");
        response.body = "hello " + request.path + "\n";
    }};
    tcp.open();
    const std::string output = hio_test::temp_path("readme_http_out");
    ProcessDoer curl{{"curl", "-s", "http://127.0.0.1:" + std::to_string(tcp.port()) + "/world"}, {}, output};
    CHECK(rig.run_until({&http, &curl}, [&] { return curl.done(); }, 20.0));
    CHECK(curl.exit_code() == 0);
    CHECK(hio_test::slurp(output) == "hello /world\n");
    std::remove(output.c_str());
}

namespace {

// Uploads under /upload go part by part into files of `directory` (MultipartSink), for a
// client with "Authorization: Bearer t", each file at most `file_limit` bytes; any other
// body is collected as usual (and max_body_bytes, 1 MB, bounds it).
struct Uploads {
    std::string directory;
    std::size_t file_limit = std::size_t{64} << 20;
    std::vector<std::string> names{};  // "name" or "name=filename" per part
    std::vector<std::uint64_t> sizes{};
    std::ofstream file{};

    std::shared_ptr<hio::http::BodySink> choose(const hio::http::Request& request) {
        if (request.path != "/upload")
            return nullptr;
        if (request.headers.value("Authorization") != "Bearer t")
            throw hio::http::Error{401, "Unauthorized", "uploads need a token", {}, {{"WWW-Authenticate", "Bearer"}}};
        return std::make_shared<hio::http::MultipartSink>(
            request, hio::http::MultipartParser::Sinks{
                         .on_part = [this](const hio::http::PartHeader& part) {
                             names.push_back(part.filename.empty() ? part.name : part.name + "=" + part.filename);
                             sizes.push_back(0);
                             file = std::ofstream{directory + "/part" + std::to_string(names.size()), std::ios::binary};
                         },
                         .on_data = [this](std::string_view data) {
                             if (sizes.back() + data.size() > file_limit)
                                 throw hio::http::Error{413, "Content Too Large",
                                                        "a file of at most " + std::to_string(file_limit) + " bytes"};
                             sizes.back() += data.size();
                             file.write(data.data(), static_cast<std::streamsize>(data.size()));
                         },
                         .on_end = [this] { file.close(); }});
    }

    void answer(const hio::http::Request& request, hio::http::Response& response) const {
        response.body = std::to_string(names.size()) + " parts, body " + std::to_string(request.body.size()) +
                        (request.body_sink ? ", streamed" : "") + ":";
        for (std::size_t i = 0; i < names.size(); ++i)
            response.body += " " + names[i] + " " + std::to_string(sizes[i]);
        response.body += "\n";
    }
};

hio::http::ServerOptions upload_options(Uploads& uploads) {
    return {.body_sink = [&uploads](const hio::http::Request& request) { return uploads.choose(request); }};
}

}  // namespace

TEST_CASE("curl -F uploads 20 MB through a MultipartSink into a file, while max_body_bytes is 1 MB, "
          "other bodies still get 413", "[http][server][multipart][peer]") {
    Uploads uploads{.directory = hio_test::temp_path("uploads")};
    std::filesystem::create_directories(uploads.directory);
    const std::string source = hio_test::temp_path("upload_source");
    std::string content(std::size_t{20} << 20, '\0');
    for (std::size_t i = 0; i < content.size(); ++i)
        content[i] = static_cast<char>((i * 7919) >> 5);  // binary, no long runs
    { std::ofstream{source, std::ios::binary} << content; }
    const auto handler = [&uploads](const hio::http::Request& request, hio::http::Response& response) {
        uploads.answer(request, response);
    };
    std::string out;
    {
        hio_test::HttpRig server{handler, upload_options(uploads)};
        const std::string url = "http://127.0.0.1:" + server.port() + "/upload";
        REQUIRE(server.run({"curl", "-s", "-m", "30", "-H", "Authorization: Bearer t", "-F", "title=holiday",
                            "-F", "photo=@" + source + ";filename=big.bin", url},
                           out, 40.0) == 0);
    }
    CHECK(out == "2 parts, body 0, streamed: title 7 photo=big.bin 20971520\n");
    CHECK(hio_test::slurp(uploads.directory + "/part1") == "holiday");
    CHECK(hio_test::slurp(uploads.directory + "/part2") == content);  // byte for byte
    {
        hio_test::HttpRig server{handler, upload_options(uploads)};
        REQUIRE(server.run({"curl", "-s", "-m", "30", "-o", "/dev/null", "-w", "%{http_code}", "-F",
                            "photo=@" + source, "http://127.0.0.1:" + server.port() + "/elsewhere"},
                           out, 40.0) == 0);
        CHECK(out == "413");  // collected bodies keep their limit
    }
    std::filesystem::remove_all(uploads.directory);
    std::remove(source.c_str());
}

TEST_CASE("A BodySink refuses with its http::Error: 401 before the body (no 100 Continue), 413 in the "
          "middle of it", "[http][server][multipart][peer]") {
    Uploads uploads{.directory = hio_test::temp_path("uploads"), .file_limit = 1000};
    std::filesystem::create_directories(uploads.directory);
    hio_test::HttpRig server{[&uploads](const hio::http::Request& request,
                                        hio::http::Response& response) { uploads.answer(request, response); },
                             upload_options(uploads)};
    std::string out;
    const int code = server.python(
        raw_exchange +
            "head = (b'POST /upload HTTP/1.1\\r\\nHost: t\\r\\nExpect: 100-continue\\r\\n'\n"
            "        b'Content-Type: multipart/form-data; boundary=XX\\r\\nContent-Length: 100000\\r\\n')\n"
            "got = exchange(head + b'\\r\\n'); seen = repr(got[:300])\n"
            "check(got.startswith(b'HTTP/1.1 401 '), '401 before the body ' + seen)\n"
            "check(b'100 Continue' not in got, 'no 100 Continue')\n"
            "check(b'\\r\\nWWW-Authenticate: Bearer\\r\\n' in got, 'its header field')\n"
            "check(b'\\r\\nConnection: close\\r\\n' in got, 'and a close')\n"
            "check(b'uploads need a token' in got, 'its detail')\n"
            "got = exchange(head + b'Authorization: Bearer t\\r\\n\\r\\n--XX\\r\\n'\n"
            "               b'Content-Disposition: form-data; name=\"f\"; filename=\"a\"\\r\\n\\r\\n' + b'x' * 5000)\n"
            "seen = repr(got[:300])\n"
            "check(got.startswith(b'HTTP/1.1 100 Continue\\r\\n\\r\\nHTTP/1.1 413 '), '100, then 413 in the body ' + seen)\n"
            "check(b'a file of at most 1000 bytes' in got, 'with the sink detail')\n",
        out);
    INFO(out);
    REQUIRE(code == 0);
    CHECK(out.find("FAILED") == std::string::npos);
    CHECK(uploads.sizes == std::vector<std::uint64_t>{0});  // the part began; none of it over the limit was kept
    std::filesystem::remove_all(uploads.directory);
}

TEST_CASE("A BodySink whose body never ends (the client leaves) is told so by abort(), never end()",
          "[http][server][peer]") {
    struct Counting final : hio::http::BodySink {
        std::uint64_t* bytes;
        int* ends;
        int* aborts;
        Counting(std::uint64_t* b, int* e, int* a) : bytes{b}, ends{e}, aborts{a} {}
        void write(std::string_view data) override { *bytes += data.size(); }
        void end() override { ++*ends; }
        void abort() noexcept override { ++*aborts; }
    };
    std::uint64_t bytes = 0;
    int ends = 0, aborts = 0;
    hio_test::HttpRig server{[](const hio::http::Request&, hio::http::Response& response) { response.body = "ok"; },
                             {.body_sink = [&](const hio::http::Request&) {
                                  return std::make_shared<Counting>(&bytes, &ends, &aborts);
                              }}};
    std::string out;
    REQUIRE(server.python("s = socket.create_connection(('127.0.0.1', PORT), timeout=5)\n"
                          "s.sendall(b'POST /up HTTP/1.1\\r\\nHost: t\\r\\nContent-Length: 100000\\r\\n\\r\\n' + b'x' * 1000)\n"
                          "time.sleep(0.2); s.close()\n"
                          "c = http.client.HTTPConnection('127.0.0.1', PORT, timeout=5)\n"
                          "c.request('POST', '/up', body=b'y' * 500)\n"
                          "print(c.getresponse().read().decode())\n",
                          out) == 0);
    CHECK(out == "ok\n");
    CHECK(bytes == 1500);
    CHECK(ends == 1);    // the whole one
    CHECK(aborts == 1);  // the one cut short
}

namespace server_test {

// /slow: a 200 ms blocking call, made in the handler itself (inline) or on an Offload pool
// thread whose completion ends a streamed answer.
class SlowAnswers : public hio::Doer {
public:
    SlowAnswers(hio::Offload& pool, bool pooled) : pool_{pool}, pooled_{pooled} {}

    void start(hio::http::Response& response) {
        if (!pooled_) {
            std::this_thread::sleep_for(std::chrono::milliseconds{200});  // stalls the Doist
            response.body = "slow\n";
            return;
        }
        jobs_.push_back({response.stream({}), std::nullopt});
        wake();
    }

protected:
    bool recur(double) override {
        for (Job& job : jobs_) {
            if (!job.pending)
                job.pending = pool_.submit(*this, [] {
                    std::this_thread::sleep_for(std::chrono::milliseconds{200});
                    return 1;
                });
            else if (job.pending->ready()) {
                static_cast<void>(job.stream->write("slow\n"));
                job.stream->end();
            }
        }
        std::erase_if(jobs_, [](const Job& job) { return job.stream->ended() || job.stream->closed(); });
        idle();
        return false;
    }

private:
    struct Job {
        std::shared_ptr<hio::http::BodyStream> stream;
        std::optional<hio::Pending<int>> pending;
    };
    hio::Offload& pool_;
    bool pooled_;
    std::vector<Job> jobs_;
};

}  // namespace server_test

TEST_CASE("A 200 ms blocking call through an Offload holds up no other connection, made inline it holds them all",
          "[http][server][offload][peer]") {
    double fast_latency[2] = {0.0, 0.0};
    for (const bool pooled : {false, true}) {
        hio::Offload pool;
        server_test::SlowAnswers slow{pool, pooled};
        hio_test::HttpRig server{[&slow](const hio::http::Request& request, hio::http::Response& response) {
            if (request.path == "/slow")
                slow.start(response);
            else
                response.body = "fast\n";
        }};
        // Python: /slow on one connection, then 50 ms later /fast on another, timed.
        std::string out;
        const int code = server.python(
            "a = http.client.HTTPConnection('127.0.0.1', PORT, timeout=10)\n"
            "a.request('GET', '/slow')\n"
            "time.sleep(0.05)\n"
            "b = http.client.HTTPConnection('127.0.0.1', PORT, timeout=10)\n"
            "start = time.monotonic()\n"
            "b.request('GET', '/fast')\n"
            "assert b.getresponse().read() == b'fast\\n'\n"
            "took = time.monotonic() - start\n"
            "assert a.getresponse().read() == b'slow\\n'\n"
            "print('%.4f' % took)\n",
            out, 20.0, {&slow});
        INFO(out);
        REQUIRE(code == 0);
        fast_latency[pooled ? 1 : 0] = std::stod(out);
    }
    INFO("/fast while /slow runs: inline " << fast_latency[0] << " s, through the pool " << fast_latency[1] << " s");
    CHECK(fast_latency[0] >= 0.12);  // it waited for most of the 200 ms call
    CHECK(fast_latency[1] < 0.08);   // it did not
}
