#pragma once
/// \file
/// DoDoerOf and DoDoerArray: DoDoers whose children are known at compile time and held by
/// value, scheduled with hio's rules without a virtual call or an allocation.

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include <hio/detail/membership.hpp>
#include <hio/detail/scheduler.hpp>
#include <hio/dodoer.hpp>
#include <hio/doer.hpp>
#include <hio/error.hpp>
#include <hio/static_doer.hpp>
#include <hio/trace.hpp>
#include <hio/tymist.hpp>

namespace hio {

/// One failure a compile-time group absorbed (isolate, restart) or passed on.
struct StaticFailure {
    std::size_t member;         ///< the member's index in the group
    std::exception_ptr error;   ///< what was thrown
    double tyme;                ///< when
    std::size_t restarts;       ///< restarts of this member before this failure

    /// The exception's message.
    [[nodiscard]] std::string what() const { return describe(error); }
};

namespace detail {

/// The fields of a Doer that a compile-time group sets, as a Scheduler does.
struct DoerAccess {
    static bool held(const Doer& doer) noexcept { return doer.owner_ != nullptr; }
    static void attach(Doer& doer, Membership* owner, std::uint32_t index) noexcept {
        doer.owner_ = owner;
        doer.slot_ = index;
    }
    static void detach(Doer& doer) noexcept {
        doer.owner_ = nullptr;
        doer.slot_ = no_slot;
        doer.idling_ = false;
    }
    static std::uint32_t index(const Doer& doer) noexcept { return doer.slot_; }
    static double idle_request(const Doer& doer) noexcept { return doer.idle_request_; }
    static bool no_idle_request(double request) noexcept { return request == Doer::no_idle_request; }
    static void idling(Doer& doer, bool value) noexcept { doer.idling_ = value; }
    static void reset_done(StaticDoer& member) noexcept { member.done_ = false; }
};

/// What a group keeps per member: 32 bytes, inside the group object.
struct StaticDeed {
    double retyme = 0.0;
    double restart_at = std::numeric_limits<double>::infinity();  // a pending restart's tyme
    std::uint32_t restarts = 0;      // restarts so far (restart policy)
    std::uint32_t failed_order = 0;  // when it failed, among pending restarts
    std::int8_t done = -1;           // by-value members' tri-state (a Doer keeps its own)
    bool live : 1 = false;           // entered and not finished, closed or failed
    bool woken : 1 = false;
    bool idle : 1 = false;
    bool gone : 1 = false;           // a Doer member destroyed while the group held it
    bool restart_now : 1 = false;    // due in the restart_due() under way
    bool wake_next : 1 = false;      // woken during a pass it was not due in: runs in the next
};


// Doer's dog protocol for a member held by value: the same order of contexts, the same
// exceptions (see Doer::begin, send, halt).
template <class M>
void complete_member(M& member) {
    try {
        member.clean();
    } catch (...) {
        member.exit();
        throw;
    }
    member.exit();
}

template <class M>
[[noreturn]] void fail_member(M& member, StaticDeed& deed, const std::exception_ptr& error) {
    deed.done = 0;
    try {
        std::rethrow_exception(error);
    } catch (const Interrupt&) {
        member.exit();
        throw;
    } catch (...) {
        member.abort(error);
        member.exit();
        throw;
    }
}

/// The members of DoDoerOf<Ms...>: a tuple, visited in order by a fold (no dispatch).
template <class... Ms>
struct TupleMembers {
    static constexpr std::size_t count = sizeof...(Ms);
    std::tuple<Ms...> items;

    template <class... Args>
    explicit TupleMembers(std::in_place_t, Args&&... args) : items(std::forward<Args>(args)...) {}

    template <class F>
    void each(F&& f) {
        each_impl(f, std::index_sequence_for<Ms...>{});
    }
    template <class F>
    void at(std::size_t index, F&& f) {
        at_impl(index, f, std::index_sequence_for<Ms...>{});
    }
    template <std::size_t I>
    auto& get() noexcept {
        return std::get<I>(items);
    }

private:
    template <class F, std::size_t... Is>
    void each_impl(F& f, std::index_sequence<Is...>) {
        (f(std::integral_constant<std::size_t, Is>{}, std::get<Is>(items)), ...);
    }
    template <class F, std::size_t... Is>
    void at_impl(std::size_t index, F& f, std::index_sequence<Is...>) {
        static_cast<void>(((index == Is ? (f(std::integral_constant<std::size_t, Is>{}, std::get<Is>(items)), true) : false) || ...));
    }
};

/// The members of DoDoerArray<T, N>: an array, visited by a loop.
template <class T, std::size_t N>
struct ArrayMembers {
    static constexpr std::size_t count = N;
    std::array<T, N> items{};

    explicit ArrayMembers(std::in_place_t) {}

    template <class F>
    void each(F&& f) {
        for (std::size_t i = 0; i < N; ++i)
            f(i, items[i]);
    }
    template <class F>
    void at(std::size_t index, F&& f) {
        f(index, items[index]);
    }
};

}  // namespace detail

/// The scheduling shared by DoDoerOf and DoDoerArray: a Doer (so it can be the child of a
/// Doist or DoDoer) that runs its members with exactly DoDoer's rules.
///
/// Same order of contexts, tymes and tocks as hio::DoDoer with the same children listed in
/// the same order: members are entered in order when the group enters, run in deque order on
/// each pass it runs, and closed in reverse (hio's rotated order after an exception left a
/// pass); a member's next run is retyme + tock (tyme + the group's tock for tock 0); the
/// failure policies and `always` are DoDoer's. What differs is what cannot be dynamic: no
/// extend() or remove(), and the members are held inside the object, so nothing is allocated
/// from construction through run and close (failures absorbed under isolate or restart are
/// recorded in a vector). A Doer member (held by reference) keeps all of a Doer's behaviour:
/// wake(), idle_until(), wind_down(), its Tracer line; a member held by value runs every tock
/// and is closed at once by a graceful shutdown.
template <class Members>
class BasicDoDoerOf : public Doer, private detail::Membership {
public:
    /// Settings: DoDoer's (tock, always, failure policy).
    using Options = DoDoerOptions;
    /// How many members.
    static constexpr std::size_t size = Members::count;

    BasicDoDoerOf(const BasicDoDoerOf&) = delete;
    BasicDoDoerOf& operator=(const BasicDoDoerOf&) = delete;
    ~BasicDoDoerOf() override {
        if (live_ != 0)
            exit();  // as ~DoDoer: members still running are closed (reverse order)
        members_.each([&](auto index, auto& member) {
            if constexpr (detail::is_doer<decltype(member)>) {
                if (!deeds_[index].gone)
                    detail::DoerAccess::detach(member);
            }
        });
    }

    /// hio's always: keep running with no member left (read when the group enters).
    [[nodiscard]] bool always() const noexcept { return always_; }

    /// The failure policy it was made with.
    [[nodiscard]] FailurePolicy failure_policy() const noexcept { return policy_; }

    /// How many members run now (hio: len(deeds)).
    [[nodiscard]] std::size_t deed_count() const noexcept { return live_; }

    using Doer::done_state;  // the group's own
    using Doer::wake;        // the group's own

    /// hio's tri-state done flag of member `index`: nullopt (never run), false, or true.
    [[nodiscard]] std::optional<bool> done_state(std::size_t index) {
        if (index >= size)
            throw std::out_of_range{"DoDoerOf::done_state: member " + std::to_string(index) + " of " + std::to_string(size)};
        std::optional<bool> state;
        members_.at(index, [&](auto, auto& member) {
            if constexpr (detail::is_doer<decltype(member)>) {
                if (!deeds_[index].gone)
                    state = member.done_state();
            } else if (deeds_[index].done >= 0) {
                state = deeds_[index].done == 1;
            }
        });
        return state;
    }

    /// True when member `index` runs now.
    [[nodiscard]] bool member_running(std::size_t index) const noexcept { return deeds_.at(index).live; }

    /// Failures absorbed (isolate, restart) or passed on after the last restart.
    [[nodiscard]] const std::vector<StaticFailure>& failures() const noexcept { return failures_; }

    /// Passes a graceful shutdown on to the members: Doer members that need time keep
    /// running, the others are closed now (reverse order), and the group finishes when the
    /// last one does, even if `always`.
    bool wind_down(double tyme) override {
        clear_restarts();
        bool linger = false;
        std::array<bool, size> quick{};
        for_each_live([&](std::size_t index, auto& member) {
            if constexpr (detail::is_doer<decltype(member)>) {
                if (member.wind_down(tyme)) {
                    linger = true;
                    return;
                }
            }
            quick[index] = true;
        });
        close_where([&](std::size_t index) { return quick[index]; });
        stop_persisting();
        return linger;
    }

protected:
    /// A group with `options` whose members are made from `args` (none: default-constructed).
    /// Throws ValidationError for a bad tock or restart policy, or a Doer member another
    /// scheduler holds.
    template <class... Args>
    explicit BasicDoDoerOf(Options options, std::in_place_t, Args&&... args)
        : Doer{options.tock}, members_{std::in_place, std::forward<Args>(args)...}, always_{options.always},
          policy_{options.on_failure}, restart_{detail::checked(options.restart)} {
        static_assert(size > 0, "hio::DoDoerOf: a group needs at least one member");
        static_assert(size <= std::numeric_limits<std::uint16_t>::max(), "hio::DoDoerOf: at most 65,535 members");
        reset_order();
        std::size_t held = size;
        members_.each([&](auto index, auto& member) {
            if constexpr (detail::is_doer<decltype(member)>) {
                if (held == size && detail::DoerAccess::held(member))
                    held = index;
            }
        });
        if (held != size)
            throw ValidationError{"DoDoerOf: member " + std::to_string(held) +
                                  " is a Doer another scheduler (a Doist, DoDoer or group) already holds"};
        std::array<const Doer*, size> doers{};
        members_.each([&](auto index, auto& member) {
            if constexpr (detail::is_doer<decltype(member)>) {
                doers[index] = &member;
                for (std::size_t earlier = 0; earlier < index; ++earlier)
                    if (doers[earlier] == &member)
                        throw ValidationError{"DoDoerOf: members " + std::to_string(earlier) + " and " +
                                              std::to_string(index) + " are the same Doer"};
            }
        });
        members_.each([&](auto index, auto& member) {
            if constexpr (detail::is_doer<decltype(member)>)
                detail::DoerAccess::attach(member, this, static_cast<std::uint32_t>(index));
        });
    }

    /// Enters the members in order (hio: DoDoer.enter).
    void enter() override {
        if (live_ != 0)
            throw Error{"DoDoerOf: enter() while members are running; exit() first"};
        clear_restarts();
        interrupted_at_ = no_position;
        reset_order();
        members_.each([&](auto index, auto& member) { start(index, member); });
    }

    /// Runs one pass over the members; true when none is left (hio: DoDoer.recur).
    bool recur(double tyme) override {
        if (pending_ != 0)
            restart_due(tyme);
        const double asap = tock();
        pass_tyme_ = tyme;
        in_pass_ = true;
        struct EndPass {
            BasicDoDoerOf& group;
            ~EndPass() {
                group.in_pass_ = false;
                group.current_ = no_position;
                if (group.deferred_wakes_) {  // woken during the pass, not due in it: run next
                    group.deferred_wakes_ = false;
                    for (detail::StaticDeed& deed : group.deeds_)
                        if (deed.wake_next) {
                            deed.wake_next = false;
                            deed.woken = deed.live;
                        }
                }
            }
        } end_pass{*this};
        if (in_order_) {
            std::size_t position = 0;
            members_.each([&](auto index, auto& member) { step(index, member, position++, tyme, asap); });
        } else {
            for (std::size_t position = 0; position < size; ++position)
                members_.at(order_[position], [&](auto index, auto& member) { step(index, member, position, tyme, asap); });
        }
        if (live_ != 0 && idle_ == live_ && !any_woken()) {  // every member waits idle: so does the group
            double until = std::numeric_limits<double>::infinity();
            for (const detail::StaticDeed& deed : deeds_)
                if (deed.live)
                    until = std::min(until, deed.retyme);
            for (const detail::StaticDeed& deed : deeds_)
                until = std::min(until, deed.restart_at);
            idle_until(until);
        }
        return live_ == 0 && pending_ == 0;
    }

    /// Closes the members still running in reverse order, or hio's rotated order after an
    /// exception left a pass (hio: DoDoer.exit).
    void exit() noexcept override {
        clear_restarts();
        const std::size_t cut = interrupted_at_;
        interrupted_at_ = no_position;
        const auto close_at = [&](std::size_t position) {
            members_.at(order_[position], [&](auto index, auto& member) {
                if (index != current_)  // a member running its recur finishes it, as in DoDoer
                    close_member(index, member);
            });
        };
        if (cut == no_position) {
            for (std::size_t position = size; position-- > 0;)
                close_at(position);
            return;
        }
        // hio popped each deed from the left and appended it on the right until the one that
        // threw: those visited are now last, and exit pops from the right.
        for (std::size_t position = cut; position-- > 0;)
            close_at(position);
        for (std::size_t position = size; position-- > cut + 1;)
            close_at(position);
    }

    [[nodiscard]] bool persistent() const noexcept override { return always_; }

    /// The members, in their order.
    Members members_;

private:
    static constexpr std::size_t no_position = std::numeric_limits<std::size_t>::max();

    void reset_order() noexcept {
        for (std::size_t i = 0; i < size; ++i)
            order_[i] = static_cast<std::uint16_t>(i);
        in_order_ = true;
    }

    template <class F>
    void for_each_live(F&& f) {
        for (std::size_t position = 0; position < size; ++position)
            if (deeds_[order_[position]].live)
                members_.at(order_[position], f);
    }

    // Closes the live members `pick` chooses, in reverse deque order.
    template <class Pick>
    void close_where(Pick&& pick) noexcept {
        for (std::size_t position = size; position-- > 0;)
            if (order_[position] != current_ && pick(order_[position]))
                members_.at(order_[position], [&](auto index, auto& member) { close_member(index, member); });
    }

    void set_idle(detail::StaticDeed& deed, bool value) noexcept {
        if (deed.idle == value)
            return;
        deed.idle = value;
        if (value)
            ++idle_;
        else
            --idle_;
    }

    void end_deed(detail::StaticDeed& deed) noexcept {
        if (!deed.live)
            return;
        set_idle(deed, false);
        deed.live = false;
        deed.woken = false;
        --live_;
    }

    // Enters `member` and gives it a deed unless it finished during enter (Scheduler::start).
    template <class Index, class M>
    void start(Index index, M& member) {
        detail::StaticDeed& deed = deeds_[index];
        if (deed.gone)
            return;
        const Tymist& clock = *tymist();
        bool running = false;
        try {
            if constexpr (detail::is_doer<M>) {
                if (Tracer* const tracer = clock.tracer())
                    tracer->ran(member, clock.tyme(), true);
                running = member.begin(clock);
            } else {
                deed.done = 0;
                if constexpr (std::is_base_of_v<StaticDoer, M>)
                    detail::DoerAccess::reset_done(member);  // as Doer::begin: done is per run
                try {
                    member.enter();
                } catch (...) {
                    detail::fail_member(member, deed, std::current_exception());
                }
                bool finished = false;
                if constexpr (detail::has_done<M>)
                    finished = member.done();
                if (finished) {
                    deed.done = 1;
                    detail::complete_member(member);
                }
                running = !finished;
            }
        } catch (...) {
            if (!absorb(index, std::current_exception(), clock.tyme()))
                throw;
        }
        if (running) {
            deed.live = true;
            deed.woken = false;
            deed.retyme = clock.tyme();
            ++live_;
        }
    }

    // One member's turn in a pass (Scheduler::pass for one deed).
    template <class Index, class M>
    void step(Index index, M& member, std::size_t position, double tyme, double asap) {
        detail::StaticDeed& deed = deeds_[index];
        if (!deed.live)
            return;
        const bool early = deed.retyme > tyme;
        if constexpr (detail::is_doer<M>) {  // only a Doer member is woken or idles
            if (early && !deed.woken)
                return;
            deed.woken = false;
            set_idle(deed, false);
        } else if (early) {
            return;
        }
        current_ = index;
        std::optional<double> tock;
        try {
            if constexpr (detail::is_doer<M>) {
                detail::DoerAccess::idling(member, false);
                if (Tracer* const tracer = tymist()->tracer())
                    tracer->ran(member, tyme, false);
                tock = member.send(tyme);
            } else {
                bool finished = false;
                try {
                    finished = static_cast<bool>(member.recur(tyme));
                } catch (...) {
                    detail::fail_member(member, deed, std::current_exception());
                }
                deed.done = finished ? 1 : 0;
                if (finished)
                    detail::complete_member(member);
                else if constexpr (detail::has_tock<M>)
                    tock = static_cast<double>(member.tock());  // as hio reads self.tock at the yield
                else
                    tock = 0.0;
            }
        } catch (...) {
            const std::exception_ptr error = std::current_exception();
            current_ = no_position;
            if (deed.gone) {
                interrupted_at_ = position;  // destroyed during its own recur, then threw
                throw;
            }
            end_deed(deed);
            if (absorb(index, error, tyme))
                return;
            interrupted_at_ = position;
            throw;
        }
        current_ = no_position;
        if (deed.gone || !deed.live)
            return;  // destroyed during its own recur (forget() ended its deed)
        if (!tock) {
            end_deed(deed);
            return;
        }
        double retyme = *tock > 0.0 ? (early ? deed.retyme : deed.retyme + *tock) : tyme + asap;
        if constexpr (detail::is_doer<M>) {
            const double idle = detail::DoerAccess::idle_request(member);
            if (!detail::DoerAccess::no_idle_request(idle)) {
                retyme = detail::idle_retyme(retyme, *tock, idle);
                set_idle(deed, true);
                detail::DoerAccess::idling(member, true);
            } else if (std::isinf(retyme)) {
                retyme = tyme + *tock;  // woken out of an endless idle: its period starts again
            }
        }
        deed.retyme = retyme;
    }

    // Close then exit, done false (Doer::halt).
    template <class Index, class M>
    void close_member(Index index, M& member) noexcept {
        detail::StaticDeed& deed = deeds_[index];
        if (!deed.live)
            return;
        end_deed(deed);
        if constexpr (detail::is_doer<M>) {
            detail::DoerAccess::idling(member, false);
            member.halt();
        } else {
            member.close();
            member.exit();
            deed.done = 0;
        }
    }

    // A failure policy other than propagate takes the failure (DoDoer::on_failure).
    bool absorb(std::size_t index, const std::exception_ptr& error, double tyme) {
        if (policy_ == FailurePolicy::propagate || detail::is_interrupt(error))
            return false;
        detail::StaticDeed& deed = deeds_[index];
        failures_.push_back({index, error, tyme, deed.restarts});
        if (policy_ == FailurePolicy::isolate)
            return true;
        if (deed.restarts >= restart_.max_restarts)
            return false;  // give up: the failure propagates
        deed.restart_at = tyme + detail::restart_delay(restart_, deed.restarts);
        ++deed.restarts;
        deed.failed_order = failure_count_++;
        ++pending_;
        return true;
    }

    void clear_restarts() noexcept {
        for (detail::StaticDeed& deed : deeds_)
            deed.restart_at = std::numeric_limits<double>::infinity();
        pending_ = 0;
    }

    // Re-enters the members whose back-off has passed, in the order they failed; each takes
    // the last place in the deque, as in DoDoer.
    void restart_due(double tyme) {
        // Those due now, not those that fail again while being restarted (they wait for the
        // next pass, as in DoDoer).
        for (detail::StaticDeed& deed : deeds_)
            deed.restart_now = deed.restart_at <= tyme;
        for (;;) {
            std::size_t next = size;
            for (std::size_t i = 0; i < size; ++i)
                if (deeds_[i].restart_now && (next == size || deeds_[i].failed_order < deeds_[next].failed_order))
                    next = i;
            if (next == size)
                break;
            deeds_[next].restart_now = false;
            deeds_[next].restart_at = std::numeric_limits<double>::infinity();
            --pending_;
            move_last(next);
            members_.at(next, [&](auto index, auto& member) { start(index, member); });
        }
    }

    void move_last(std::size_t index) noexcept {
        const auto at = std::find(order_.begin(), order_.end(), static_cast<std::uint16_t>(index));
        std::rotate(at, at + 1, order_.end());
        in_order_ = std::is_sorted(order_.begin(), order_.end());
    }

    // A Doer member was woken: it runs in the group's next pass, and so must the group.
    void wake(Doer& doer) noexcept override {
        detail::StaticDeed& deed = deeds_[detail::DoerAccess::index(doer)];
        if (!deed.live)
            return;
        const std::size_t index = detail::DoerAccess::index(doer);
        if (in_pass_ && index != current_ && !visited(index) && deed.retyme > pass_tyme_) {
            // Not due in this pass and not reached yet: it runs in the next one, as in DoDoer
            // (whose pass runs the deeds that were due when it began).
            deed.wake_next = true;
            deferred_wakes_ = true;
        } else {
            deed.woken = true;
        }
        Doer::wake();
    }

    // True when the member at `index` had its turn in the pass under way.
    [[nodiscard]] bool visited(std::size_t index) const noexcept {
        if (current_ == no_position)
            return false;
        std::size_t at_current = size;
        std::size_t at_index = size;
        for (std::size_t position = 0; position < size; ++position) {
            if (order_[position] == current_)
                at_current = position;
            if (order_[position] == index)
                at_index = position;
        }
        return at_index < at_current;
    }

    [[nodiscard]] bool any_woken() const noexcept {
        for (const detail::StaticDeed& deed : deeds_)
            if (deed.live && (deed.woken || deed.wake_next))
                return true;
        return false;
    }

    // A Doer member is being destroyed: never touch it again.
    void forget(Doer& doer) noexcept override {
        detail::StaticDeed& deed = deeds_[detail::DoerAccess::index(doer)];
        end_deed(deed);
        deed.gone = true;
        if (deed.restart_at != std::numeric_limits<double>::infinity() && pending_ != 0)
            --pending_;  // its restart will never come
        deed.restart_at = std::numeric_limits<double>::infinity();
        deed.restart_now = false;
    }

    std::array<detail::StaticDeed, size> deeds_{};
    std::array<std::uint16_t, size> order_{};  // the deque order (hio's), member indexes
    std::size_t live_ = 0;
    std::size_t idle_ = 0;
    std::size_t pending_ = 0;
    std::size_t interrupted_at_ = no_position;
    std::uint32_t failure_count_ = 0;  // orders pending restarts by when they failed
    std::size_t current_ = no_position;  // the member running its recur now
    double pass_tyme_ = 0.0;
    bool in_pass_ = false;
    bool deferred_wakes_ = false;
    bool in_order_ = true;
    bool always_;
    FailurePolicy policy_;
    RestartPolicy restart_;
    std::vector<StaticFailure> failures_;
};

/// A DoDoer whose members are fixed at compile time and held inside it: `Ms` are types with
/// Doer's lifecycle (StaticMember, by value) or `Doer&` (an ordinary doer, by reference).
///
/// \code
/// hio::DoDoerOf<Blink, Count, hio::Doer&> group{{.tock = 0.0}, Blink{0.5}, Count{}, server_doer};
/// hio::Doist doist{{.tock = 0.01, .limit = 2.0}, {&group}};
/// \endcode
template <class... Ms>
class DoDoerOf : public BasicDoDoerOf<detail::TupleMembers<Ms...>> {
    using Base = BasicDoDoerOf<detail::TupleMembers<Ms...>>;
    template <std::size_t... Is>
    static constexpr bool check(std::index_sequence<Is...>) {
        return (detail::CheckMember<Is, Ms>::ok && ...);
    }
    static_assert(check(std::index_sequence_for<Ms...>{}));

public:
    /// Members default-constructed (a group of by-value members only).
    explicit DoDoerOf(typename Base::Options options = {})
        requires(std::is_default_constructible_v<Ms> && ...)
        : Base{options, std::in_place} {}

    /// Members made from `members`, one argument each, in order (a Doer member from the doer).
    template <class... Args>
        requires(sizeof...(Args) == sizeof...(Ms) && sizeof...(Ms) > 0)
    explicit DoDoerOf(typename Base::Options options, Args&&... members)
        : Base{options, std::in_place, std::forward<Args>(members)...} {}

    /// Member `I` (hio-cpp's only way in: a compile-time group has no doers() list).
    template <std::size_t I>
    [[nodiscard]] auto& get() noexcept {
        return this->members_.template get<I>();
    }
};

/// A DoDoer of `N` members of one type `T` (a StaticMember), held in an array inside it.
template <class T, std::size_t N>
class DoDoerArray : public BasicDoDoerOf<detail::ArrayMembers<T, N>> {
    using Base = BasicDoDoerOf<detail::ArrayMembers<T, N>>;
    static_assert(detail::CheckMember<0, T>::ok);
    static_assert(!std::is_reference_v<T>, "hio::DoDoerArray: members are held by value");

public:
    /// `N` default-constructed members.
    explicit DoDoerArray(typename Base::Options options = {}) : Base{options, std::in_place} {}

    /// Member `index` (std::out_of_range past the end).
    [[nodiscard]] T& at(std::size_t index) { return this->members_.items.at(index); }
    /// The members.
    [[nodiscard]] std::array<T, N>& members() noexcept { return this->members_.items; }
};

}  // namespace hio
