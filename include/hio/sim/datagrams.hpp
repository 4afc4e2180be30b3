#pragma once
/// \file
/// The datagram model of the simulated network (detail::Datagrams), the socket it hands out
/// (detail::DatagramEnd), and the datagram network as a host's doers see it
/// (sim::DatagramNetwork, for udp::Peer).

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <hio/error.hpp>
#include <hio/io/address.hpp>
#include <hio/io/datagram.hpp>
#include <hio/random.hpp>
#include <hio/sim/fabric.hpp>
#include <hio/waiter.hpp>

namespace hio::sim {

namespace detail {

/// The datagram model: bound sockets per (host, port), datagrams in flight. Each datagram
/// crosses the link's latency plus jitter on its own, so they arrive in no fixed order; the
/// fault menu loses and duplicates them (FaultOptions::loss, duplicate), a held link or a
/// crashed host drops them, the link's mtu cuts them, and a socket whose receive window is
/// full drops what arrives. IPv4 only.
class Datagrams {
public:
    /// What the calendar brings back to this room (Event::kind).
    enum class Kind : std::uint8_t {
        arrive,  // a datagram in flight lands (target: its flight slot)
        notify,  // tell an armed socket it is readable (side 0) or writable (side 1)
    };

    explicit Datagrams(Fabric& fabric) noexcept : fabric_{fabric} {}
    Datagrams(const Datagrams&) = delete;
    Datagrams& operator=(const Datagrams&) = delete;

    /// Binds a socket on `on`: its index and its address. Throws as sim::DatagramNetwork::bind.
    std::uint32_t bind(HostState& on, const SocketAddress& address, const DatagramSocketOptions& options,
                       SocketAddress& local);

    /// DatagramSocket::send for socket `index`.
    DatagramResult send(std::uint32_t index, std::span<const Datagram> from);
    /// DatagramSocket::receive for socket `index`.
    DatagramResult receive(std::uint32_t index, std::span<Datagram> into);
    /// DatagramSocket::watch for socket `index`.
    void watch(std::uint32_t index, TransportEvents* events) noexcept {
        if (Socket* socket = socket_at(index))
            socket->events = events;
    }
    /// DatagramSocket::arm_read / arm_write for socket `index`.
    void arm(std::uint32_t index, bool read);
    /// DatagramSocket::close for socket `index`.
    void close(std::uint32_t index) noexcept;

    /// A host crashed: its sockets are gone, with what they had queued.
    void crash(std::uint32_t host);

    /// Handles an event of this room.
    void dispatch(const Event& event);

private:
    // Datagram sockets count apart from streams in the trace.
    static constexpr std::uint64_t trace_base = std::uint64_t{1} << 40;

    struct Socket {
        std::uint32_t host = 0;
        std::uint16_t port = 0;
        TransportEvents* events = nullptr;
        std::size_t max_datagram = 65507;
        std::deque<Datagram> queue;  // arrived, unread
        std::size_t queued_bytes = 0;
        Random random;
        bool vanished = false;  // its host crashed
        bool read_armed = false;
        bool read_notice = false;
    };
    // A datagram on its way.
    struct InFlight {
        Datagram datagram;  // peer: its source
        std::uint32_t host = 0;
        std::uint16_t port = 0;
        std::size_t window = 0;  // the receive window of its link
    };

    [[nodiscard]] Socket* socket_at(std::uint32_t index) const noexcept {
        return index < sockets_.size() ? sockets_[index].get() : nullptr;
    }
    void notice(std::uint32_t index, std::uint8_t side) {
        fabric_.calendar().notice(
            {fabric_.now(), 0, index, side, static_cast<std::uint8_t>(Kind::notify), Room::datagrams});
    }
    void arrive(std::uint32_t slot);
    void notify(std::uint32_t index, std::uint8_t side);

    Fabric& fabric_;
    std::vector<std::unique_ptr<Socket>> sockets_;
    std::map<std::pair<std::uint32_t, std::uint16_t>, std::uint32_t> ports_;  // (host, port) -> socket
    std::vector<InFlight> in_flight_;
    std::vector<std::uint32_t> free_flight_;
};

inline std::uint32_t Datagrams::bind(HostState& on, const SocketAddress& address, const DatagramSocketOptions& options,
                                     SocketAddress& local) {
    if (address.family() != AF_INET)
        throw SystemError{std::make_error_code(std::errc::address_family_not_supported),
                          "sim::DatagramNetwork: only IPv4 addresses, not " + address.text()};
    const std::string host = address.host();
    if (host != "0.0.0.0" && host != "127.0.0.1" && host != on.address)
        throw SystemError{std::make_error_code(std::errc::address_not_available),
                          "sim::DatagramNetwork: host " + on.name + " cannot bind " + address.text() +
                              " (not its address)"};
    std::uint16_t port = address.port();
    if (port == 0)
        port = on.take_free_port([&](std::uint16_t p) { return ports_.count({on.index, p}) != 0; });
    if (ports_.count({on.index, port}) != 0)
        throw SystemError{std::make_error_code(std::errc::address_in_use),
                          "sim::DatagramNetwork: " + on.name + ":" + std::to_string(port) + " is already bound"};
    if (!SocketAddress::parse(on.address, port, local))
        throw SystemError{std::make_error_code(std::errc::address_not_available),
                          "sim::DatagramNetwork: host " + on.name + " has no numeric address (" + on.address + ")"};
    const auto index = static_cast<std::uint32_t>(sockets_.size());
    auto socket = std::make_unique<Socket>();
    socket->host = on.index;
    socket->port = port;
    socket->max_datagram = options.max_datagram;
    socket->random = fabric_.random().fork(trace_base + index);
    sockets_.push_back(std::move(socket));
    ports_[{on.index, port}] = index;
    fabric_.trace().event("bind " + local.text());
    return index;
}

inline DatagramResult Datagrams::send(std::uint32_t index, std::span<const Datagram> from) {
    DatagramResult result;
    Socket& socket = *sockets_[index];
    if (socket.vanished) {  // a crashed host's socket: what it sends goes nowhere
        result.count = from.size();
        return result;
    }
    const HostState& source = fabric_.host(socket.host);
    const FaultOptions& faults = fabric_.faults();
    WorldStats& stats = fabric_.stats();
    for (const Datagram& datagram : from) {
        const std::string to_host = datagram.peer.family() == AF_INET ? datagram.peer.host() : std::string{};
        const HostState* target = to_host == "127.0.0.1" ? &source : fabric_.find_host(to_host);
        if (target == nullptr) {
            result.error = std::make_error_code(std::errc::network_unreachable);
            return result;  // this datagram fails on its own, as sendto would
        }
        ++result.count;
        fabric_.trace().moved(trace_base + index, false, std::as_bytes(std::span{datagram.payload}));
        LinkState& link = fabric_.link(socket.host, target->index);
        const std::string route = fabric_.endpoint(socket.host, socket.port) + " -> " + datagram.peer.text();
        if (link.held || !target->up) {
            ++stats.datagrams_dropped;
            continue;
        }
        if (faults.loss > 0.0 && socket.random.chance(faults.loss)) {
            ++stats.datagrams_dropped;
            fabric_.log_fault("lose datagram " + route);
            continue;
        }
        const int copies = faults.duplicate > 0.0 && socket.random.chance(faults.duplicate) ? 2 : 1;
        if (copies == 2) {
            ++stats.datagrams_duplicated;
            fabric_.log_fault("duplicate datagram " + route);
        }
        for (int copy = 0; copy < copies; ++copy) {
            std::uint32_t slot;
            if (!free_flight_.empty()) {
                slot = free_flight_.back();
                free_flight_.pop_back();
            } else {
                slot = static_cast<std::uint32_t>(in_flight_.size());
                in_flight_.emplace_back();
            }
            InFlight& flight = in_flight_[slot];
            const LinkOptions& options = link.options;
            const std::size_t length =
                options.mtu != 0 && datagram.payload.size() > options.mtu ? options.mtu : datagram.payload.size();
            if (length < datagram.payload.size() && copy == 0)
                ++stats.datagrams_truncated;
            flight.datagram.payload.assign(datagram.payload, 0, length);
            flight.datagram.size = length;
            SocketAddress::parse(source.address, socket.port, flight.datagram.peer);
            flight.host = target->index;
            flight.port = datagram.peer.port();
            flight.window = options.receive_window;
            const double arrival = fabric_.now() + options.latency + options.jitter * socket.random.unit();
            fabric_.calendar().push({arrival, 0, slot, 0, static_cast<std::uint8_t>(Kind::arrive), Room::datagrams});
        }
    }
    return result;
}

inline DatagramResult Datagrams::receive(std::uint32_t index, std::span<Datagram> into) {
    DatagramResult result;
    Socket& socket = *sockets_[index];
    while (result.count < into.size() && !socket.queue.empty()) {
        Datagram& next = socket.queue.front();
        Datagram& out = into[result.count++];
        socket.queued_bytes -= next.payload.size();
        out.size = next.payload.size();
        if (next.payload.size() > socket.max_datagram)
            next.payload.resize(socket.max_datagram);  // cut, and says so (size)
        fabric_.trace().moved(trace_base + index, true, std::as_bytes(std::span{next.payload}));
        out.payload = std::move(next.payload);
        out.peer = next.peer;
        socket.queue.pop_front();
    }
    result.would_block = result.count < into.size();
    return result;
}

inline void Datagrams::arm(std::uint32_t index, bool read) {
    Socket& socket = *sockets_[index];
    if (read) {
        socket.read_armed = true;
        if (!socket.queue.empty() && !socket.read_notice) {
            socket.read_notice = true;
            notice(index, 0);
        }
    } else {  // sends never block here
        notice(index, 1);
    }
}

inline void Datagrams::close(std::uint32_t index) noexcept {
    Socket* socket = socket_at(index);
    if (socket == nullptr)
        return;
    if (!socket->vanished) {
        const auto found = ports_.find({socket->host, socket->port});
        if (found != ports_.end() && found->second == index)
            ports_.erase(found);
    }
    sockets_[index].reset();
}

inline void Datagrams::crash(std::uint32_t host) {
    for (const auto& socket : sockets_)
        if (socket && socket->host == host && !socket->vanished) {
            socket->vanished = true;  // its datagrams, queued or coming, are gone
            socket->queue.clear();
            socket->queued_bytes = 0;
            ports_.erase({socket->host, socket->port});
        }
}

inline void Datagrams::dispatch(const Event& event) {
    if (static_cast<Kind>(event.kind) == Kind::arrive)
        arrive(event.target);
    else
        notify(event.target, event.side);
}

inline void Datagrams::arrive(std::uint32_t slot) {
    InFlight& flight = in_flight_[slot];
    const auto found = ports_.find({flight.host, flight.port});
    Socket* socket = found == ports_.end() ? nullptr : sockets_[found->second].get();
    WorldStats& stats = fabric_.stats();
    if (socket == nullptr || socket->vanished || !fabric_.host(flight.host).up ||
        socket->queued_bytes + flight.datagram.payload.size() > flight.window) {
        ++stats.datagrams_dropped;  // nobody bound there (no ICMP here), or its buffer is full
    } else {
        ++stats.datagrams;
        socket->queued_bytes += flight.datagram.payload.size();
        socket->queue.push_back(std::move(flight.datagram));
        if (socket->read_armed && !socket->read_notice) {
            socket->read_notice = true;
            notice(found->second, 0);
        }
    }
    flight.datagram = Datagram{};
    free_flight_.push_back(slot);
}

inline void Datagrams::notify(std::uint32_t index, std::uint8_t side) {
    Socket* socket = socket_at(index);
    if (socket == nullptr)
        return;
    if (side == 0) {
        socket->read_notice = false;
        if (!socket->read_armed)
            return;
        socket->read_armed = false;
        if (socket->events != nullptr)
            socket->events->on_readable();
    } else if (socket->events != nullptr) {
        socket->events->on_writable();
    }
}

/// A simulated datagram socket, as a DatagramPeer sees it.
class DatagramEnd final : public hio::DatagramSocket {
public:
    /// Socket `index` of the datagram model, bound at `local`.
    DatagramEnd(Datagrams& datagrams, std::uint32_t index, SocketAddress local) noexcept
        : datagrams_{datagrams}, index_{index}, local_{local} {}
    DatagramEnd(const DatagramEnd&) = delete;
    DatagramEnd& operator=(const DatagramEnd&) = delete;
    ~DatagramEnd() override { close(); }

    DatagramResult receive(std::span<Datagram> into) override {
        if (closed_) {
            DatagramResult result;
            result.would_block = true;
            return result;
        }
        return datagrams_.receive(index_, into);
    }
    DatagramResult send(std::span<const Datagram> from) override {
        if (closed_) {
            DatagramResult result;
            result.error = std::make_error_code(std::errc::bad_file_descriptor);
            return result;
        }
        return datagrams_.send(index_, from);
    }
    void watch(TransportEvents* events) noexcept override {
        if (!closed_)
            datagrams_.watch(index_, events);
    }
    void arm_read() override {
        if (!closed_)
            datagrams_.arm(index_, true);
    }
    void arm_write() override {
        if (!closed_)
            datagrams_.arm(index_, false);
    }
    void close() noexcept override {
        if (closed_)
            return;
        closed_ = true;
        datagrams_.close(index_);
    }
    [[nodiscard]] SocketAddress local_address() const override { return local_; }

private:
    Datagrams& datagrams_;
    std::uint32_t index_;
    SocketAddress local_;
    bool closed_ = false;
};

}  // namespace detail

/// The datagram network seen from one host: what udp::Peer uses instead of a udp::Network.
///
/// bind() takes this host's address (or 0.0.0.0, 127.0.0.1) and a port (0: a free one);
/// datagrams go to another host's numeric address ("10.0.0.1") or this host's loopback. They
/// cross the link's latency plus jitter each, in no fixed order, may be lost or duplicated
/// (FaultOptions::loss, duplicate), are cut at the link's mtu, are dropped over a held link
/// (a partition) and when the receiving socket holds its receive window unread. IPv4 only.
class DatagramNetwork final : public hio::DatagramNetwork {
public:
    /// Made by the World for each host: `waiter` is the World.
    DatagramNetwork(detail::Datagrams& datagrams, detail::HostState& host, Waiter& waiter) noexcept
        : datagrams_{datagrams}, host_{host}, waiter_{waiter} {}

    /// Binds a simulated socket. Throws hio::SystemError: address_in_use (a taken port),
    /// address_not_available (another host's address), address_family_not_supported (not IPv4).
    std::unique_ptr<DatagramSocket> bind(const SocketAddress& address, const DatagramSocketOptions& options) override {
        SocketAddress local;
        const std::uint32_t index = datagrams_.bind(host_, address, options, local);
        return std::make_unique<detail::DatagramEnd>(datagrams_, index, local);
    }

    /// The World.
    [[nodiscard]] Waiter* waiter() const noexcept override { return &waiter_; }

private:
    detail::Datagrams& datagrams_;
    detail::HostState& host_;
    Waiter& waiter_;
};

}  // namespace hio::sim
