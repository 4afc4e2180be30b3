#pragma once
/// \file
/// The simulated network as a host's doers see it (sim::Network), and the Transport and
/// Listener it hands out: thin ends over the stream model (streams.hpp), which owns every
/// byte and every state.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <system_error>
#include <utility>

#include <hio/io/transport.hpp>
#include <hio/sim/streams.hpp>
#include <hio/waiter.hpp>

namespace hio::sim {

namespace detail {

/// One end of a simulated stream, as the Connection that owns it sees it.
class StreamEnd final : public Transport {
public:
    /// End `side` (0: connecting, 1: accepting) of stream `id`.
    StreamEnd(Streams& streams, const Fabric& fabric, std::uint32_t id, std::uint8_t side) noexcept
        : streams_{streams}, fabric_{fabric}, id_{id}, side_{side} {
        streams_.watch(id_, side_, nullptr);  // this end is in use until it closes
        local_ = streams_.address_of(id_, side_);
        remote_ = streams_.address_of(id_, static_cast<std::uint8_t>(side_ ^ 1));
    }
    StreamEnd(const StreamEnd&) = delete;
    StreamEnd& operator=(const StreamEnd&) = delete;
    ~StreamEnd() override { close(); }

    IoResult receive(std::span<std::byte> into) override {
        if (closed_)
            return {.error = std::make_error_code(std::errc::bad_file_descriptor)};
        return streams_.receive(id_, side_, into);
    }

    IoResult send(std::span<const std::byte> from) override {
        if (closed_)
            return {.error = std::make_error_code(std::errc::bad_file_descriptor)};
        return streams_.send(id_, side_, from);
    }

    std::error_code shutdown_send() noexcept override {
        if (closed_)
            return std::make_error_code(std::errc::bad_file_descriptor);
        return streams_.shutdown(id_, side_);
    }

    void close() noexcept override {
        if (closed_)
            return;
        closed_ = true;
        streams_.close(id_, side_);
    }

    void watch(TransportEvents* events) noexcept override {
        if (!closed_)
            streams_.watch(id_, side_, events);
    }

    void arm_read() override {
        if (!closed_)
            streams_.arm(id_, side_, true);
    }

    void arm_write() override {
        if (!closed_)
            streams_.arm(id_, side_, false);
    }

    std::error_code finish_connect() noexcept override {
        if (closed_)
            return std::make_error_code(std::errc::bad_file_descriptor);
        return streams_.connect_result(id_, side_);
    }

    // Kept as (host, port): the stream may be gone once this end is closed.
    [[nodiscard]] std::string remote_endpoint() const override { return fabric_.endpoint(remote_.first, remote_.second); }
    [[nodiscard]] std::string local_endpoint() const override { return fabric_.endpoint(local_.first, local_.second); }

private:
    Streams& streams_;
    const Fabric& fabric_;
    std::uint32_t id_;
    std::uint8_t side_;
    std::pair<std::uint32_t, std::uint16_t> local_;
    std::pair<std::uint32_t, std::uint16_t> remote_;
    bool closed_ = false;
};

/// A listening port of a simulated host.
class StreamListener final : public Listener {
public:
    /// Listener `index` of the stream model, bound at `address`:`port`.
    StreamListener(Streams& streams, const Fabric& fabric, std::uint32_t index, std::string address,
                   std::uint16_t port) noexcept
        : streams_{streams}, fabric_{fabric}, index_{index}, address_{std::move(address)}, port_{port} {}
    StreamListener(const StreamListener&) = delete;
    StreamListener& operator=(const StreamListener&) = delete;
    ~StreamListener() override { close(); }

    std::unique_ptr<Transport> accept(std::error_code& error) override {
        error.clear();
        std::uint32_t id = 0;
        if (closed_ || !streams_.accept(index_, id))
            return nullptr;
        return std::make_unique<StreamEnd>(streams_, fabric_, id, std::uint8_t{1});
    }

    void watch(TransportEvents* events) noexcept override {
        if (!closed_)
            streams_.watch_listener(index_, events);
    }

    void arm_accept() override {
        if (!closed_)
            streams_.arm_accept(index_);
    }

    [[nodiscard]] std::string local_endpoint() const override { return address_ + ":" + std::to_string(port_); }
    [[nodiscard]] std::uint16_t port() const override { return port_; }

    void close() noexcept override {
        if (closed_)
            return;
        closed_ = true;
        streams_.close_listener(index_);
    }

private:
    Streams& streams_;
    const Fabric& fabric_;
    std::uint32_t index_;
    std::string address_;
    std::uint16_t port_;
    bool closed_ = false;
};

}  // namespace detail

/// The network seen from one host: what its doers use instead of a tcp::Network.
///
/// listen() binds on the host (its name, its address, a loopback or any address: "0.0.0.0",
/// "127.0.0.1", "localhost", ""); connect() reaches another host by name or address, or this
/// one by a loopback name. An unknown name fails at once (std::errc::host_unreachable).
class Network final : public hio::Network {
public:
    /// Made by the World for each host: `waiter` is the World.
    Network(detail::Streams& streams, detail::Fabric& fabric, detail::HostState& host, Waiter& waiter) noexcept
        : streams_{streams}, fabric_{fabric}, host_{host}, waiter_{waiter} {}

    /// The World: a Doist running doers on this network must have it as its waiter.
    [[nodiscard]] Waiter* waiter() const noexcept override { return &waiter_; }

    /// Listens on `host`:`port` of this host (0: a free port). Throws hio::SystemError with
    /// std::errc::address_in_use for a taken port, address_not_available for another host's
    /// address, and ValidationError for a backlog below 1.
    std::unique_ptr<Listener> listen(const std::string& host, std::uint16_t port, int backlog) override {
        const std::uint32_t index = streams_.listen(host_, host, port, backlog);
        return std::make_unique<detail::StreamListener>(streams_, fabric_, index, host_.address, port);
    }

    /// Starts connecting to `host`:`port`; the outcome comes as a writable event after a round
    /// trip (connected or std::errc::connection_refused), or never (a black hole, a partition,
    /// a crashed host: the client's timeout decides). Returns nullptr with host_unreachable for
    /// an unknown host.
    std::unique_ptr<Transport> connect(const std::string& host, std::uint16_t port, std::error_code& error) override {
        std::uint32_t id = 0;
        if (!streams_.connect(host_, host, port, id, error))
            return nullptr;
        return std::make_unique<detail::StreamEnd>(streams_, fabric_, id, std::uint8_t{0});
    }

private:
    detail::Streams& streams_;
    detail::Fabric& fabric_;
    detail::HostState& host_;
    Waiter& waiter_;
};

}  // namespace hio::sim
