// echo_server: a TCP echo server, the first hio program to run.
//
// Run:   build/examples/echo_server                  (listens on 127.0.0.1, a free port)
//        build/examples/echo_server --port 7000 --idle-timeout 30
//        build/examples/echo_server --tls --cert cert.pem --key key.pem [--ca ca.pem --require-client-cert]
// Talk:  nc 127.0.0.1 PORT        (type lines; each comes back; Ctrl-D to end)
//        build/examples/echo_client --port PORT --count 5
//        openssl s_client -connect 127.0.0.1:PORT -CAfile ca.pem   (with --tls)
// TLS:   SIGHUP reloads the certificate files for new connections.
// Stop:  Ctrl-C or SIGTERM: it stops accepting, closes idle connections, gives the others
//        --grace seconds (5) to finish, and exits 0. A second signal stops at once.
// Cores: --workers N runs N worker threads, each a Doist with its own echo server, and hands
//        each connection to the least-loaded one (Linux, epoll).
//
// One Doist runs one EchoServerDoer. The Doist is in real time and waits in a Reactor
// between passes: it sleeps in epoll until a socket is ready or a timeout is due (the server
// doer idles between events), so an idle server makes no system call at all and an echo
// leaves in the pass where its bytes arrived. With --backend asio the same doer runs on Asio's
// io_context and sockets instead (as on macOS and Windows).
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include <hio/hio.hpp>

#include "arguments.hpp"
#include "backend.hpp"

namespace {

struct Settings {
    hio::StreamServerOptions server;
    double tock = 0.03125;
    double grace = 5.0;  // a graceful stop: connections get this long to finish
    bool quiet = false;
    bool tls = false;
#if defined(HIO_EXAMPLE_TLS)
    hio::tls::Config tls_config;
#endif
    std::string backend = example::default_backend;  // hio's epoll Reactor, or Asio's (backend.hpp)
    std::size_t workers = 0;  // 0: one Doist on the main thread; N: N worker threads (Linux)
};

#if defined(HIO_EXAMPLE_TLS)  // TLS needs OpenSSL: not in the Windows build (docs/platforms.md)
volatile std::sig_atomic_t reload_requested = 0;
extern "C" void on_sighup(int) { reload_requested = 1; }

// With --tls: reloads the certificate files when SIGHUP arrived (checked once a second, so an
// idle server wakes at most once a second for it).
class Reloader : public hio::Doer {
public:
    explicit Reloader(hio::tls::Context& context) : hio::Doer{1.0}, context_{context} {}

protected:
    bool recur(double) override {
        if (reload_requested != 0) {
            reload_requested = 0;
            try {
                context_.reload();
                std::printf("reloaded certificates\n");
            } catch (const hio::Error& error) {
                std::printf("reload failed, keeping the old certificates: %s\n", error.what());
            }
            std::fflush(stdout);
        }
        return false;
    }

private:
    hio::tls::Context& context_;
};
#endif

Settings parse(int argc, char** argv) {
    const example::Arguments args{
        argc, argv,
        "echo_server [--host H] [--port P] [--backend epoll|asio] [--workers N] [--tock SECONDS] [--max-connections N]\n"
        "                   [--idle-timeout SECONDS] [--grace SECONDS] [--quiet]\n"
        "                   [--tls --cert FILE --key FILE [--ca FILE --require-client-cert]]",
        {"--host", "--port", "--backend", "--workers", "--tock", "--max-connections", "--idle-timeout", "--grace", "--cert", "--key",
         "--ca"},
        {"--quiet", "--tls", "--require-client-cert"}};
    Settings settings;
    settings.server.host = args.text("--host", settings.server.host);
    settings.server.port = static_cast<std::uint16_t>(args.integer("--port", 0, 0, 65535));
    settings.tock = args.number("--tock", settings.tock, 0.0, 60.0);
    settings.server.max_connections =
        static_cast<std::size_t>(args.integer("--max-connections", 1024, 1, 10'000'000));
    settings.server.idle_timeout = args.number("--idle-timeout", settings.server.idle_timeout, 0.0, 1e9);
    settings.grace = args.number("--grace", settings.grace, 0.0, 3600.0);
    settings.quiet = args.flag("--quiet");
    settings.backend = args.text("--backend", settings.backend);
    settings.workers = example::workers_option(args, settings.backend);
    if (settings.backend != "epoll" && settings.backend != "asio")
        args.fail("--backend must be epoll or asio");
    settings.tls = args.flag("--tls");
#if defined(HIO_EXAMPLE_TLS)
    settings.tls_config.require_client_certificate = args.flag("--require-client-cert");
    settings.tls_config.certificate_file = args.text("--cert");
    settings.tls_config.key_file = args.text("--key");
    settings.tls_config.ca_file = args.text("--ca");
    if (settings.tls && (settings.tls_config.certificate_file.empty() || settings.tls_config.key_file.empty()))
        args.fail("--tls needs --cert and --key");
    if (settings.tls_config.require_client_certificate && settings.tls_config.ca_file.empty())
        args.fail("--require-client-cert needs --ca");
#else
    if (settings.tls)
        args.fail("--tls: this build has no TLS (no OpenSSL for this platform; docs/platforms.md)");
#endif
    return settings;
}

#if defined(__linux__)
// --workers N: N threads, each with its own Doist, Reactor and echo server; one listener hands
// each connection to the worker with the fewest open (hio::tcp::Workers). Ctrl-C or SIGTERM
// winds every worker down with the grace period.
int run_workers(const Settings& settings) {
    hio::tcp::Workers workers{{.workers = settings.workers, .host = settings.server.host, .port = settings.server.port,
                               .tock = settings.tock, .grace = settings.grace}};
    workers.open();
    std::printf("listening on %s\n", workers.local_endpoint().c_str());
    std::printf("workers: %zu\n", workers.size());
    std::fflush(stdout);
    workers.run([&settings](hio::tcp::Worker& worker) {  // on each worker's thread
        hio::Network* network = &worker.network();
#if defined(HIO_EXAMPLE_TLS)
        std::optional<hio::tls::Context> tls_context;  // one per worker: nothing shared
        std::optional<hio::tls::Network> tls_network;
        if (settings.tls) {
            tls_context.emplace(hio::tls::Role::server, settings.tls_config);
            network = &tls_network.emplace(*network, *tls_context);
        }
#endif
        hio::StreamServer server{*network, settings.server};
        hio::EchoServerDoer echo{server};
        worker.run({&echo});
    });
    unsigned long long served = 0;
    for (std::size_t i = 0; i < workers.size(); ++i) {
        std::printf("worker %zu: %llu connections\n", i, static_cast<unsigned long long>(workers.handed(i)));
        served += workers.handed(i);
    }
    std::printf("stopped: %llu connections served by %zu workers, %llu refused\n", served, workers.size(),
                static_cast<unsigned long long>(workers.refused()));
    return 0;
}
#endif

}  // namespace

int main(int argc, char** argv) {
    const Settings settings = parse(argc, argv);
    try {
#if defined(__linux__)
        if (settings.workers != 0)
            return run_workers(settings);
#endif
        example::Sockets sockets{settings.backend};   // waits on the sockets between passes
        hio::Network& tcp = sockets.network();         // real TCP, IPv4 and IPv6
        hio::Network* network = &tcp;
#if defined(HIO_EXAMPLE_TLS)
        // With --tls the same server runs over TLS: only the Network changes.
        std::optional<hio::tls::Context> tls_context;
        std::optional<hio::tls::Network> tls_network;
        if (settings.tls) {
            tls_context.emplace(hio::tls::Role::server, settings.tls_config);
            tls_network.emplace(tcp, *tls_context);
            network = &*tls_network;
            std::signal(SIGHUP, on_sighup);
        }
#endif
        hio::StreamServer server{*network, settings.server};
        if (!settings.quiet) {
            server.on_open([&server](hio::Connection& c) {
                std::printf("open  #%llu %s\n", static_cast<unsigned long long>(server.number(c)), c.remote_endpoint().c_str());
                std::fflush(stdout);
            });
            server.on_close([&server](hio::Connection& c) {
                std::printf("close #%llu %s: %llu bytes echoed%s%s\n", static_cast<unsigned long long>(server.number(c)),
                            c.remote_endpoint().c_str(), static_cast<unsigned long long>(c.bytes_sent()),
                            c.last_error() ? ", " : "", c.last_error() ? c.last_error().message().c_str() : "");
                std::fflush(stdout);
            });
        }
        hio::EchoServerDoer echo{server};

        server.open();  // bind now, so the port is known (the doer's enter would open it too)
        std::printf("listening on %s\n", server.local_endpoint().c_str());
        std::fflush(stdout);

        std::vector<hio::Doer*> doers{&echo};
#if defined(HIO_EXAMPLE_TLS)
        std::optional<Reloader> reloader;
        if (tls_context) {
            reloader.emplace(*tls_context);
            doers.push_back(&*reloader);
        }
#endif
        hio::Doist doist{{.tock = settings.tock, .real = true, .grace = settings.grace, .waiter = &sockets.waiter()}, doers};
        doist.run();    // until Ctrl-C or SIGTERM: then no new connections, the others drain
        std::printf("stopped: %llu connections served, %llu refused, %llu idle-closed\n",
                    static_cast<unsigned long long>(server.accepted()),
                    static_cast<unsigned long long>(server.refused()),
                    static_cast<unsigned long long>(server.idle_closed()));
        return 0;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "echo_server: %s\n", error.what());
        return 1;
    }
}
