#pragma once
/// \file
/// Transport: the narrow seam between a Connection's buffers and whatever carries its bytes.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <system_error>

#include <hio/error.hpp>
#include <hio/tymist.hpp>
#include <hio/waiter.hpp>

namespace hio {

/// The outcome of one receive or send on a Transport.
struct IoResult {
    std::size_t bytes = 0;     ///< bytes moved
    bool would_block = false;  ///< nothing more can move now; arm and wait for readiness
    bool eof = false;          ///< receive: the peer closed its sending side (FIN)
    bool more = false;         ///< receive: more input or an EOF is known to wait, even after a
                               ///< short read (an edge-triggered hang-up was seen)
    std::error_code error{};   ///< a failure: the connection is over (reset, TLS alert, ...)
};

/// Told when an armed Transport becomes readable or writable.
class TransportEvents {
public:
    /// A receive (or an accept) would now make progress.
    virtual void on_readable() noexcept = 0;
    /// A send would now make progress (or a connect attempt ended).
    virtual void on_writable() noexcept = 0;

protected:
    ///@{
    /// Made and copied only by the classes that implement it.
    TransportEvents() = default;
    TransportEvents(const TransportEvents&) = default;
    TransportEvents& operator=(const TransportEvents&) = default;
    ///@}
    ~TransportEvents() = default;
};

/// A non-blocking byte stream: a TCP socket, a TLS session, or a simulated link.
///
/// Connections (and so every doer) talk to this interface only, never to Asio: the same doers
/// run over real sockets in real or virtual time, and over a simulated network that feeds the
/// same buffers. Readiness is one-shot: after `arm_read()` the transport calls
/// `on_readable()` once, when a receive would make progress (likewise for writes).
class Transport {
public:
    virtual ~Transport() = default;

    /// Receives into `into` without blocking.
    virtual IoResult receive(std::span<std::byte> into) = 0;

    /// Sends from `from` without blocking; may send a prefix.
    virtual IoResult send(std::span<const std::byte> from) = 0;

    /// Ends the sending side (TCP FIN, TLS close_notify); receiving goes on.
    virtual std::error_code shutdown_send() noexcept = 0;

    /// Closes at once; no more events are delivered. Idempotent.
    virtual void close() noexcept = 0;

    /// Where readiness events go (nullptr: nowhere). The target must outlive the arming.
    virtual void watch(TransportEvents* events) noexcept = 0;

    /// Asks for one on_readable() when a receive would make progress.
    virtual void arm_read() = 0;
    /// Asks for one on_writable() when a send would make progress.
    virtual void arm_write() = 0;

    /// For a transport from Network::connect(): once writable, whether the connection was
    /// made (empty error) or refused, unreachable, timed out.
    virtual std::error_code finish_connect() noexcept = 0;

    /// "host:port" of the peer (hio: ha).
    [[nodiscard]] virtual std::string remote_endpoint() const = 0;
    /// "host:port" of this end.
    [[nodiscard]] virtual std::string local_endpoint() const = 0;

    /// True once the stream carries application bytes: at once for TCP, after the handshake
    /// for TLS. Servers close connections that stay unestablished past a timeout.
    [[nodiscard]] virtual bool established() const noexcept { return true; }

    /// The application protocol TLS negotiated with ALPN (e.g. "http/1.1"); empty for TCP or
    /// when none was agreed.
    [[nodiscard]] virtual std::string alpn() const { return {}; }

    /// Caps the kernel's send buffer of the connection (SO_SNDBUF; the kernel doubles it for
    /// its own bookkeeping) where there is one; false where there is none (the simulation, a
    /// pipe). A slow reader then holds at most that much kernel memory, not the megabytes the
    /// kernel would grow the buffer to.
    virtual bool limit_send_buffer(std::size_t bytes) noexcept {
        static_cast<void>(bytes);
        return false;
    }

    /// True when send_file() works: a plain TCP socket, where the kernel moves a file's bytes
    /// to the peer from the page cache (sendfile(2)), never through the application. False
    /// for TLS (the bytes must be encrypted) and the simulated network.
    [[nodiscard]] virtual bool can_send_files() const noexcept { return false; }

    /// Sends up to `count` bytes of the open file `fd` from `offset`; `bytes` is how many went.
    /// Only where can_send_files(): elsewhere an operation_not_supported error.
    virtual IoResult send_file(int fd, std::uint64_t offset, std::size_t count) {
        static_cast<void>(fd);
        static_cast<void>(offset);
        static_cast<void>(count);
        return {.error = std::make_error_code(std::errc::operation_not_supported)};
    }

protected:
    ///@{
    /// Made and copied only by the classes that implement it.
    Transport() = default;
    Transport(const Transport&) = default;
    Transport& operator=(const Transport&) = default;
    ///@}
};

/// A listening endpoint that hands out one Transport per accepted peer.
class Listener {
public:
    virtual ~Listener() = default;

    /// The next pending peer, or nullptr with `error` empty when none is waiting (would block),
    /// or nullptr with `error` set (out of file descriptors, ...).
    virtual std::unique_ptr<Transport> accept(std::error_code& error) = 0;

    /// Where readiness goes (on_readable: a peer is waiting).
    virtual void watch(TransportEvents* events) noexcept = 0;
    /// Asks for one on_readable() when a peer is waiting.
    virtual void arm_accept() = 0;

    /// "host:port" actually bound (the port is real when 0 was asked for).
    [[nodiscard]] virtual std::string local_endpoint() const = 0;
    /// The port actually bound.
    [[nodiscard]] virtual std::uint16_t port() const = 0;

    /// Stops listening. Idempotent.
    virtual void close() noexcept = 0;

protected:
    ///@{
    /// Made and copied only by the classes that implement it.
    Listener() = default;
    Listener(const Listener&) = default;
    Listener& operator=(const Listener&) = default;
    ///@}
};

/// Makes listeners and outgoing connections: real TCP (hio::tcp::Network) or a simulation.
class Network {
public:
    virtual ~Network() = default;

    /// The Waiter that dispatches readiness for this network's transports (a Reactor, or a
    /// simulation's clock), or nullptr when none is needed. A Doist running doers on this
    /// network must have it as its DoistOptions::waiter; server and client doers check this
    /// when they enter, because a Doist that never waits on it never hears a socket.
    [[nodiscard]] virtual Waiter* waiter() const noexcept = 0;

    /// Listens on `host`:`port` (0: any free port). Throws hio::Error naming the address and
    /// the cause (address in use, cannot resolve, permission).
    virtual std::unique_ptr<Listener> listen(const std::string& host, std::uint16_t port,
                                             int backlog) = 0;

    /// Starts connecting to `host`:`port` without blocking; the transport becomes writable
    /// when the attempt ends (see Transport::finish_connect). Returns nullptr with `error`
    /// set when the attempt cannot even start (unknown host, out of file descriptors).
    virtual std::unique_ptr<Transport> connect(const std::string& host, std::uint16_t port,
                                               std::error_code& error) = 0;

protected:
    ///@{
    /// Made and copied only by the classes that implement it.
    Network() = default;
    Network(const Network&) = default;
    Network& operator=(const Network&) = default;
    ///@}
};

namespace detail {

/// Throws hio::Error unless `clock` (the Tymist a doer runs on, normally its Doist) waits on
/// `needed` (a network's Waiter): without it a real-time Doist sleeps through every socket event and a
/// virtual one never dispatches them. `component` names the doer in the message.
inline void require_waiter(const Tymist* clock, Waiter* needed, const char* component) {
    if (needed == nullptr || (clock != nullptr && clock->waiter() == needed))
        return;
    throw Error{std::string{component} +
                (clock != nullptr && clock->waiter() != nullptr
                     ? ": the Doist waits on another Waiter than this network's"
                     : ": the Doist has no Waiter, so this network's sockets would never be heard") +
                "; construct it with DoistOptions{.waiter = &reactor} (the Reactor the network was made with), "
                "{.waiter = &context} (the hio::asio::Context of a hio::asio network), "
                "or {.waiter = &world} for a host's network of a sim::World"};
}

/// As above, for `network`'s Waiter.
inline void require_waiter(const Tymist* clock, const Network& network, const char* component) {
    require_waiter(clock, network.waiter(), component);
}

}  // namespace detail

}  // namespace hio
