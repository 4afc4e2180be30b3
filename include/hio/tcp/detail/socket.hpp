#pragma once
/// \file
/// TCP transports and listeners on plain non-blocking sockets. Internal: use
/// hio::tcp::Network. Readiness comes from hio::Reactor (epoll, edge-triggered, registered once
/// per socket); bytes move with recv and send straight into and out of the ring buffers.
///
/// The sockets are plain descriptors rather than Asio socket objects: an Asio socket registers
/// itself with Asio's own reactor (a second epoll set, never run here), which cost two system
/// calls and a descriptor state of Asio's per connection. Names are resolved with getaddrinfo
/// on the Network's own threads (resolver.hpp). Sockets through Asio are the asio
/// component's (hio::asio::Network), for embedding and portability.

#if !defined(__linux__)
#error "hio/tcp: the epoll sockets are Linux only; elsewhere use hio::asio::Network (hio/sockets.hpp picks the platform's; docs/platforms.md)"
#endif

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <ctime>
#include <memory>
#include <span>
#include <string>
#include <system_error>
#include <utility>

#include <hio/error.hpp>
#include <hio/io/address.hpp>
#include <hio/io/reactor.hpp>
#include <hio/io/transport.hpp>

namespace hio::tcp::detail {

/// The socket address type, shared with the other layers (io/address.hpp).
using SocketAddress = hio::SocketAddress;

/// Would-block, EOF or failure, from a recv/send errno.
inline void classify(int error, IoResult& result) noexcept {
    if (error == EAGAIN || error == EWOULDBLOCK || error == EINTR)
        result.would_block = true;
    else
        result.error = {error, std::system_category()};
}

/// Name lookups in flight, which a transport cancels when it closes first (the Resolver).
class Lookups {
public:
    virtual void cancel(std::uint64_t ticket) noexcept = 0;

protected:
    Lookups() = default;
    Lookups(const Lookups&) = default;
    Lookups& operator=(const Lookups&) = default;
    ~Lookups() = default;
};

/// A TCP connection on a non-blocking socket it owns, as a Transport. Made connected (by a
/// listener) or connecting (by Network::connect), or waiting for a name to resolve: then
/// connect_to() starts the attempt, and until then it reports nothing but would-block.
class SocketTransport final : public Transport {
public:
    /// Takes `fd` (a connected socket) and watches it with `reactor`.
    SocketTransport(int fd, Reactor& reactor) : fd_{fd} {
        const int on = 1;
        ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);  // small echoes leave at once
        try {
            watch_.add(reactor, fd_);
        } catch (...) {
            ::close(fd_);
            fd_ = -1;
            throw;
        }
    }

    /// A transport that waits for its address (name resolution in progress), or is about to
    /// connect_to() one.
    explicit SocketTransport(Reactor& reactor) : pending_{std::make_unique<Pending>(reactor)} {}

    SocketTransport(const SocketTransport&) = delete;
    SocketTransport& operator=(const SocketTransport&) = delete;
    ~SocketTransport() override { close(); }

    /// Opens a socket and starts connecting to `address` (its end comes as writable). Returns
    /// the failure when the attempt cannot even start, and then the transport stays waiting.
    std::error_code connect_to(const SocketAddress& address) noexcept {
        if (closed_ || !pending_)
            return std::make_error_code(std::errc::operation_canceled);
        const int fd = ::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return {errno, std::system_category()};
        if (::connect(fd, address.get(), address.length) != 0 && errno != EINPROGRESS) {
            const std::error_code error{errno, std::system_category()};
            ::close(fd);
            return error;
        }
        try {
            const int on = 1;
            ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on);
            watch_.add(pending_->reactor, fd);
            fd_ = fd;
            watch_.events(pending_->events);
            if (pending_->write_wanted)
                watch_.arm_write();
        } catch (const SystemError& error) {
            ::close(fd);
            return error.code();
        }
        pending_.reset();  // a connecting socket needs nothing more than a connected one
        return {};
    }

    /// The lookup this transport waits for: cancelled if the transport closes first.
    void resolving(Lookups* lookups, std::uint64_t ticket) noexcept {
        if (!pending_)
            return;
        pending_->lookups = lookups;
        pending_->ticket = ticket;
    }
    /// The lookup ended (its answer is being delivered).
    void resolved() noexcept {
        if (pending_)
            pending_->lookups = nullptr;
    }

    /// Ends a pending attempt with `error` (the name did not resolve, no address worked).
    void fail_pending(std::error_code error) noexcept {
        if (!pending_)
            return;
        pending_->error = error;
        if (pending_->write_wanted && pending_->events != nullptr) {
            pending_->write_wanted = false;
            pending_->events->on_writable();
        }
    }

    IoResult receive(std::span<std::byte> into) override {
        IoResult result;
        if (into.empty())
            return result;
        if (fd_ < 0) {
            result.would_block = true;
            return result;
        }
        const ssize_t got = ::recv(fd_, into.data(), into.size(), 0);
        if (got > 0) {
            result.bytes = static_cast<std::size_t>(got);
            result.more = watch_.hangup();
        } else if (got == 0) {
            result.eof = true;
        } else {
            classify(errno, result);
        }
        return result;
    }

    IoResult send(std::span<const std::byte> from) override {
        IoResult result;
        if (from.empty())
            return result;
        if (fd_ < 0) {
            result.would_block = true;
            return result;
        }
        // MSG_NOSIGNAL: a peer that reset must give EPIPE, not kill the process with SIGPIPE.
        const ssize_t sent = ::send(fd_, from.data(), from.size(), MSG_NOSIGNAL);
        if (sent >= 0)
            result.bytes = static_cast<std::size_t>(sent);
        else
            classify(errno, result);
        return result;
    }

    [[nodiscard]] bool can_send_files() const noexcept override { return true; }

    bool limit_send_buffer(std::size_t bytes) noexcept override {
        const int size = static_cast<int>(std::min<std::size_t>(bytes, 1 << 30));
        return fd_ >= 0 && ::setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &size, sizeof size) == 0;
    }

    IoResult send_file(int fd, std::uint64_t offset, std::size_t count) override {
        IoResult result;
        if (count == 0)
            return result;
        if (fd_ < 0) {
            result.would_block = true;
            return result;
        }
        // sendfile(2) has no MSG_NOSIGNAL: SIGPIPE is blocked in this thread around it, and one
        // it raised is taken back, so a peer that reset gives EPIPE as send() does instead of
        // killing the process (nothing is changed when the thread blocks SIGPIPE already).
        sigset_t pipe_signal, before;
        sigemptyset(&pipe_signal);
        sigaddset(&pipe_signal, SIGPIPE);
        ::pthread_sigmask(SIG_BLOCK, &pipe_signal, &before);
        auto at = static_cast<off_t>(offset);
        const ssize_t sent = ::sendfile(fd_, fd, &at, count);
        const int error = errno;
        if (sent < 0 && error == EPIPE && sigismember(&before, SIGPIPE) == 0) {
            const timespec now{};
            while (::sigtimedwait(&pipe_signal, nullptr, &now) == SIGPIPE) {
            }
        }
        ::pthread_sigmask(SIG_SETMASK, &before, nullptr);
        if (sent >= 0)
            result.bytes = static_cast<std::size_t>(sent);
        else
            classify(error, result);
        return result;
    }

    std::error_code shutdown_send() noexcept override {
        if (fd_ >= 0 && ::shutdown(fd_, SHUT_WR) != 0)
            return {errno, std::system_category()};
        return {};
    }

    void close() noexcept override {
        closed_ = true;
        if (pending_ && pending_->lookups != nullptr) {
            pending_->lookups->cancel(pending_->ticket);
            pending_->lookups = nullptr;
        }
        watch_.remove();
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = -1;
    }

    void watch(TransportEvents* events) noexcept override {
        if (pending_)
            pending_->events = events;
        watch_.events(events);
    }
    void arm_read() override {
        if (fd_ >= 0)
            watch_.arm_read();
    }
    void arm_write() override {
        if (fd_ >= 0 || !pending_) {
            watch_.arm_write();
            return;
        }
        pending_->write_wanted = true;  // resolving: told once the attempt has started or failed
        if (pending_->error && pending_->events != nullptr) {
            pending_->write_wanted = false;
            pending_->events->on_writable();
        }
    }

    std::error_code finish_connect() noexcept override {
        if (fd_ < 0) {
            if (pending_ && pending_->error)
                return pending_->error;
            return std::make_error_code(closed_ ? std::errc::not_connected : std::errc::operation_in_progress);
        }
        int value = 0;
        socklen_t length = sizeof value;
        if (::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &value, &length) != 0)
            return {errno, std::system_category()};
        return {value, std::system_category()};
    }

    [[nodiscard]] std::string remote_endpoint() const override {
        return fd_ >= 0 ? SocketAddress::of(fd_, true).text() : std::string{"?"};
    }
    [[nodiscard]] std::string local_endpoint() const override {
        return fd_ >= 0 ? SocketAddress::of(fd_, false).text() : std::string{"?"};
    }

private:
    // What a transport needs only until its socket exists (made apart, so that each of the
    // thousands of established connections does not carry it).
    struct Pending {
        explicit Pending(Reactor& r) noexcept : reactor{r} {}
        Reactor& reactor;
        TransportEvents* events = nullptr;
        Lookups* lookups = nullptr;  // a name lookup in flight for this transport
        std::uint64_t ticket = 0;
        std::error_code error;
        bool write_wanted = false;
    };

    hio::detail::Watch watch_;
    std::unique_ptr<Pending> pending_;
    int fd_ = -1;
    bool closed_ = false;
};

/// A listening TCP socket as a Listener.
class SocketListener final : public Listener {
public:
    /// Binds `address` and listens. Throws hio::SystemError naming the address.
    SocketListener(Reactor& reactor, const SocketAddress& address, int backlog) : reactor_{reactor} {
        fd_ = ::socket(address.family(), SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd_ < 0)
            throw SystemError{last_system_error(), "tcp::Network: cannot open a socket for " + address.text()};
        const int on = 1;
        ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
        if (address.family() == AF_INET6)
            ::setsockopt(fd_, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);  // "::1" means IPv6 only
        if (::bind(fd_, address.get(), address.length) != 0 || ::listen(fd_, backlog) != 0) {
            const std::error_code error = last_system_error();
            ::close(fd_);
            throw SystemError{error, "tcp::Network: cannot listen on " + address.text()};
        }
        try {
            watch_.add(reactor_, fd_);
        } catch (...) {
            ::close(fd_);
            throw;
        }
        bound_ = SocketAddress::of(fd_, false);
    }
    SocketListener(const SocketListener&) = delete;
    SocketListener& operator=(const SocketListener&) = delete;
    ~SocketListener() override { close(); }

    std::unique_ptr<Transport> accept(std::error_code& error) override {
        error.clear();
        if (fd_ < 0)
            return nullptr;
        const int fd = ::accept4(fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            const int code = errno;
            // Nothing waiting, or a peer that left before we got to it.
            if (code != EAGAIN && code != EWOULDBLOCK && code != ECONNABORTED && code != EINTR && code != EPROTO)
                error = {code, std::system_category()};
            return nullptr;
        }
        try {
            return std::make_unique<SocketTransport>(fd, reactor_);
        } catch (const SystemError& failure) {
            error = failure.code();  // the socket is closed; the listener goes on
            return nullptr;
        }
    }

    void watch(TransportEvents* events) noexcept override { watch_.events(events); }
    void arm_accept() override { watch_.arm_read(); }

    [[nodiscard]] std::string local_endpoint() const override { return bound_.text(); }
    [[nodiscard]] std::uint16_t port() const override { return bound_.port(); }

    void close() noexcept override {
        watch_.remove();
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = -1;
    }

private:
    Reactor& reactor_;
    hio::detail::Watch watch_;
    SocketAddress bound_;
    int fd_ = -1;
};

}  // namespace hio::tcp::detail
