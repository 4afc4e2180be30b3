// asio_ssl_echo_server: the TLS peer for the echo benchmark, idiomatic standalone Asio with
// asio::ssl::stream (one io_context, one thread, a fixed buffer per session).
//
// Run:   build/bench/asio_ssl_echo_server --cert FILE --key FILE [--host H] [--port P]
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
#include <asio/ssl.hpp>
#include <asio/write.hpp>

namespace {

using Stream = asio::ssl::stream<asio::ip::tcp::socket>;

class Session : public std::enable_shared_from_this<Session> {
public:
    Session(asio::ip::tcp::socket socket, asio::ssl::context& context) : stream_{std::move(socket), context}, data_(65536) {}

    void start() {
        stream_.lowest_layer().set_option(asio::ip::tcp::no_delay{true});
        stream_.async_handshake(asio::ssl::stream_base::server, [self = shared_from_this()](std::error_code error) {
            if (!error)
                self->read();
        });
    }

private:
    void read() {
        stream_.async_read_some(asio::buffer(data_), [self = shared_from_this()](std::error_code error, std::size_t n) {
            if (!error)
                self->write(n);
        });
    }

    void write(std::size_t n) {
        asio::async_write(stream_, asio::buffer(data_.data(), n), [self = shared_from_this()](std::error_code error, std::size_t) {
            if (!error)
                self->read();
        });
    }

    Stream stream_;
    std::vector<char> data_;
};

void accept(asio::ip::tcp::acceptor& acceptor, asio::ssl::context& context) {
    acceptor.async_accept([&acceptor, &context](std::error_code error, asio::ip::tcp::socket socket) {
        if (!error)
            std::make_shared<Session>(std::move(socket), context)->start();
        if (acceptor.is_open())
            accept(acceptor, context);
    });
}

}  // namespace

int main(int argc, char** argv) {
    std::string host = "127.0.0.1";
    std::string cert;
    std::string key;
    unsigned short port = 0;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string option = argv[i];
        if (option == "--host")
            host = argv[i + 1];
        else if (option == "--port")
            port = static_cast<unsigned short>(std::strtoul(argv[i + 1], nullptr, 10));
        else if (option == "--cert")
            cert = argv[i + 1];
        else if (option == "--key")
            key = argv[i + 1];
        else {
            std::fprintf(stderr, "usage: asio_ssl_echo_server --cert FILE --key FILE [--host H] [--port P]\n");
            return 2;
        }
    }
    try {
        asio::io_context io{1};
        asio::ssl::context context{asio::ssl::context::tls_server};
        context.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                            asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 | asio::ssl::context::no_tlsv1_1);
        context.use_certificate_chain_file(cert);
        context.use_private_key_file(key, asio::ssl::context::pem);
        asio::ip::tcp::acceptor acceptor{io, {asio::ip::make_address(host), port}};
        acceptor.listen(asio::socket_base::max_listen_connections);
        std::printf("listening on %s:%u\n", host.c_str(), acceptor.local_endpoint().port());
        std::fflush(stdout);
        asio::signal_set signals{io, SIGINT, SIGTERM};
        signals.async_wait([&](std::error_code, int) { io.stop(); });
        accept(acceptor, context);
        io.run();
        return 0;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "asio_ssl_echo_server: %s\n", error.what());
        return 1;
    }
}
