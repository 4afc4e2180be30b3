// asio_udp_echo: the peer for the UDP benchmark, an idiomatic standalone-Asio async UDP echo
// (one io_context, one thread, receive -> send -> receive: one system call per datagram).
//
// Run:   build/bench/asio_udp_echo [--host H] [--port P]
// Prints "listening on HOST:PORT" once bound; stops on SIGINT/SIGTERM.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <asio/buffer.hpp>
#include <asio/io_context.hpp>
#include <asio/ip/udp.hpp>
#include <asio/signal_set.hpp>

namespace {

class Echo {
public:
    explicit Echo(asio::ip::udp::socket& socket) : socket_{socket}, data_(65536) {}

    void receive() {
        socket_.async_receive_from(asio::buffer(data_), sender_, [this](std::error_code error, std::size_t n) {
            if (error)
                return receive();
            socket_.async_send_to(asio::buffer(data_.data(), n), sender_,
                                  [this](std::error_code, std::size_t) { receive(); });
        });
    }

private:
    asio::ip::udp::socket& socket_;
    asio::ip::udp::endpoint sender_;
    std::vector<char> data_;
};

}  // namespace

int main(int argc, char** argv) {
    std::string host = "127.0.0.1";
    unsigned short port = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string option = argv[i];
        if (option == "--host")
            host = argv[i + 1];
        else if (option == "--port")
            port = static_cast<unsigned short>(std::strtoul(argv[i + 1], nullptr, 10));
        else {
            std::fprintf(stderr, "usage: asio_udp_echo [--host H] [--port P]\n");
            return 2;
        }
    }
    try {
        asio::io_context io{1};
        asio::ip::udp::socket socket{io, {asio::ip::make_address(host), port}};
        std::printf("listening on %s:%u\n", host.c_str(), socket.local_endpoint().port());
        std::fflush(stdout);
        asio::signal_set signals{io, SIGINT, SIGTERM};
        signals.async_wait([&](std::error_code, int) { io.stop(); });
        Echo echo{socket};
        echo.receive();
        io.run();
        return 0;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "asio_udp_echo: %s\n", error.what());
        return 1;
    }
}
