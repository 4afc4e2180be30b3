// asio_together: hio-cpp and Asio in one program, one thread, one io_context.
//
// Run:   build/examples/asio_together                 (two services on free ports)
// Talk:  nc 127.0.0.1 UPPER_PORT     an Asio coroutine service: each line comes back upper-cased
//        nc 127.0.0.1 ECHO_PORT      hio's EchoServerDoer, on Asio's sockets: each line comes back
// Stop:  Ctrl-C or SIGTERM: Asio's signal_set asks the Doist to stop (a graceful shutdown),
//        closes the Asio acceptor, and io.run() returns once both sides are done.
//
// The application's loop is Asio's. Beside its own service (written with co_spawn, as any
// Asio program), it runs a Doist: hio::asio::async_run() schedules the Doist's passes on the
// same io_context, and an Asio coroutine co_awaits the Doist's end. Inside the Doist, a DoDoer
// groups the echo server and a doer that waits for an Asio timer (hio::asio::Completion):
// every second it reports how many connections each side has served.
#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>
#include <set>
#include <string>

#include <asio/experimental/as_tuple.hpp>
#include <asio/co_spawn.hpp>
#include <asio/detached.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read_until.hpp>
#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>

#include <hio/asio.hpp>
#include <hio/core.hpp>

#include "arguments.hpp"

namespace {

// Completion tokens that give (error, result) instead of throwing (Asio 1.22: experimental).
constexpr auto as_tuple_awaitable = asio::experimental::as_tuple(asio::use_awaitable);

// --- The Asio side: a line service written as Asio coroutines -----------------------------

int upper_served = 0;
std::set<asio::ip::tcp::socket*> upper_open;  // closed on SIGTERM, so that io.run() can return

asio::awaitable<void> upper_session(asio::ip::tcp::socket socket) {
    upper_open.insert(&socket);
    struct Forget {
        asio::ip::tcp::socket* socket;
        ~Forget() { upper_open.erase(socket); }
    } forget{&socket};
    std::string buffer;
    for (;;) {
        auto [error, length] = co_await asio::async_read_until(socket, asio::dynamic_buffer(buffer), '\n',
                                                               as_tuple_awaitable);
        if (error)
            co_return;  // the client left
        std::string line = buffer.substr(0, length);
        buffer.erase(0, length);
        for (char& c : line)
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        auto [write_error, written] = co_await asio::async_write(socket, asio::buffer(line), as_tuple_awaitable);
        static_cast<void>(written);
        if (write_error)
            co_return;
    }
}

asio::awaitable<void> upper_service(asio::ip::tcp::acceptor& acceptor) {
    for (;;) {
        auto [error, socket] = co_await acceptor.async_accept(as_tuple_awaitable);
        if (error)
            co_return;  // closed: the program is stopping
        ++upper_served;
        asio::co_spawn(acceptor.get_executor(), upper_session(std::move(socket)), asio::detached);
    }
}

// --- The hio side: doers on the same io_context -------------------------------------------

// Every second (an Asio timer, awaited through a Completion), reports both sides' counts.
class Reporter : public hio::Doer {
public:
    Reporter(asio::io_context& io, const hio::StreamServer& echo, bool quiet) : timer_{io}, echo_{echo}, quiet_{quiet} {}

protected:
    void enter() override { arm(); }

    bool recur(double tyme) override {
        if (!fired_.ready()) {
            idle();  // nothing to do until the timer's completion wakes this doer
            return false;
        }
        static_cast<void>(fired_.take());
        if (!quiet_) {
            std::printf("%6.1f  upper: %d connections, echo: %llu connections\n", tyme, upper_served,
                        static_cast<unsigned long long>(echo_.accepted()));
            std::fflush(stdout);
        }
        arm();
        idle();
        return false;
    }

    void exit() noexcept override {
        timer_.cancel();
        fired_.reset();
    }

private:
    void arm() {
        timer_.expires_after(std::chrono::seconds{1});
        timer_.async_wait(fired_.handler(*this));
    }

    asio::steady_timer timer_;
    hio::asio::Completion<std::error_code> fired_;
    const hio::StreamServer& echo_;
    bool quiet_;
};

}  // namespace

int main(int argc, char** argv) {
    const example::Arguments args{argc, argv, "asio_together [--upper-port P] [--echo-port P] [--quiet]",
                                  {"--upper-port", "--echo-port"}, {"--quiet"}};
    const auto upper_port = static_cast<std::uint16_t>(args.integer("--upper-port", 0, 0, 65535));
    const auto echo_port = static_cast<std::uint16_t>(args.integer("--echo-port", 0, 0, 65535));
    const bool quiet = args.flag("--quiet");
    try {
        asio::io_context io{1};  // the application's loop: one thread runs everything below

        // Asio's own service.
        asio::ip::tcp::acceptor acceptor{io, {asio::ip::make_address("127.0.0.1"), upper_port}};
        asio::co_spawn(io, upper_service(acceptor), asio::detached);

        // hio's doers, on Asio's sockets and timers: the Context borrows the application's
        // io_context, the Doist waits in nothing of its own.
        hio::asio::Context context{io};
        hio::asio::Network network{context};
        hio::StreamServer echo_server{network, {.port = echo_port}};
        hio::EchoServerDoer echo{echo_server};
        Reporter reporter{io, echo_server, quiet};
        hio::DoDoer group{{}, {&echo, &reporter}};
        hio::Doist doist{{.tock = 0.03125, .real = true, .grace = 2.0, .waiter = &context}, {&group}};
        echo_server.open();  // bind now, so the port is known

        std::printf("upper on %s (an Asio coroutine service)\n", (acceptor.local_endpoint().address().to_string() + ":" +
                                                                  std::to_string(acceptor.local_endpoint().port())).c_str());
        std::printf("echo on %s (hio's EchoServerDoer on Asio's sockets)\n", echo_server.local_endpoint().c_str());
        std::fflush(stdout);

        // An Asio coroutine that runs the Doist (its DoDoer tree) and awaits its end.
        asio::co_spawn(io, [&]() -> asio::awaitable<void> {
            const hio::RunEnd end = co_await hio::asio::async_run(io, doist, asio::use_awaitable);
            std::printf("hio stopped (%s): %llu echo connections served\n",
                        end == hio::RunEnd::stopped ? "stopped" : "ended",
                        static_cast<unsigned long long>(echo_server.accepted()));
            std::fflush(stdout);
        }, [](std::exception_ptr error) {
            if (error)
                std::rethrow_exception(error);  // a doer's exception: io.run() throws it
        });

        // The application owns the signals: one call starts the Doist's graceful shutdown.
        asio::signal_set signals{io, SIGINT, SIGTERM};
        signals.async_wait([&](std::error_code error, int) {
            if (error)
                return;
            doist.request_stop();
            std::error_code ignored;
            acceptor.close(ignored);
            for (asio::ip::tcp::socket* session : upper_open)
                session->close(ignored);
        });

        io.run();  // returns when the Asio service and the Doist have both ended
        std::printf("stopped: %d upper connections served\n", upper_served);
        return 0;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "asio_together: %s\n", error.what());
        return 1;
    }
}
