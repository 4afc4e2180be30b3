#pragma once
/// \file
/// sim::detail::Listeners: the listening ports of the simulated hosts. Internal.
///
/// Each listener has an accept queue bounded by its backlog, and the SYNs that came beyond it
/// wait (a full kernel queue drops them and the client retries); when accept() makes room the
/// oldest waiting one is answered. Connections are named by their stream ids: the stream model
/// (streams.hpp) owns them and asks this table where a SYN lands.

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <memory>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

#include <hio/error.hpp>
#include <hio/io/transport.hpp>
#include <hio/sim/fabric.hpp>

namespace hio::sim::detail {

/// The listening ports (see the file comment).
class Listeners {
public:
    /// One listening port.
    struct Listener {
        std::uint32_t host;
        std::uint16_t port;
        std::size_t backlog;
        std::deque<std::uint32_t> ready;    // connections to accept (stream ids)
        std::deque<std::uint32_t> pending;  // SYNs beyond the backlog, answered when room frees
        TransportEvents* events = nullptr;
        bool armed = false;
        bool notice = false;  // a notice to report readiness is queued
    };

    explicit Listeners(Fabric& fabric) noexcept : fabric_{fabric} {}
    Listeners(const Listeners&) = delete;
    Listeners& operator=(const Listeners&) = delete;

    /// Opens a listener on `on` at `host`:`port` (0: a free port, set in `port`): its index.
    /// Throws ValidationError for a backlog below 1, hio::SystemError with address_in_use for a
    /// taken port and address_not_available for another host's address.
    std::uint32_t open(HostState& on, const std::string& host, std::uint16_t& port, int backlog) {
        if (backlog < 1)
            throw ValidationError{"sim::Network: backlog must be >= 1, got " + std::to_string(backlog)};
        const bool mine = host.empty() || host == "0.0.0.0" || host == "::" || host == "127.0.0.1" ||
                          host == "::1" || host == "localhost" || host == on.name || host == on.address;
        if (!mine)
            throw SystemError{std::make_error_code(std::errc::address_not_available),
                              "sim::Network: host " + on.name + " cannot listen on " + host + ":" +
                                  std::to_string(port) + " (not its address)"};
        if (port == 0)
            port = on.take_free_port([&](std::uint16_t p) { return ports_.count({on.index, p}) != 0; });
        if (ports_.count({on.index, port}) != 0)
            throw SystemError{std::make_error_code(std::errc::address_in_use),
                              "sim::Network: " + on.name + ":" + std::to_string(port) + " is already listening"};
        const auto index = static_cast<std::uint32_t>(listeners_.size());
        listeners_.push_back(std::make_unique<Listener>(Listener{on.index, port, static_cast<std::size_t>(backlog), {}, {}}));
        ports_[{on.index, port}] = index;
        return index;
    }

    /// The listener at `index`, or nullptr once closed or vanished.
    [[nodiscard]] Listener* at(std::uint32_t index) const noexcept {
        return index < listeners_.size() ? listeners_[index].get() : nullptr;
    }

    /// The listener on `host`:`port` and its index, or nullptr.
    [[nodiscard]] Listener* on(std::uint32_t host, std::uint16_t port, std::uint32_t& index) const noexcept {
        const auto found = ports_.find({host, port});
        if (found == ports_.end())
            return nullptr;
        index = found->second;
        return listeners_[index].get();
    }

    /// Listener::watch.
    void watch(std::uint32_t index, TransportEvents* events) noexcept {
        if (Listener* listener = at(index))
            listener->events = events;
    }

    /// Listener::arm_accept: one readiness report once a connection waits.
    void arm(std::uint32_t index) {
        if (Listener* listener = at(index)) {
            listener->armed = true;
            if (!listener->ready.empty())
                notice(index, *listener);
        }
    }

    /// Puts stream `id` in the accept queue of listener `index` (if it is still there).
    void make_acceptable(std::uint32_t index, std::uint32_t id) {
        Listener* listener = at(index);
        if (listener == nullptr)
            return;
        listener->ready.push_back(id);
        if (listener->armed)
            notice(index, *listener);
    }

    /// The readiness notice of listener `index` is due (Room::listeners).
    void dispatch(const Event& event) {
        Listener* listener = at(event.target);
        if (listener == nullptr)
            return;
        listener->notice = false;
        if (!listener->armed || listener->ready.empty())
            return;
        listener->armed = false;
        if (listener->events != nullptr)
            listener->events->on_readable();
    }

    /// Takes the oldest connection to accept into `id`, and the oldest SYN that waited for
    /// the room into `answer` (the stream model answers it now). False when none waits.
    bool take(std::uint32_t index, std::uint32_t& id, std::optional<std::uint32_t>& answer) {
        Listener* listener = at(index);
        if (listener == nullptr || listener->ready.empty())
            return false;
        id = listener->ready.front();
        listener->ready.pop_front();
        if (!listener->pending.empty()) {
            answer = listener->pending.front();
            listener->pending.pop_front();
        }
        return true;
    }

    /// Removes listener `index` (closed, or its host crashed) and hands over what it held:
    /// the connections nobody accepted and the SYNs that waited. Empty when it was gone.
    Listener remove(std::uint32_t index) {
        Listener* listener = at(index);
        if (listener == nullptr)
            return {0, 0, 0, {}, {}};
        ports_.erase({listener->host, listener->port});
        Listener removed = std::move(*listener);
        listeners_[index].reset();
        return removed;
    }

    /// The indexes of `host`'s listeners.
    [[nodiscard]] std::vector<std::uint32_t> of_host(std::uint32_t host) const {
        std::vector<std::uint32_t> found;
        for (std::uint32_t index = 0; index < listeners_.size(); ++index)
            if (listeners_[index] != nullptr && listeners_[index]->host == host)
                found.push_back(index);
        return found;
    }

private:
    void notice(std::uint32_t index, Listener& listener) {
        if (listener.notice)
            return;
        listener.notice = true;
        fabric_.calendar().notice({fabric_.now(), 0, index, 0, 0, Room::listeners});
    }

    Fabric& fabric_;
    std::vector<std::unique_ptr<Listener>> listeners_;
    std::map<std::pair<std::uint32_t, std::uint16_t>, std::uint32_t> ports_;  // (host, port) -> listener
};

}  // namespace hio::sim::detail
