// tcp::Workers: one Doist per worker thread, one listener handing each connection to the
// least-loaded worker, one stop for all. Real clients (python3); run under ThreadSanitizer too.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <hio/io/stream_server.hpp>
#include <hio/io/stream_server_doer.hpp>
#include <hio/tcp/workers.hpp>

#include "catch.hpp"
#include "support/files.hpp"

namespace workers_test {

// Runs `workers` with an echo server on each worker, on a thread of its own.
struct Running {
    hio::tcp::Workers& workers;
    std::thread thread;
    std::exception_ptr failure;

    Running(hio::tcp::Workers& w, std::function<void(hio::tcp::Worker&)> body) : workers{w} {
        workers.open();
        thread = std::thread{[this, body = std::move(body)] {
            try {
                workers.run(body);
            } catch (...) {
                failure = std::current_exception();
            }
        }};
    }
    void stop() {
        workers.request_stop();
        thread.join();
    }
};

void echo_body(hio::tcp::Worker& worker) {
    hio::StreamServer server{worker.network(), {}};
    hio::EchoServerDoer echo{server};
    worker.run({&echo});
}

// python3 opens `count` connections at once, sends a line on each, reads every echo, then
// closes them all; exit 0 when every echo came back whole.
int python_clients(std::uint16_t port, int count) {
    const std::string script = hio_test::temp_path("workers_clients.py");
    {
        std::ofstream out{script};
        out << "import socket, sys\n"
               "socks = [socket.create_connection(('127.0.0.1', " << port << "), timeout=10) for _ in range(" << count << ")]\n"
               "for i, s in enumerate(socks):\n"
               "    s.sendall(b'hello %d\\n' % i)\n"
               "for i, s in enumerate(socks):\n"
               "    want = b'hello %d\\n' % i\n"
               "    got = b''\n"
               "    while len(got) < len(want):\n"
               "        chunk = s.recv(100)\n"
               "        if not chunk: sys.exit('closed early')\n"
               "        got += chunk\n"
               "    if got != want: sys.exit('wrong echo %r' % got)\n"
               "for s in socks: s.close()\n";
    }
    const int status = std::system(("timeout 20 python3 " + script).c_str());
    std::remove(script.c_str());
    return status;
}

}  // namespace workers_test

TEST_CASE("Workers hand 40 concurrent connections from Python to 4 workers, 10 each, and all echo", "[workers][threads][peer][epoll]") {
    using namespace workers_test;
    hio::tcp::Workers workers{{.workers = 4}};
    Running running{workers, echo_body};
    REQUIRE(workers.port() != 0);
    CHECK(python_clients(workers.port(), 40) == 0);
    running.stop();
    if (running.failure)
        std::rethrow_exception(running.failure);
    // Least-loaded with ties in turn: while all 40 are open, the spread is exact.
    for (std::size_t i = 0; i < 4; ++i)
        CHECK(workers.handed(i) == 10);
    CHECK(workers.refused() == 0);
}

TEST_CASE("A worker whose function throws is restarted, and the others go on serving", "[workers][threads][peer][epoll]") {
    using namespace workers_test;
    std::atomic<int> calls{0};
    hio::tcp::Workers workers{{.workers = 2, .restart_delay = 0.01}};
    Running running{workers, [&calls](hio::tcp::Worker& worker) {
        if (worker.index() == 1 && calls.fetch_add(1) == 0)
            throw std::runtime_error{"first start fails"};
        echo_body(worker);
    }};
    // Until worker 1 runs again (calls reaches 2), then real clients on both.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds{5};
    while (calls.load() < 2 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds{5});
    CHECK(calls.load() == 2);
    CHECK(python_clients(workers.port(), 10) == 0);
    running.stop();
    CHECK_FALSE(running.failure);
    CHECK(workers.failures() == 1);
}

TEST_CASE("With stop_all, a worker that throws stops every worker and run() rethrows its exception", "[workers][threads][epoll]") {
    hio::tcp::Workers workers{{.workers = 3, .on_failure = hio::tcp::WorkerFailure::stop_all}};
    const auto start = std::chrono::steady_clock::now();
    CHECK_THROWS_WITH(workers.run([](hio::tcp::Worker& worker) {
        if (worker.index() == 2) {
            std::this_thread::sleep_for(std::chrono::milliseconds{50});
            throw std::runtime_error{"worker 2 failed"};
        }
        workers_test::echo_body(worker);
    }),
                      "worker 2 failed");
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds{5});
}

TEST_CASE("Workers refuse a host that is not a numeric address, naming it", "[workers][epoll]") {
    CHECK_THROWS_WITH(hio::tcp::Workers({.host = "localhost"}), Catch::Contains("\"localhost\""));
    CHECK_THROWS_AS(hio::tcp::Workers({.queue = 0}), hio::ValidationError);
}

TEST_CASE("Connections go only to workers that take them: none to one whose function ended", "[workers][threads][peer][epoll]") {
    using namespace workers_test;
    hio::tcp::Workers workers{{.workers = 2}};
    Running running{workers, [](hio::tcp::Worker& worker) {
        if (worker.index() == 0)
            echo_body(worker);  // worker 1 returns at once: it takes no connection
    }};
    std::this_thread::sleep_for(std::chrono::milliseconds{100});  // worker 1 has ended
    CHECK(python_clients(workers.port(), 10) == 0);
    running.stop();
    CHECK_FALSE(running.failure);
    CHECK(workers.handed(0) == 10);
    CHECK(workers.handed(1) == 0);
    CHECK(workers.refused() == 0);  // before the fix, half went to worker 1 and were never answered
}
