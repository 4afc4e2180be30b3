// Helpers for tests over real loopback sockets: a real-time rig, and (process.hpp) a condition
// doer and a doer that runs a peer program (python3, nc) and finishes when it exits.
#pragma once

#include <hio/detail/platform.hpp>  // the socket headers: Winsock 2 on Windows
#if !defined(_WIN32)
#include <unistd.h>
#endif

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <hio/hio.hpp>
#if defined(HIO_TEST_ASIO)
#include <hio/asio.hpp>
#endif

#include "support/backend.hpp"
#include "support/process.hpp"

namespace hio_test {

#if !defined(__linux__)
using NetRigStorage = RigStorage<hio::Network, void, hio::asio::Network>;
#elif defined(HIO_TEST_ASIO)
using NetRigStorage = RigStorage<hio::Network, hio::tcp::Network, hio::asio::Network>;
#else
using NetRigStorage = RigStorage<hio::Network, hio::tcp::Network, void>;
#endif

/// A socket backend's event loop and TCP network (as HIO_TEST_BACKEND says), and a real-time
/// Doist runner with a wall-clock bound.
struct NetRig : private NetRigStorage {
    NetRig() : NetRig{backend()} {}
    explicit NetRig(Backend chosen) : kind{chosen}, waiter{make_waiter(chosen)}, network{make_network(chosen)} {}
    NetRig(const NetRig&) = delete;
    NetRig& operator=(const NetRig&) = delete;

    /// The backend in use.
    Backend kind;
    /// Its event loop: the Waiter a Doist on `network` needs (a Reactor, or an asio::Context).
    hio::Waiter& waiter;
    /// Its TCP network.
    hio::Network& network;

    /// Runs `doers` in real time (tock 0.01) until all finish or `limit` seconds pass.
    /// Returns the Doist's done(): true when every doer finished on its own.
    bool run(const std::vector<hio::Doer*>& doers, double limit = 20.0, double tock = 0.01) {
        hio::Doist doist{{.tock = tock, .limit = limit, .real = true, .waiter = &waiter}, doers};
        doist.run();
        return doist.done();
    }

    /// Runs `doers` until `goal()` holds (then stops the Doist, closing every doer) or `limit`
    /// seconds pass. Returns whether the goal was reached. For servers, which never finish.
    bool run_until(std::vector<hio::Doer*> doers, const std::function<bool()>& goal, double limit = 20.0);

    /// Wake passes (Doist::wake_passes) and passes (Doist::passes) of the last run_until().
    std::uint64_t wake_passes = 0;
    std::uint64_t passes = 0;
};

inline bool NetRig::run_until(std::vector<hio::Doer*> doers, const std::function<bool()>& goal, double limit) {
    const RunOutcome outcome = hio_test::run_until(waiter, std::move(doers), goal, limit, 0.05);
    wake_passes = outcome.wake_passes;
    passes = outcome.passes;
    return outcome.reached;
}

/// Plain blocking sockets for tests that play a peer by hand (the kernel's calls, on POSIX and
/// Winsock alike).
namespace raw {
#if defined(_WIN32)
using Socket = SOCKET;
inline const Socket invalid = INVALID_SOCKET;
inline void close(Socket socket) { ::closesocket(socket); }
#else
using Socket = int;
inline const Socket invalid = -1;
inline void close(Socket socket) { ::close(socket); }
#endif

inline sockaddr_in loopback(std::uint16_t port) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return address;
}

/// A listener on 127.0.0.1 and a free port, which it sets; `invalid` on failure.
inline Socket listen_loopback(std::uint16_t& port) {
    const Socket listener = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address = loopback(0);
    socklen_t length = sizeof address;
    if (listener == invalid || ::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
        ::listen(listener, 4) != 0 || ::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
        if (listener != invalid)
            close(listener);
        return invalid;
    }
    port = ntohs(address.sin_port);
    return listener;
}

/// Accepts the next connection (blocking).
inline Socket accept(Socket listener) { return ::accept(listener, nullptr, nullptr); }

/// Closes `socket` with a reset (SO_LINGER 0): the peer sees ECONNRESET.
inline void reset(Socket socket) {
    linger hard{};
    hard.l_onoff = 1;
    hard.l_linger = 0;
    ::setsockopt(socket, SOL_SOCKET, SO_LINGER, reinterpret_cast<const char*>(&hard), sizeof hard);
    close(socket);
}
}  // namespace raw

/// A blocking loopback connect to `port`: the kernel completes it from the listen queue,
/// before any accept, so the listening socket turns readable. Returns the socket (the caller
/// closes it with raw::close), or raw::invalid.
inline raw::Socket connect_loopback(std::uint16_t port) {
    const raw::Socket socket = ::socket(AF_INET, SOCK_STREAM, 0);
    const sockaddr_in address = raw::loopback(port);
    if (socket != raw::invalid && ::connect(socket, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
        raw::close(socket);
        return raw::invalid;
    }
    return socket;
}

/// Lets `waiter` dispatch what becomes ready for `seconds` of wall time, with no Doist.
inline void dispatch_for(hio::Waiter& waiter, double seconds) {
    const auto until = std::chrono::steady_clock::now() +
                       std::chrono::duration_cast<std::chrono::steady_clock::duration>(std::chrono::duration<double>(seconds));
    waiter.wait_until(until, [] { return false; });
}

/// A loopback port nobody listens on right now (bound, read back, closed). For tests that
/// need a refused port or must start a peer program on a port of their choosing.
inline std::uint16_t unused_port() {
    const raw::Socket socket = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address = raw::loopback(0);
    ::bind(socket, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t length = sizeof address;
    ::getsockname(socket, reinterpret_cast<sockaddr*>(&address), &length);
    raw::close(socket);
    return ntohs(address.sin_port);
}

/// Deterministic bytes for stream `seed`, so that every echoed byte can be checked.
inline std::string pattern(std::size_t size, unsigned seed) {
    std::string out(size, '\0');
    unsigned state = seed * 2654435761U + 1U;
    for (char& c : out) {
        state = state * 1103515245U + 12345U;
        c = static_cast<char>(state >> 16);
    }
    return out;
}

/// A self-signed certificate for localhost and 127.0.0.1 (EC P-256, two days), made with the
/// openssl command line into a temporary directory that is removed with this object.
class SelfSignedCertificate {
public:
    SelfSignedCertificate() : dir_{temp_path("self_signed")} {
        const std::string command = "mkdir -p '" + dir_ + "' && openssl req -x509 -newkey ec -pkeyopt "
                                    "ec_paramgen_curve:prime256v1 -nodes -keyout '" + key() + "' -out '" + certificate() +
                                    "' -days 2 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 "
                                    "2>/dev/null";
        if (std::system(command.c_str()) != 0)
            throw std::runtime_error{"openssl could not make a test certificate in " + dir_};
    }
    SelfSignedCertificate(const SelfSignedCertificate&) = delete;
    SelfSignedCertificate& operator=(const SelfSignedCertificate&) = delete;
    ~SelfSignedCertificate() { [[maybe_unused]] const int ignored = std::system(("rm -rf '" + dir_ + "'").c_str()); }

    [[nodiscard]] std::string certificate() const { return dir_ + "/cert.pem"; }
    [[nodiscard]] std::string key() const { return dir_ + "/key.pem"; }

private:
    std::string dir_;
};

}  // namespace hio_test
