#pragma once
/// \file
/// sim::detail::Fabric: what the rooms of a simulated World share. Internal.
///
/// The fabric knows hosts and the links between them (latency, bandwidth, held or not), the
/// clock, the calendar, the trace, the faults logged and what was carried; it knows no
/// protocol. The stream model and the datagram model are rooms on top of it, as madsim's
/// network keeps links and loss and leaves TCP and UDP to the sockets above it.

#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <hio/random.hpp>
#include <hio/sim/calendar.hpp>
#include <hio/sim/faults.hpp>
#include <hio/sim/host.hpp>
#include <hio/sim/options.hpp>
#include <hio/sim/trace.hpp>
#include <hio/tymist.hpp>

namespace hio::sim {

/// What the World has carried so far.
struct WorldStats {
    std::uint64_t connections = 0;  ///< connect attempts
    std::uint64_t refused = 0;      ///< attempts refused (no listener)
    std::uint64_t resets = 0;       ///< resets delivered (faults, closes with unread data, crashes)
    std::uint64_t segments = 0;     ///< data segments delivered
    std::uint64_t bytes = 0;        ///< bytes delivered
    std::uint64_t faults = 0;       ///< faults injected
    std::uint64_t datagrams = 0;    ///< datagrams delivered to a socket
    std::uint64_t datagrams_dropped = 0;     ///< lost, sent over a held link, to nobody, or to a full socket
    std::uint64_t datagrams_duplicated = 0;  ///< delivered twice
    std::uint64_t datagrams_truncated = 0;   ///< cut at the link's mtu
};

namespace detail {

/// One direction between two hosts: its settings, whether a fault holds it, and the stream
/// directions that wait for its release (stream id, direction).
struct LinkState {
    LinkOptions options;
    bool held = false;   // held by at least one fault
    unsigned holds = 0;  // faults holding it: overlapping ones each release their own
    std::vector<std::pair<std::uint32_t, std::uint8_t>> waiting;
};

/// The shared state of a World's rooms (see the file comment).
class Fabric {
public:
    static constexpr double never = std::numeric_limits<double>::infinity();

    /// A fabric with `options`, its randomness forked from `world_random` as the World always
    /// has: "network" for the network's noise.
    Fabric(WorldOptions options, Random& world_random)
        : options_{std::move(options)}, net_{world_random.fork("network")}, trace_{options_.record} {}

    Fabric(const Fabric&) = delete;
    Fabric& operator=(const Fabric&) = delete;

    /// The World's settings.
    [[nodiscard]] const WorldOptions& options() const noexcept { return options_; }
    /// The fault menu.
    [[nodiscard]] const FaultOptions& faults() const noexcept { return options_.faults; }

    /// The current tyme (the attached Doist's), 0 before a clock is attached.
    [[nodiscard]] double now() const noexcept { return clock_ != nullptr ? clock_->tyme() : 0.0; }
    /// The clock it reads; null before a Doist attached.
    [[nodiscard]] Tymist* clock() const noexcept { return clock_; }
    /// Attaches the clock.
    void clock(Tymist* value) noexcept { clock_ = value; }

    /// What happens next.
    [[nodiscard]] Calendar& calendar() noexcept { return calendar_; }
    /// What happens next, read-only.
    [[nodiscard]] const Calendar& calendar() const noexcept { return calendar_; }
    /// The run's trace.
    [[nodiscard]] Trace& trace() noexcept { return trace_; }
    /// The run's trace, read-only.
    [[nodiscard]] const Trace& trace() const noexcept { return trace_; }
    /// What was carried.
    [[nodiscard]] WorldStats& stats() noexcept { return stats_; }
    /// What was carried, read-only.
    [[nodiscard]] const WorldStats& stats() const noexcept { return stats_; }
    /// The faults logged.
    [[nodiscard]] FaultLog& fault_log() noexcept { return fault_log_; }
    /// The faults logged, read-only.
    [[nodiscard]] const FaultLog& fault_log() const noexcept { return fault_log_; }
    /// The network's randomness: each stream and socket forks its own from it.
    [[nodiscard]] Random& random() noexcept { return net_; }

    /// Logs a fault now: counted, kept, traced.
    void log_fault(std::string what) {
        ++stats_.faults;
        fault_log_.log(now(), std::move(what), trace_);
    }

    /// Adds a host's state (the World keeps the Host).
    void add_host(HostState& host) { hosts_.push_back(&host); }
    /// Every host's state, in the order added.
    [[nodiscard]] const std::vector<HostState*>& hosts() const noexcept { return hosts_; }
    /// The host numbered `index`.
    [[nodiscard]] HostState& host(std::uint32_t index) const noexcept { return *hosts_[index]; }
    /// The host with this name or address, or nullptr.
    [[nodiscard]] HostState* find_host(std::string_view name) const noexcept {
        for (HostState* host : hosts_)
            if (host->name == name || host->address == name)
                return host;
        return nullptr;
    }

    /// "address:port" of a host's port.
    [[nodiscard]] std::string endpoint(std::uint32_t host, std::uint16_t port) const {
        return hosts_[host]->address + ":" + std::to_string(port);
    }

    /// The direction `from` -> `to` (made from the World's defaults on first use).
    LinkState& link(std::uint32_t from, std::uint32_t to) {
        const auto key = (static_cast<std::uint64_t>(from) << 32) | to;
        auto found = links_.find(key);
        if (found == links_.end())
            found = links_.emplace(key, LinkState{options_.link, false, 0, {}}).first;
        return found->second;
    }

private:
    WorldOptions options_;
    Random net_;
    Trace trace_;
    Calendar calendar_;
    WorldStats stats_;
    FaultLog fault_log_;
    std::vector<HostState*> hosts_;
    std::map<std::uint64_t, LinkState> links_;  // node-based: pipes keep pointers
    Tymist* clock_ = nullptr;
};

}  // namespace detail

}  // namespace hio::sim
