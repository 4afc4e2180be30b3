#pragma once
/// \file
/// DoistOf: a root scheduler whose doers are fixed at compile time and held inside it.

#include <chrono>
#include <cstddef>
#include <optional>
#include <thread>
#include <utility>

#include <hio/detail/validate.hpp>
#include <hio/doist.hpp>
#include <hio/dodoer_of.hpp>
#include <hio/tymer.hpp>
#include <hio/tymist.hpp>

namespace hio {

/// Settings of a DoistOf: a Doist's tock, limit, starting tyme and real or virtual time.
struct DoistOfOptions {
    /// Tyme added per pass; also the "as soon as possible" period of members with tock 0.
    double tock = Tymist::default_tock;
    /// Stop once this much tyme has passed since entering; 0: no limit.
    double limit = 0.0;
    /// Starting tyme.
    double tyme = 0.0;
    /// Pace the passes to the wall clock (one tock each) instead of running them at once.
    bool real = false;
};

/// A Doist over a compile-time group: `run()` enters the members in order, runs passes
/// (exactly a Doist's, with the same tymes, over the same doers listed in the same order),
/// and closes what still runs in reverse order when the limit is reached. An exception from a
/// member aborts it, closes the others in hio's order and propagates; hio::Interrupt ends the
/// run normally. Nothing is allocated from construction through run() and close.
///
/// What a DoistOf does not do, by design: it has no Waiter, so no I/O readiness, and it does
/// not skip passes nobody is due in (a Doer member that idles waits for its idle tyme or a
/// wake, while the passes go on), and no signal handling. For those, put a DoDoerOf in a Doist.
template <class... Ms>
class DoistOf : public Tymist {
public:
    /// Settings: see DoistOfOptions.
    using Options = DoistOfOptions;

    /// Members default-constructed.
    explicit DoistOf(Options options = {})
        requires(std::is_default_constructible_v<Ms> && ...)
        : Tymist{options.tyme, options.tock}, group_{{.tock = options.tock}},
          limit_{detail::require_non_negative("DoistOf", "limit", options.limit)}, real_{options.real} {}

    /// Members made from `members`, one argument each, in order.
    template <class... Args>
        requires(sizeof...(Args) == sizeof...(Ms) && sizeof...(Ms) > 0)
    explicit DoistOf(Options options, Args&&... members)
        : Tymist{options.tyme, options.tock}, group_{{.tock = options.tock}, std::forward<Args>(members)...},
          limit_{detail::require_non_negative("DoistOf", "limit", options.limit)}, real_{options.real} {}

    /// hio: do(). Throws hio::Error when called while already running.
    void run() {
        if (group_.running())
            throw Error{"DoistOf: run() called while already running"};
        ended_ = RunEnd::none;
        done_ = 0;
        try {
            if (!group_.begin(*this)) {  // every member finished in enter
                done_ = 1;
                ended_ = RunEnd::done;
                return;
            }
            const Tymer limiter{*this, limit_};  // hio: starts after enter
            auto deadline = std::chrono::steady_clock::now();
            for (;;) {
                const bool empty = !group_.send(tyme());
                ++passes_;
                if (real_ && !empty) {
                    deadline += std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                        std::chrono::duration<double>{tock()});
                    std::this_thread::sleep_until(deadline);
                }
                tick();
                if (empty) {
                    done_ = 1;
                    ended_ = RunEnd::done;
                    return;
                }
                if (limit_ > 0.0 && limiter.expired()) {
                    ended_ = RunEnd::limit;
                    break;
                }
            }
        } catch (const Interrupt&) {
            ended_ = RunEnd::interrupted;
        } catch (...) {
            ended_ = RunEnd::failed;
            throw;
        }
        group_.halt();
    }

    /// Member `I`.
    template <std::size_t I>
    [[nodiscard]] auto& get() noexcept {
        return group_.template get<I>();
    }

    /// hio's tri-state done flag of member `index`.
    [[nodiscard]] std::optional<bool> done_state(std::size_t index) { return group_.done_state(index); }

    /// True once a run ended with every member finished on its own.
    [[nodiscard]] bool done() const noexcept { return done_ == 1; }

    /// Why the last run ended.
    [[nodiscard]] RunEnd ended_by() const noexcept { return ended_; }

    /// Passes run so far.
    [[nodiscard]] std::size_t passes() const noexcept { return passes_; }

private:
    DoDoerOf<Ms...> group_;
    double limit_;
    bool real_;
    int done_ = -1;
    RunEnd ended_ = RunEnd::none;
    std::size_t passes_ = 0;
};

}  // namespace hio
