// asio_echo_server: the peer for the echo benchmark, an idiomatic standalone-Asio async
// echo server (one io_context, one thread, a fixed buffer per session; with --threads N, an
// io_context per thread, each with its own SO_REUSEPORT acceptor on the port: Asio's usual
// way to use every core).
//
// Run:   build/bench/asio_echo_server [--host H] [--port P] [--buffer BYTES] [--threads N]
// Prints "listening on HOST:PORT" once bound; stops on SIGINT/SIGTERM.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <asio/buffer.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/signal_set.hpp>
#include <asio/write.hpp>

namespace {

class Session : public std::enable_shared_from_this<Session> {
public:
    Session(asio::ip::tcp::socket socket, std::size_t buffer) : socket_{std::move(socket)}, data_(buffer) {}

    void start() {
        socket_.set_option(asio::ip::tcp::no_delay{true});
        read();
    }

private:
    void read() {
        socket_.async_read_some(asio::buffer(data_), [self = shared_from_this()](std::error_code error, std::size_t n) {
            if (!error)
                self->write(n);
        });
    }

    void write(std::size_t n) {
        asio::async_write(socket_, asio::buffer(data_.data(), n),
                          [self = shared_from_this()](std::error_code error, std::size_t) {
                              if (!error)
                                  self->read();
                          });
    }

    asio::ip::tcp::socket socket_;
    std::vector<char> data_;
};

void accept(asio::ip::tcp::acceptor& acceptor, std::size_t buffer) {
    acceptor.async_accept([&acceptor, buffer](std::error_code error, asio::ip::tcp::socket socket) {
        if (!error)
            std::make_shared<Session>(std::move(socket), buffer)->start();
        if (acceptor.is_open())
            accept(acceptor, buffer);
    });
}

}  // namespace

int main(int argc, char** argv) {
    std::string host = "127.0.0.1";
    unsigned short port = 0;
    std::size_t buffer = 65536;
    std::size_t threads = 1;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string option = argv[i];
        if (option == "--host")
            host = argv[i + 1];
        else if (option == "--port")
            port = static_cast<unsigned short>(std::strtoul(argv[i + 1], nullptr, 10));
        else if (option == "--buffer")
            buffer = std::strtoul(argv[i + 1], nullptr, 10);
        else if (option == "--threads")
            threads = std::max<std::size_t>(1, std::strtoul(argv[i + 1], nullptr, 10));
        else {
            std::fprintf(stderr, "usage: asio_echo_server [--host H] [--port P] [--buffer BYTES] [--threads N]\n");
            return 2;
        }
    }
    try {
        // One io_context, acceptor and thread each; the kernel spreads connections over the
        // acceptors (SO_REUSEPORT). The first binds the port (0: a free one) for the others.
        std::vector<std::unique_ptr<asio::io_context>> contexts;
        std::vector<std::unique_ptr<asio::ip::tcp::acceptor>> acceptors;
        for (std::size_t i = 0; i < threads; ++i) {
            contexts.push_back(std::make_unique<asio::io_context>(1));
            const asio::ip::tcp::endpoint endpoint{asio::ip::make_address(host), port};
            auto acceptor = std::make_unique<asio::ip::tcp::acceptor>(*contexts.back());
            acceptor->open(endpoint.protocol());
            acceptor->set_option(asio::socket_base::reuse_address{true});
            if (threads > 1)
                acceptor->set_option(asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>{true});
            acceptor->bind(endpoint);
            acceptor->listen(asio::socket_base::max_listen_connections);
            port = acceptor->local_endpoint().port();
            acceptors.push_back(std::move(acceptor));
        }
        std::printf("listening on %s:%u\n", host.c_str(), port);
        std::fflush(stdout);
        asio::signal_set signals{*contexts.front(), SIGINT, SIGTERM};
        signals.async_wait([&](std::error_code, int) {
            for (auto& io : contexts)
                io->stop();
        });
        for (auto& acceptor : acceptors)
            accept(*acceptor, buffer);
        std::vector<std::thread> runners;
        for (std::size_t i = 1; i < threads; ++i)
            runners.emplace_back([&io = *contexts[i]] { io.run(); });
        contexts.front()->run();
        for (std::thread& runner : runners)
            runner.join();
        return 0;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "asio_echo_server: %s\n", error.what());
        return 1;
    }
}
