#pragma once
/// \file
/// Datagram sockets on non-blocking descriptors (UDP over IPv4 and IPv6, and Unix-domain
/// datagrams), read and written several datagrams per system call (recvmmsg, sendmmsg).
/// Internal: use hio::udp::Network. Readiness comes from hio::Reactor.

#if !defined(__linux__)
#error "hio/udp: the epoll datagram sockets are Linux only; elsewhere use hio::asio::DatagramNetwork (hio/sockets.hpp picks the platform's; docs/platforms.md)"
#endif

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include <hio/error.hpp>
#include <hio/io/address.hpp>
#include <hio/io/datagram.hpp>
#include <hio/io/reactor.hpp>

namespace hio::udp::detail {

/// Throws ValidationError for options a socket cannot take.
inline void validate(const DatagramSocketOptions& options) {
    if (options.batch < 1 || options.batch > 1024)
        throw ValidationError{"udp: batch must be in [1, 1024], got " + std::to_string(options.batch)};
    if (options.max_datagram < 1 || options.max_datagram > 65535)
        throw ValidationError{"udp: max_datagram must be in [1, 65535], got " + std::to_string(options.max_datagram)};
    if (options.socket_buffer > (1U << 30))
        throw ValidationError{"udp: socket_buffer must be at most 1 GiB, got " + std::to_string(options.socket_buffer)};
}

/// A bound, non-blocking datagram socket registered with a Reactor.
class Socket final : public DatagramSocket {
public:
    /// Opens a socket of `address`'s family and binds it. Throws hio::SystemError with the
    /// operating system's code when socket, setsockopt or bind fails.
    Socket(Reactor& reactor, const SocketAddress& address, const DatagramSocketOptions& options)
        : batch_{checked(options).batch}, limit_{options.max_datagram}, messages_(batch_), vectors_(batch_) {
        if (address.empty())
            throw ValidationError{"udp: bind needs an address"};
        fd_ = ::socket(address.family(), SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd_ < 0)
            fail("socket");
        const int on = 1;
        if (options.broadcast && ::setsockopt(fd_, SOL_SOCKET, SO_BROADCAST, &on, sizeof on) != 0)
            fail("setsockopt(SO_BROADCAST)");
        if (options.socket_buffer != 0) {
            const int size = static_cast<int>(options.socket_buffer);
            if (::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof size) != 0 ||
                ::setsockopt(fd_, SOL_SOCKET, SO_SNDBUF, &size, sizeof size) != 0)
                fail("setsockopt(SO_RCVBUF/SO_SNDBUF)");
        }
        if (::bind(fd_, address.get(), address.length) != 0)
            fail("bind to " + address.text());
        local_ = SocketAddress::of(fd_, false);
        try {
            watch_.add(reactor, fd_);
        } catch (...) {
            close();
            throw;
        }
    }

    Socket(const Socket&) = delete;
    Socket& operator=(const Socket&) = delete;
    ~Socket() override { close(); }

    DatagramResult receive(std::span<Datagram> into) override {
        DatagramResult result;
        const std::size_t n = std::min(into.size(), batch_);
        if (fd_ < 0 || n == 0) {
            result.would_block = fd_ < 0;
            return result;
        }
        if (!scratch_)  // one slot of max_datagram per message of a batch, made on first use
            scratch_ = std::make_unique_for_overwrite<std::byte[]>(batch_ * limit_);
        for (std::size_t i = 0; i < n; ++i) {
            vectors_[i] = {scratch_.get() + i * limit_, limit_};
            messages_[i] = {};
            messages_[i].msg_hdr.msg_name = &into[i].peer.storage;
            messages_[i].msg_hdr.msg_namelen = sizeof into[i].peer.storage;
            messages_[i].msg_hdr.msg_iov = &vectors_[i];
            messages_[i].msg_hdr.msg_iovlen = 1;
        }
        // MSG_TRUNC: msg_len is the datagram's real length, so a cut one is known as such.
        const int got = ::recvmmsg(fd_, messages_.data(), static_cast<unsigned>(n), MSG_DONTWAIT | MSG_TRUNC, nullptr);
        if (got < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                result.would_block = true;
            else
                result.error = {errno, std::system_category()};
            return result;
        }
        for (int i = 0; i < got; ++i) {
            const auto k = static_cast<std::size_t>(i);
            Datagram& datagram = into[k];
            const std::size_t length = messages_[k].msg_len;
            datagram.size = length;
            datagram.payload.assign(reinterpret_cast<const char*>(scratch_.get() + k * limit_), std::min(length, limit_));
            datagram.peer.length = messages_[k].msg_hdr.msg_namelen;
        }
        result.count = static_cast<std::size_t>(got);
        result.would_block = result.count < n;  // fewer than asked: the socket is drained
        return result;
    }

    DatagramResult send(std::span<const Datagram> from) override {
        DatagramResult result;
        const std::size_t n = std::min(from.size(), batch_);
        if (fd_ < 0 || n == 0) {
            result.would_block = fd_ < 0;
            return result;
        }
        for (std::size_t i = 0; i < n; ++i) {
            const Datagram& datagram = from[i];
            vectors_[i] = {const_cast<char*>(datagram.payload.data()), datagram.payload.size()};
            messages_[i] = {};
            messages_[i].msg_hdr.msg_name = const_cast<sockaddr_storage*>(&datagram.peer.storage);
            messages_[i].msg_hdr.msg_namelen = datagram.peer.length;
            messages_[i].msg_hdr.msg_iov = &vectors_[i];
            messages_[i].msg_hdr.msg_iovlen = 1;
        }
        const int sent = ::sendmmsg(fd_, messages_.data(), static_cast<unsigned>(n), MSG_DONTWAIT | MSG_NOSIGNAL);
        if (sent < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                result.would_block = true;
            else  // this datagram's own failure (too large, unreachable, broadcast not allowed)
                result.error = {errno, std::system_category()};
            return result;
        }
        result.count = static_cast<std::size_t>(sent);
        return result;
    }

    std::error_code membership(const SocketAddress& group, const SocketAddress& interface_address, bool join) override {
        if (fd_ < 0)
            return std::make_error_code(std::errc::bad_file_descriptor);
        int rc = -1;
        if (group.family() == AF_INET && local_.family() == AF_INET) {
            ip_mreqn request{};
            request.imr_multiaddr = reinterpret_cast<const sockaddr_in*>(&group.storage)->sin_addr;
            if (interface_address.family() == AF_INET)
                request.imr_address = reinterpret_cast<const sockaddr_in*>(&interface_address.storage)->sin_addr;
            rc = ::setsockopt(fd_, IPPROTO_IP, join ? IP_ADD_MEMBERSHIP : IP_DROP_MEMBERSHIP, &request, sizeof request);
        } else if (group.family() == AF_INET6 && local_.family() == AF_INET6) {
            ipv6_mreq request{};
            request.ipv6mr_multiaddr = reinterpret_cast<const sockaddr_in6*>(&group.storage)->sin6_addr;
            if (interface_address.family() == AF_INET6)
                request.ipv6mr_interface = reinterpret_cast<const sockaddr_in6*>(&interface_address.storage)->sin6_scope_id;
            rc = ::setsockopt(fd_, IPPROTO_IPV6, join ? IPV6_JOIN_GROUP : IPV6_LEAVE_GROUP, &request, sizeof request);
        } else {
            return std::make_error_code(std::errc::address_family_not_supported);
        }
        return rc == 0 ? std::error_code{} : std::error_code{errno, std::system_category()};
    }

    void watch(TransportEvents* events) noexcept override { watch_.events(events); }
    void arm_read() override {
        if (fd_ >= 0)
            watch_.arm_read();
    }
    void arm_write() override {
        if (fd_ >= 0)
            watch_.arm_write();
    }
    void close() noexcept override {
        watch_.remove();
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = -1;
    }

    [[nodiscard]] SocketAddress local_address() const override { return local_; }

private:
    static const DatagramSocketOptions& checked(const DatagramSocketOptions& options) {
        validate(options);
        return options;
    }

    [[noreturn]] void fail(const std::string& what) {
        const std::error_code code{errno, std::system_category()};
        close();
        throw SystemError{code, "udp: " + what};
    }

    int fd_ = -1;
    std::size_t batch_;
    std::size_t limit_;
    SocketAddress local_{};
    hio::detail::Watch watch_;
    std::vector<mmsghdr> messages_;
    std::vector<iovec> vectors_;
    std::unique_ptr<std::byte[]> scratch_;
};

}  // namespace hio::udp::detail
