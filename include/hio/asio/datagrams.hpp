#pragma once
/// \file
/// hio::asio::DatagramNetwork: UDP sockets on Asio behind the datagram seam, so udp::Peer and
/// its doers run over Asio unchanged.

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <system_error>
#include <vector>

#include <asio/buffer.hpp>
#include <asio/error.hpp>
#include <asio/ip/multicast.hpp>
#include <asio/ip/udp.hpp>
#include <asio/socket_base.hpp>

#include <hio/asio/context.hpp>
#include <hio/asio/detail/stream.hpp>
#include <hio/error.hpp>
#include <hio/io/address.hpp>
#include <hio/io/datagram.hpp>

namespace hio::asio {

namespace detail {

/// The endpoint of an IP SocketAddress.
inline ::asio::ip::udp::endpoint to_endpoint(const SocketAddress& address) {
    ::asio::ip::udp::endpoint endpoint;
    const auto length = static_cast<std::size_t>(address.length > 0 ? address.length : 0);
    if ((address.family() != AF_INET && address.family() != AF_INET6) || length > endpoint.capacity())
        return endpoint;  // not an IP address (the caller checked): the unspecified endpoint
    std::memcpy(endpoint.data(), address.get(), length);
    endpoint.resize(length);
    return endpoint;
}

/// The SocketAddress of an endpoint.
inline SocketAddress to_address(const ::asio::ip::udp::endpoint& endpoint) {
    SocketAddress address;
    std::memcpy(&address.storage, endpoint.data(), endpoint.size());
    address.length = static_cast<decltype(address.length)>(endpoint.size());
    return address;
}

/// A bound UDP socket on Asio. Receiving is completion-shaped (one async_receive_from at a
/// time, which is what Windows serves natively; then what else is waiting is read without
/// blocking); sending is a non-blocking send_to per datagram, waiting for writability when
/// the socket is full.
class AsioDatagramSocket final : public DatagramSocket {
public:
    AsioDatagramSocket(::asio::io_context& io, const SocketAddress& address, const DatagramSocketOptions& options)
        : state_{std::make_shared<State>(io, options.max_datagram)}, batch_{options.batch} {
        ::asio::ip::udp::socket& socket = state_->socket;
        const ::asio::ip::udp::endpoint endpoint = to_endpoint(address);
        std::error_code error;
        socket.open(endpoint.protocol(), error);
        if (!error && options.broadcast)
            socket.set_option(::asio::socket_base::broadcast{true}, error);
        if (!error && options.socket_buffer != 0) {
            socket.set_option(::asio::socket_base::receive_buffer_size{static_cast<int>(options.socket_buffer)}, error);
            if (!error)
                socket.set_option(::asio::socket_base::send_buffer_size{static_cast<int>(options.socket_buffer)}, error);
        }
        if (!error)
            socket.bind(endpoint, error);
        if (!error)
            socket.non_blocking(true, error);
        if (error) {
            std::error_code ignored;
            socket.close(ignored);
            throw SystemError{normalized(error), "asio::DatagramNetwork: cannot bind to " + address.text()};
        }
        local_ = to_address(socket.local_endpoint(error));
    }

    AsioDatagramSocket(const AsioDatagramSocket&) = delete;
    AsioDatagramSocket& operator=(const AsioDatagramSocket&) = delete;
    ~AsioDatagramSocket() override { close(); }

    DatagramResult receive(std::span<Datagram> into) override {
        DatagramResult result;
        State& state = *state_;
        const std::size_t n = std::min(into.size(), batch_);
        if (state.closed || n == 0) {
            result.would_block = state.closed;
            return result;
        }
        if (state.held) {  // what the last asynchronous receive brought
            state.held = false;
            fill(into[result.count++], state.buffer, state.held_size, state.from);
        }
        if (state.receiving) {  // the socket is the pending operation's until it completes
            result.would_block = result.count < n;
            return result;
        }
        while (result.count < n) {
            std::error_code error;
            ::asio::ip::udp::endpoint from;
            const std::size_t got = state.socket.receive_from(::asio::buffer(state.buffer), from, truncate_flags, error);
            if (error == ::asio::error::would_block || error == ::asio::error::try_again) {
                result.would_block = true;
                break;
            }
            if (error && error != ::asio::error::message_size) {
                if (result.count == 0)
                    result.error = normalized(error);
                break;
            }
            fill(into[result.count++], state.buffer, error ? state.buffer.size() : got, from);
        }
        return result;
    }

    DatagramResult send(std::span<const Datagram> from) override {
        DatagramResult result;
        State& state = *state_;
        const std::size_t n = std::min(from.size(), batch_);
        if (state.closed || n == 0) {
            result.would_block = state.closed;
            return result;
        }
        for (; result.count < n; ++result.count) {
            const Datagram& datagram = from[result.count];
            std::error_code error;
            state.socket.send_to(::asio::buffer(datagram.payload), to_endpoint(datagram.peer), 0, error);
            if (error == ::asio::error::would_block || error == ::asio::error::try_again) {
                result.would_block = true;
                break;
            }
            if (error) {
                result.error = normalized(error);  // this datagram's own failure: the peer drops it
                break;
            }
        }
        return result;
    }

    std::error_code membership(const SocketAddress& group, const SocketAddress& interface_address, bool join) override {
        if (state_->closed)
            return std::make_error_code(std::errc::bad_file_descriptor);
        if (group.family() != local_.family())
            return std::make_error_code(std::errc::address_family_not_supported);
        const ::asio::ip::address group_ip = to_endpoint(group).address();
        std::error_code error;
        if (group_ip.is_v4()) {
            const ::asio::ip::address_v4 local = interface_address.empty()
                                                     ? ::asio::ip::address_v4::any()
                                                     : to_endpoint(interface_address).address().to_v4();
            if (join)
                state_->socket.set_option(::asio::ip::multicast::join_group{group_ip.to_v4(), local}, error);
            else
                state_->socket.set_option(::asio::ip::multicast::leave_group{group_ip.to_v4(), local}, error);
        } else {
            if (join)
                state_->socket.set_option(::asio::ip::multicast::join_group{group_ip}, error);
            else
                state_->socket.set_option(::asio::ip::multicast::leave_group{group_ip}, error);
        }
        return normalized(error);
    }

    void watch(TransportEvents* events) noexcept override { state_->events = state_->closed ? nullptr : events; }

    void arm_read() override {
        State& state = *state_;
        if (state.closed || state.receiving)
            return;
        if (state.held) {
            tell_soon(state_, state.socket.get_executor(), &State::read_posted, &TransportEvents::on_readable);
            return;
        }
        state.receiving = true;
        state.socket.async_receive_from(
            ::asio::buffer(state.buffer), state.from, truncate_flags,
            [state = state_](std::error_code error, std::size_t got) {
                state->receiving = false;
                if (state->closed)
                    return;
                if (!error || error == ::asio::error::message_size) {
                    state->held = true;
                    state->held_size = error ? state->buffer.size() : got;
                }
                // Other errors (a port unreachable report on some systems) show in the next
                // receive, which reads without blocking.
                if (state->events != nullptr)
                    state->events->on_readable();
            });
    }

    void arm_write() override {
        State& state = *state_;
        if (state.closed || state.write_armed)
            return;
        state.write_armed = true;
        state.socket.async_wait(::asio::ip::udp::socket::wait_write, [state = state_](std::error_code) {
            state->write_armed = false;
            if (!state->closed && state->events != nullptr)
                state->events->on_writable();
        });
    }

    void close() noexcept override {
        State& state = *state_;
        if (state.closed)
            return;
        state.closed = true;
        state.events = nullptr;
        std::error_code ignored;
        state.socket.close(ignored);
    }

    [[nodiscard]] SocketAddress local_address() const override { return local_; }

private:
    // Linux reports a cut datagram's real length when asked (MSG_TRUNC); elsewhere a cut one
    // is known by its filling the buffer, which is one byte longer than max_datagram for that.
#if defined(__linux__)
    static constexpr ::asio::socket_base::message_flags truncate_flags = MSG_TRUNC;
    static constexpr std::size_t extra = 0;
#else
    static constexpr ::asio::socket_base::message_flags truncate_flags = 0;
    static constexpr std::size_t extra = 1;
#endif

    struct State {
        State(::asio::io_context& io, std::size_t most) : socket{io}, limit{most}, buffer(most + extra) {}
        ::asio::ip::udp::socket socket;
        std::size_t limit;
        std::vector<char> buffer;
        ::asio::ip::udp::endpoint from;
        std::size_t held_size = 0;
        TransportEvents* events = nullptr;
        bool held = false;
        bool receiving = false;
        bool write_armed = false;
        bool read_posted = false;
        bool closed = false;
    };

    void fill(Datagram& datagram, const std::vector<char>& buffer, std::size_t length,
              const ::asio::ip::udp::endpoint& from) const {
        const std::size_t limit = state_->limit;
        datagram.size = length;
        datagram.payload.assign(buffer.data(), std::min(length, limit));
        datagram.peer = to_address(from);
    }

    std::shared_ptr<State> state_;
    std::size_t batch_;
    SocketAddress local_{};
};

}  // namespace detail

/// Makes UDP sockets on a Context's io_context: the DatagramNetwork udp::Peer uses over Asio.
/// Unix-domain datagrams (uxd::Peer) need hio::udp::Network: Asio has no portable form of them.
class DatagramNetwork final : public hio::DatagramNetwork {
public:
    /// A DatagramNetwork on `context`, which must outlive it and every socket it makes.
    explicit DatagramNetwork(Context& context) noexcept : context_{context} {}

    /// Binds a UDP socket to `address`. Throws ValidationError for options out of range or a
    /// Unix-domain address, and hio::SystemError when the system refuses.
    std::unique_ptr<DatagramSocket> bind(const SocketAddress& address, const DatagramSocketOptions& options) override {
        if (options.batch < 1 || options.batch > 1024)
            throw ValidationError{"asio::DatagramNetwork: batch must be in [1, 1024], got " + std::to_string(options.batch)};
        if (options.max_datagram < 1 || options.max_datagram > 65535)
            throw ValidationError{"asio::DatagramNetwork: max_datagram must be in [1, 65535], got " +
                                  std::to_string(options.max_datagram)};
        if (options.socket_buffer > (1U << 30))
            throw ValidationError{"asio::DatagramNetwork: socket_buffer must be at most 1 GiB, got " +
                                  std::to_string(options.socket_buffer)};
        if (address.empty() || (address.family() != AF_INET && address.family() != AF_INET6))
            throw ValidationError{"asio::DatagramNetwork: bind needs an IP address (Unix-domain datagrams need "
                                  "hio::udp::Network), got " + (address.empty() ? std::string{"none"} : address.text())};
        return std::make_unique<detail::AsioDatagramSocket>(context_.io(), address, options);
    }

    /// The Context: a Doist running doers on this network waits in it.
    [[nodiscard]] Waiter* waiter() const noexcept override { return &context_; }

private:
    Context& context_;
};

}  // namespace hio::asio
