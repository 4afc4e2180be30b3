// asio_echo_server: the peer for the echo benchmark, an idiomatic standalone-Asio async
// echo server (one io_context, one thread, a fixed buffer per session).
//
// Run:   build/bench/asio_echo_server [--host H] [--port P] [--buffer BYTES]
// Prints "listening on HOST:PORT" once bound; stops on SIGINT/SIGTERM.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
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
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string option = argv[i];
        if (option == "--host")
            host = argv[i + 1];
        else if (option == "--port")
            port = static_cast<unsigned short>(std::strtoul(argv[i + 1], nullptr, 10));
        else if (option == "--buffer")
            buffer = std::strtoul(argv[i + 1], nullptr, 10);
        else {
            std::fprintf(stderr, "usage: asio_echo_server [--host H] [--port P] [--buffer BYTES]\n");
            return 2;
        }
    }
    try {
        asio::io_context io{1};
        asio::ip::tcp::acceptor acceptor{io, {asio::ip::make_address(host), port}};
        acceptor.listen(asio::socket_base::max_listen_connections);
        std::printf("listening on %s:%u\n", host.c_str(), acceptor.local_endpoint().port());
        std::fflush(stdout);
        asio::signal_set signals{io, SIGINT, SIGTERM};
        signals.async_wait([&](std::error_code, int) { io.stop(); });
        accept(acceptor, buffer);
        io.run();
        return 0;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "asio_echo_server: %s\n", error.what());
        return 1;
    }
}
