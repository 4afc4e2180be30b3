#pragma once
/// \file
/// The World's faults: the record of what was injected (FaultEvent, detail::FaultLog), and the
/// plan of the menu's scheduled faults (partitions, one-way holds, crashes) drawn from the
/// seed when a run starts (plan_faults()).

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include <hio/random.hpp>
#include <hio/sim/options.hpp>
#include <hio/sim/trace.hpp>

namespace hio::sim {

/// One fault the World injected, as logged (World::faults()).
struct FaultEvent {
    double tyme;       ///< when
    std::string what;  ///< e.g. "partition client-3 <-> server", "reset 10.0.0.2:40001 <-> 10.0.0.1:7"
};

/// One scheduled fault of the menu (FaultOptions::partitions, one_way, crashes): from `from`
/// until `until`, between hosts `a` and `b` (a crash names its host in `a`).
struct PlannedFault {
    /// What it does.
    enum class Kind : std::uint8_t {
        partition,  ///< both directions between a and b held, then healed
        one_way,    ///< a -> b held, then released
        crash,      ///< a crashed, then restarted
    };
    Kind kind;          ///< what it does
    std::string a;      ///< the first host (the crashed one)
    std::string b;      ///< the second host; empty for a crash
    double from;        ///< when it begins
    double until;       ///< when it ends
};

/// The scheduled faults of `menu` among `hosts` (names, in the order they were added; the
/// crashable ones in `crashable`), drawn from `random`: partitions first, then one-way holds,
/// then crashes, each with its start in [menu.start, menu.start + menu.horizon) and its length
/// in [menu.min_length, menu.max_length]. Pairs need two hosts; crashes a crashable one. The
/// same seed gives the same plan, and the draws happen in this fixed order whatever is on.
inline std::vector<PlannedFault> plan_faults(const FaultOptions& menu, Random& random,
                                             const std::vector<std::string>& hosts,
                                             const std::vector<std::string>& crashable) {
    std::vector<PlannedFault> plan;
    const auto when = [&] { return menu.start + random.uniform(0.0, menu.horizon); };
    const auto length = [&] { return random.uniform(menu.min_length, menu.max_length); };
    const auto pair = [&](PlannedFault::Kind kind) {
        const std::uint64_t i = random.below(hosts.size());
        std::uint64_t j = random.below(hosts.size() - 1);
        if (j >= i)
            ++j;
        PlannedFault fault{kind, hosts[i], hosts[j], 0.0, 0.0};
        fault.from = when();
        fault.until = fault.from + length();
        plan.push_back(std::move(fault));
    };
    if (hosts.size() >= 2) {
        for (unsigned n = 0; n < menu.partitions; ++n)
            pair(PlannedFault::Kind::partition);
        for (unsigned n = 0; n < menu.one_way; ++n)
            pair(PlannedFault::Kind::one_way);
    }
    if (!crashable.empty())
        for (unsigned n = 0; n < menu.crashes; ++n) {
            PlannedFault fault{PlannedFault::Kind::crash, crashable[random.below(crashable.size())], {}, 0.0, 0.0};
            fault.from = when();
            fault.until = fault.from + length();
            plan.push_back(std::move(fault));
        }
    return plan;
}

namespace detail {

/// The record of injected faults: each is counted, kept, folded into the trace and shown to
/// the World's on_fault callback.
class FaultLog {
public:
    /// Records `what` at `tyme` into `trace`.
    void log(double tyme, std::string what, Trace& trace) {
        events_.push_back({tyme, std::move(what)});
        trace.event(events_.back().what);
        if (on_fault_)
            on_fault_(events_.back());
    }

    /// The faults so far, in order.
    [[nodiscard]] const std::vector<FaultEvent>& events() const noexcept { return events_; }
    /// How many.
    [[nodiscard]] std::uint64_t count() const noexcept { return events_.size(); }
    /// Called with each fault as it is logged.
    void on_fault(std::function<void(const FaultEvent&)> fn) { on_fault_ = std::move(fn); }

private:
    std::vector<FaultEvent> events_;
    std::function<void(const FaultEvent&)> on_fault_;
};

}  // namespace detail

}  // namespace hio::sim
