#pragma once
/// \file
/// The World's faults: the record of what was injected (FaultEvent, detail::FaultLog), and the
/// plan of the menu's scheduled faults (partitions, one-way holds, crashes) drawn from the
/// seed when a run starts (plan_faults()).

#include <algorithm>
#include <cmath>
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
        isolate,    ///< every link of a held, then released (madsim's clog_node)
    };
    Kind kind;          ///< what it does
    std::string a;      ///< the first host (the crashed one)
    std::string b;      ///< the second host; empty for a crash
    double from;        ///< when it begins
    double until;       ///< when it ends
};

/// The scheduled faults of `menu` among `hosts` (names, in the order they were added; the
/// crashable ones in `crashable`), drawn from `random`, in this order: partitions, one-way
/// holds, crashes, isolations, link failures. Starts are drawn from [menu.start, menu.start +
/// menu.horizon), lengths from [menu.min_length, menu.max_length) (crashes from
/// menu.crash_lengths()). Faults land only on menu.hosts (all when empty) and pairs on
/// menu.links (any pair of those hosts when empty). Pairs need two hosts; crashes a crashable
/// one. The same seed gives the same plan; the draws of a kind happen whether or not the kinds
/// after it are on, so turning one on moves none of the others.
inline std::vector<PlannedFault> plan_faults(const FaultOptions& menu, Random& random,
                                             const std::vector<std::string>& hosts,
                                             const std::vector<std::string>& crashable) {
    const auto aimed = [&](const std::vector<std::string>& names) {
        if (menu.hosts.empty())
            return names;
        std::vector<std::string> kept;
        for (const std::string& name : names)
            if (std::find(menu.hosts.begin(), menu.hosts.end(), name) != menu.hosts.end())
                kept.push_back(name);
        return kept;
    };
    const std::vector<std::string> eligible = aimed(hosts);
    const std::vector<std::string> can_crash = aimed(crashable);
    std::vector<PlannedFault> plan;
    const auto when = [&] { return menu.start + random.uniform(0.0, menu.horizon); };
    const auto length = [&] { return random.uniform(menu.min_length, menu.max_length); };
    const auto pair = [&](PlannedFault::Kind kind) {
        PlannedFault fault{kind, {}, {}, 0.0, 0.0};
        if (!menu.links.empty()) {
            const auto& link = menu.links[random.below(menu.links.size())];
            const bool flip = kind == PlannedFault::Kind::one_way && random.below(2) == 1;
            fault.a = flip ? link.second : link.first;
            fault.b = flip ? link.first : link.second;
        } else {
            const std::uint64_t i = random.below(eligible.size());
            std::uint64_t j = random.below(eligible.size() - 1);
            if (j >= i)
                ++j;
            fault.a = eligible[i];
            fault.b = eligible[j];
        }
        fault.from = when();
        fault.until = fault.from + length();
        plan.push_back(std::move(fault));
    };
    if (eligible.size() >= 2 || !menu.links.empty()) {
        for (unsigned n = 0; n < menu.partitions; ++n)
            pair(PlannedFault::Kind::partition);
        for (unsigned n = 0; n < menu.one_way; ++n)
            pair(PlannedFault::Kind::one_way);
    }
    if (!can_crash.empty())
        for (unsigned n = 0; n < menu.crashes; ++n) {
            PlannedFault fault{PlannedFault::Kind::crash, can_crash[random.below(can_crash.size())], {}, 0.0, 0.0};
            fault.from = when();
            const auto [shortest, longest] = menu.crash_lengths();
            fault.until = fault.from + random.uniform(shortest, longest);
            plan.push_back(std::move(fault));
        }
    if (!eligible.empty())
        for (unsigned n = 0; n < menu.isolations; ++n) {
            PlannedFault fault{PlannedFault::Kind::isolate, eligible[random.below(eligible.size())], {}, 0.0, 0.0};
            fault.from = when();
            fault.until = fault.from + length();
            plan.push_back(std::move(fault));
        }
    if (menu.fail_rate > 0.0) {
        std::vector<std::pair<std::string, std::string>> links = menu.links;
        if (links.empty())
            for (std::size_t i = 0; i < eligible.size(); ++i)
                for (std::size_t j = i + 1; j < eligible.size(); ++j)
                    links.emplace_back(eligible[i], eligible[j]);
        const auto exponential = [&](double rate) { return -std::log(1.0 - random.unit()) / rate; };
        const double end = menu.start + menu.horizon;
        for (const auto& [a, b] : links)
            for (double tyme = menu.start + exponential(menu.fail_rate); tyme < end;) {
                PlannedFault fault{PlannedFault::Kind::partition, a, b, tyme, tyme + exponential(menu.repair_rate)};
                tyme = fault.until + exponential(menu.fail_rate);
                plan.push_back(std::move(fault));
            }
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
