#pragma once
/// \file
/// DoDoer: a doer that runs doers, nested to any depth (hio: base.doing.DoDoer).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <exception>
#include <string>
#include <utility>
#include <vector>

#include <hio/detail/scheduler.hpp>
#include <hio/detail/validate.hpp>
#include <hio/doer.hpp>
#include <hio/error.hpp>

namespace hio {

/// What a DoDoer does when one of its doers throws from enter or recur.
enum class FailurePolicy {
    propagate,  ///< hio's behaviour: the DoDoer aborts too and the exception travels up.
    isolate,    ///< the failed doer is dropped and recorded; its siblings go on.
    restart,    ///< the failed doer is recorded and re-entered after a back-off, a few times.
};

/// Back-off for FailurePolicy::restart, measured in tyme.
struct RestartPolicy {
    /// Restarts allowed per doer; one more failure then propagates (the DoDoer gives up).
    std::size_t max_restarts = 3;
    /// Delay before the first restart.
    double backoff = 1.0;
    /// Each further restart waits this many times longer ...
    double factor = 2.0;
    /// ... but never longer than this.
    double max_backoff = 60.0;
};

/// One failure a DoDoer absorbed or passed on.
struct FailureRecord {
    Doer* doer;                 ///< who failed (may be destroyed since: compare, do not use)
    std::exception_ptr error;   ///< what was thrown
    double tyme;                ///< when
    std::size_t restarts;       ///< restarts of this doer before this failure

    /// The exception's message.
    [[nodiscard]] std::string what() const { return describe(error); }
};

/// Settings of a DoDoer: its tock, hio's always, and the failure policy.
struct DoDoerOptions {
    /// The DoDoer's own period; also its children's "as soon as possible" (0: every pass).
    double tock = 0.0;
    /// hio's always: keep running when no child is left, for children extended later.
    bool always = false;
    /// What happens when a child throws from enter or recur.
    FailurePolicy on_failure = FailurePolicy::propagate;
    /// The back-off of FailurePolicy::restart.
    RestartPolicy restart{};
};

namespace detail {
/// `policy`, checked: throws ValidationError naming the bad field.
inline RestartPolicy checked(RestartPolicy policy) {
    require_non_negative("DoDoer", "restart.backoff", policy.backoff);
    require_non_negative("DoDoer", "restart.max_backoff", policy.max_backoff);
    if (!(policy.factor >= 1.0) || std::isinf(policy.factor))
        throw ValidationError{"DoDoer: restart.factor must be finite and >= 1, got " + format_number(policy.factor)};
    return policy;
}

/// The delay before restart number `count` + 1.
inline double restart_delay(const RestartPolicy& policy, std::size_t count) {
    return std::min(policy.backoff * std::pow(policy.factor, static_cast<double>(count)), policy.max_backoff);
}
}  // namespace detail

/// A doer whose recur runs a pass over its own doers, with hio's scheduling rules.
///
/// Mirrors hio's DoDoer: the children share the Doist's clock, run only when the DoDoer runs,
/// and are entered in order when it enters and closed in reverse when it exits. A child with
/// tock 0 runs every time the DoDoer runs; the DoDoer's own tock is their "as soon as possible".
/// The DoDoer finishes when its last child has (`done()` true), unless `always` keeps it
/// running for children added later with `extend()`.
///
/// Subclasses that override enter, recur or exit must call the DoDoer version.
///
/// Beyond hio, a DoDoer has a failure policy: `propagate` (hio's, the default), `isolate`, or
/// `restart` with a back-off in tyme. `failures()` lists what it absorbed.
class DoDoer : public Doer, private detail::FailureSink, private detail::WakeSink {
public:
    /// Settings: see DoDoerOptions.
    using Options = DoDoerOptions;

    /// A DoDoer with `options` over `doers` (not owned; they must outlive it or be removed
    /// first). Arguments come in the same order as Doist's: options, then doers.
    /// Throws ValidationError for a bad tock or restart policy, a null doer, or a doer another
    /// scheduler holds.
    explicit DoDoer(Options options = {}, const std::vector<Doer*>& doers = {})
        : Doer{options.tock}, always_{options.always}, policy_{options.on_failure},
          restart_{detail::checked(options.restart)} {
        scheduler_.wake_sink(this);
        scheduler_.extend(doers);
    }

    /// hio's always: keep running with no children left. Read when the DoDoer enters.
    [[nodiscard]] bool always() const noexcept { return always_; }
    /// Sets always; takes effect at the next enter.
    void always(bool value) noexcept { always_ = value; }

    /// The failure policy it was made with.
    [[nodiscard]] FailurePolicy failure_policy() const noexcept { return policy_; }

    /// The listed children in the order they were added (hio: .doers).
    [[nodiscard]] const std::vector<Doer*>& doers() const noexcept { return scheduler_.doers(); }

    /// The running children in hio's deque order with their retymes (hio: .deeds).
    [[nodiscard]] std::vector<DeedView> deeds() const { return scheduler_.deeds(); }
    /// The number of running children (hio: len(deeds)).
    [[nodiscard]] std::size_t deed_count() const noexcept { return scheduler_.deed_count(); }

    /// Adds children; while the DoDoer runs they are entered at once and first recur on its
    /// next run (hio: extend). Already listed children are skipped.
    void extend(const std::vector<Doer*>& doers) {
        scheduler_.extend(doers, sink());
        if (idling())
            wake();  // the new children run in the next pass, so must the DoDoer
    }

    /// Unlists children and force-closes the running ones (hio: remove). Their pending
    /// restarts are dropped and their restart counts forgotten: a doer extended again later
    /// starts with a fresh restart budget (and a new doer at a reused address inherits none).
    void remove(const std::vector<Doer*>& doers) {
        scheduler_.remove(doers);
        const auto removed = [&](const Doer* doer) { return std::find(doers.begin(), doers.end(), doer) != doers.end(); };
        std::erase_if(pending_, [&](const Pending& p) { return removed(p.doer); });
        std::erase_if(restarts_, [&](const auto& entry) { return removed(entry.first); });
        if (idling())
            wake();  // it may have no child left: it finishes in its next pass
    }

    /// Passes a graceful shutdown on to the children: those that need time keep running, the
    /// others are closed now, and the DoDoer finishes when the last one does, even if `always`.
    bool wind_down(double tyme) override {
        pending_.clear();
        bool linger = false;
        std::vector<Doer*> quick;
        scheduler_.visit([&](Doer& child) {
            if (child.wind_down(tyme))
                linger = true;
            else
                quick.push_back(&child);
        });
        scheduler_.halt(quick);
        stop_persisting();
        return linger;
    }

    /// Failures absorbed (isolate, restart) or passed on after the last restart.
    [[nodiscard]] const std::vector<FailureRecord>& failures() const noexcept { return failures_; }

protected:
    /// Enters the children in order (hio: DoDoer.enter).
    void enter() override {
        pending_.clear();
        scheduler_.enter(*tymist(), sink());
    }

    /// Runs one pass over the children; true when none is left (hio: DoDoer.recur).
    bool recur(double tyme) override {
        if (!pending_.empty())
            restart_due(tyme);
        const double asap = tock();
        const bool empty =
            scheduler_.pass(tyme, asap, tyme + std::max(asap, tymist()->tock()), sink());
        // Beyond hio: when every child waits idle, so does the DoDoer, until the first of them
        // is due or a pending restart is (a wake of a child wakes it at once).
        if (!empty && scheduler_.all_idle()) {
            double until = scheduler_.next_due();
            for (const Pending& p : pending_)
                until = std::min(until, p.at);
            idle_until(until);
        }
        return empty && pending_.empty();
    }

    /// Closes the children still running, in reverse order (hio: DoDoer.exit).
    void exit() noexcept override {
        pending_.clear();
        scheduler_.exit();
    }

    [[nodiscard]] bool persistent() const noexcept override { return always_; }

private:
    struct Pending {
        Doer* doer;
        double at;
    };

    // A child was woken: this DoDoer must run too, so it wakes itself in its own scheduler.
    void on_wake() noexcept override { wake(); }

    detail::FailureSink* sink() noexcept {
        return policy_ == FailurePolicy::propagate ? nullptr : this;
    }

    bool on_failure(Doer& doer, std::exception_ptr error, double tyme) override {
        std::size_t& count = restarts_of(doer);
        failures_.push_back({&doer, error, tyme, count});
        if (policy_ == FailurePolicy::isolate)
            return true;
        if (count >= restart_.max_restarts)
            return false;  // give up: the failure propagates
        const double delay = detail::restart_delay(restart_, count);
        ++count;
        pending_.push_back({&doer, tyme + delay});
        return true;
    }

    std::size_t& restarts_of(const Doer& doer) {
        for (auto& [who, count] : restarts_)
            if (who == &doer)
                return count;
        return restarts_.emplace_back(&doer, 0).second;
    }

    // Re-enters the children whose back-off has passed, in the order they failed.
    void restart_due(double tyme) {
        std::vector<Pending> due;
        std::erase_if(pending_, [&](const Pending& p) {
            if (p.at > tyme)
                return false;
            due.push_back(p);
            return true;
        });
        const auto& listed = scheduler_.doers();
        for (const Pending& p : due)
            if (std::find(listed.begin(), listed.end(), p.doer) != listed.end())  // not destroyed
                scheduler_.reenter(*p.doer, sink());
    }

    detail::Scheduler scheduler_{"DoDoer"};
    bool always_;
    FailurePolicy policy_;
    RestartPolicy restart_;
    std::vector<Pending> pending_;
    std::vector<std::pair<const Doer*, std::size_t>> restarts_;
    std::vector<FailureRecord> failures_;
};

}  // namespace hio
