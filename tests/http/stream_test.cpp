// Streamed responses (http::BodyStream): bodies produced over many passes by another doer,
// read by Python's http.client and raw sockets. Loopback only, port 0, bounded.
#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <hio/hio.hpp>

#include "catch.hpp"
#include "support/http.hpp"
#include "support/net.hpp"

using hio_test::raw_exchange;

namespace {

// Byte i of every test body; Python recomputes it as
// bytes(97 + (i * 7 + i // 1000) % 26 for i in range(n)).
std::string body_of(std::size_t size) {
    std::string body(size, '\0');
    for (std::size_t i = 0; i < size; ++i)
        body[i] = static_cast<char>('a' + (i * 7 + i / 1000) % 26);
    return body;
}

const std::string python_body = "def body(n): return bytes(97 + (i * 7 + i // 1000) % 26 for i in range(n))\n";

// Writes each job's bytes into its stream, at most `piece` per pass and as room allows, then
// ends it (or aborts it). Counts writes that back pressure cut short and streams whose client
// left.
class Producer : public hio::Doer {
public:
    struct Job {
        std::shared_ptr<hio::http::BodyStream> stream;
        std::string rest;
        bool abort_at_end = false;
        bool forever = false;  // never ends: writes until the client goes
    };

    void add(Job job) { jobs_.push_back(std::move(job)); }

    std::size_t short_writes = 0;
    std::size_t closed_seen = 0;
    std::size_t max_queued = 0;
    std::size_t piece = 1500;

protected:
    bool recur(double) override {
        for (Job& job : jobs_) {
            if (job.stream->closed()) {
                ++closed_seen;
                job.stream.reset();
                continue;
            }
            if (job.forever && job.rest.empty())
                job.rest = std::string(piece - 5, '.') + "tick\n";
            const std::string_view offer = std::string_view{job.rest}.substr(0, piece);
            const std::size_t taken = job.stream->write(offer);
            if (taken < offer.size())
                ++short_writes;
            job.rest.erase(0, taken);
            max_queued = std::max(max_queued, job.stream->queued());
            if (job.rest.empty() && !job.forever) {
                if (job.abort_at_end)
                    job.stream->abort();
                else
                    job.stream->end();
                job.stream.reset();
            }
        }
        std::erase_if(jobs_, [](const Job& job) { return !job.stream; });
        return false;
    }

private:
    std::vector<Job> jobs_;
};

// /stream?N: N bytes, chunked; /fixed?N: N bytes with Content-Length; /short: announces 100,
// sends 10; /abort: 100 bytes then abort; /forever: ticks until the client leaves; /hello.
struct StreamServer : hio_test::HttpRig {
    Producer producer;
    std::size_t streams_started = 0;
    std::shared_ptr<hio::http::BodyStream> last;

    explicit StreamServer(std::size_t capacity = 4096)
        : HttpRig{[this, capacity](const hio::http::Request& request, hio::http::Response& response) {
              handle(request, response, capacity);
          }} {}

    void handle(const hio::http::Request& request, hio::http::Response& response, std::size_t capacity) {
        response.headers.set("Content-Type", "application/octet-stream");
        const std::size_t size = request.query_string.empty() ? 0 : std::stoul(request.query_string);
        if (request.path == "/hello") {
            response.body = "hello\n";
            return;
        }
        ++streams_started;
        if (request.path == "/stream") {
            last = response.stream({.capacity = capacity});
            producer.add({last, body_of(size)});
        } else if (request.path == "/fixed") {
            last = response.stream({.capacity = capacity, .content_length = size});
            producer.add({last, body_of(size)});
        } else if (request.path == "/short") {
            last = response.stream({.content_length = 100});
            producer.add({last, body_of(10)});
        } else if (request.path == "/abort") {
            last = response.stream();
            producer.add({last, body_of(100), true});
        } else if (request.path == "/throw") {
            last = response.stream();
            throw std::runtime_error{"broke after starting a stream"};
        } else if (request.path == "/forever") {
            last = response.stream({.capacity = capacity});
            producer.add({last, {}, false, true});
        } else {
            response.status = 404;
            --streams_started;
        }
    }
};

}  // namespace

TEST_CASE("Python's http.client reads chunked and fixed-length bodies streamed over many passes",
          "[http][stream][peer]") {
    StreamServer server;
    std::string out;
    const int code = server.python(
        raw_exchange + python_body +
            "c = http.client.HTTPConnection('127.0.0.1', PORT, timeout=10)\n"
            "c.request('GET', '/stream?300000')\n"
            "r = c.getresponse()\n"
            "check(r.status == 200 and r.getheader('Transfer-Encoding') == 'chunked' and "
            "r.getheader('Content-Length') is None, 'chunked framing')\n"
            "check(r.read() == body(300000), '300 kB streamed through a 4 KiB stream, byte-exact')\n"
            "c.request('GET', '/fixed?60000')\n"
            "r = c.getresponse()\n"
            "check(r.getheader('Content-Length') == '60000' and r.getheader('Transfer-Encoding') is None, "
            "'fixed length framing')\n"
            "check(r.read() == body(60000), 'fixed length body byte-exact')\n"
            "c.request('GET', '/stream?0')\n"
            "check(c.getresponse().read() == b'', 'an empty stream')\n"
            "c.request('HEAD', '/stream?5000')\n"
            "r = c.getresponse()\n"
            "check(r.read() == b'' and r.getheader('Transfer-Encoding') == 'chunked', 'HEAD: headers only')\n"
            "c.request('GET', '/hello')\n"
            "check(c.getresponse().read() == b'hello\\n', 'the connection is reused after streams')\n"
            "c.request('GET', '/throw')\n"
            "check(c.getresponse().status == 500, 'a handler that throws after stream() answers 500')\n"
            "c = http.client.HTTPConnection('127.0.0.1', PORT, timeout=10)\n"
            "c.request('GET', '/abort')\n"
            "r = c.getresponse()\n"
            "try:\n"
            "    r.read(); check(False, 'abort must cut the body short')\n"
            "except http.client.IncompleteRead as e:\n"
            "    check(e.partial == body(100), 'abort: the client sees an incomplete body after the bytes sent')\n"
            "c = http.client.HTTPConnection('127.0.0.1', PORT, timeout=10)\n"
            "c.request('GET', '/short')\n"
            "r = c.getresponse()\n"
            "try:\n"
            "    r.read(); check(False, 'a short fixed-length body must not look complete')\n"
            "except http.client.IncompleteRead as e:\n"
            "    check(e.partial == body(10), 'ended before its Content-Length: closed, seen as incomplete')\n",
        out, 60.0, {&server.producer});
    INFO(out);
    CHECK(code == 0);
    CHECK(server.producer.max_queued <= 4096);
    CHECK(server.tcp.accepted() == 3);
    CHECK(server.last->closed());  // /short's stream; and /throw's was closed for its holder:
    CHECK(server.producer.closed_seen >= 1);
}

TEST_CASE("A streamed answer: HTTP/1.0 gets it until the close, pipelined requests wait their turn",
          "[http][stream][peer]") {
    StreamServer server;
    std::string out;
    const int code = server.python(
        raw_exchange + python_body +
            "got = exchange(b'GET /stream?30000 HTTP/1.0\\r\\n\\r\\n')\n"
            "head, _, rest = got.partition(b'\\r\\n\\r\\n')\n"
            "check(b'Connection: close' in head and b'Transfer-Encoding' not in head and b'Content-Length' not in head, "
            "'HTTP/1.0: no chunked coding, the close ends the body')\n"
            "check(rest == body(30000), 'HTTP/1.0 body byte-exact')\n"
            "got = exchange(b'GET /stream?20 HTTP/1.1\\r\\nHost: h\\r\\n\\r\\nGET /hello HTTP/1.1\\r\\nHost: h\\r\\n'\n"
            "               b'Connection: close\\r\\n\\r\\n')\n"
            "check(got.count(b'HTTP/1.1 200 OK') == 2 and got.find(b'14\\r\\n' + body(20) + b'\\r\\n0\\r\\n\\r\\n') >= 0 "
            "and got.find(b'0\\r\\n\\r\\n') < got.find(b'hello\\n'), 'the pipelined request is answered after the stream: ' "
            "+ repr(got))\n",
        out, 30.0, {&server.producer});
    INFO(out);
    CHECK(code == 0);
}

TEST_CASE("A client that stops reading holds a bounded stream, when it leaves, the stream closes",
          "[http][stream][peer]") {
    StreamServer server{65536};
    server.producer.piece = 65536;  // fits the stream: only a stall makes writes short
    std::string out;
    const int code = server.python(raw_exchange +
                                       "s = socket.create_connection(('127.0.0.1', PORT), timeout=5)\n"
                                       "s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)\n"
                                       "s.sendall(b'GET /forever HTTP/1.1\\r\\nHost: h\\r\\n\\r\\n')\n"
                                       "time.sleep(2.0)\n"
                                       "got = b''\n"
                                       "while got.count(b'tick') < 3: got += s.recv(4096)\n"
                                       "s.close()\n"
                                       "check(True, 'stalled a second, read three ticks, left')\n",
                                   out, 20.0, {&server.producer});
    INFO(out);
    REQUIRE(code == 0);
    REQUIRE(server.last);
    // The process has exited; serve until the server notices the close.
    CHECK(server.rig.run_until({&server.http, &server.producer}, [&] { return server.producer.closed_seen == 1; },
                               10.0));
    CHECK(server.last->closed());
    CHECK(server.last->write("more") == 0);
    CHECK(server.tcp.connection_count() == 0);
    CHECK(server.producer.short_writes > 0);  // the stalled client pushed back on the producer
    CHECK(server.producer.max_queued <= 65536);  // and the stream never held more than its capacity
}

TEST_CASE("BodyStream: bounded, refuses bytes past its Content-Length, closed streams take nothing",
          "[http][stream]") {
    hio::http::BodyStream stream{{.capacity = 10, .content_length = 15}};
    CHECK(stream.write("0123456789abc") == 10);
    CHECK(stream.room() == 0);
    CHECK(stream.write("x") == 0);
    CHECK(stream.take() == "0123456789");
    CHECK(stream.room() == 10);
    CHECK_THROWS_WITH(stream.write("abcdef"), Catch::Contains("passes the Content-Length of 15"));
    CHECK(stream.write("abcde") == 5);
    stream.end();
    CHECK(stream.write("z") == 0);
    CHECK(stream.written() == 15);
    stream.close();
    CHECK(stream.closed());
    CHECK(stream.queued() == 0);
    CHECK_THROWS_AS(hio::http::BodyStream({.capacity = 0}), hio::ValidationError);
    CHECK_THROWS_AS(stream.heartbeat(-1.0, ":\n\n"), hio::ValidationError);
}
