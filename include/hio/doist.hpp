#pragma once
/// \file
/// Doist: the root scheduler (hio: base.doing.Doist).

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <exception>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <hio/doorbell.hpp>
#include <hio/detail/scheduler.hpp>
#include <hio/detail/signals.hpp>
#include <hio/detail/validate.hpp>
#include <hio/doer.hpp>
#include <hio/error.hpp>
#include <hio/trace.hpp>
#include <hio/tymer.hpp>
#include <hio/tymist.hpp>
#include <hio/waiter.hpp>

namespace hio {

/// Why the last Doist::run() ended (Doist::ended_by()).
enum class RunEnd : std::uint8_t {
    none,         ///< no run yet, or one in progress
    done,         ///< every doer finished on its own (done() is true)
    limit,        ///< the limit's tyme was reached
    stopped,      ///< a stop was requested: request_stop() (a simulation's stop_when), SIGINT or SIGTERM
    interrupted,  ///< a doer threw hio::Interrupt
    failed,       ///< a doer's exception propagated out of run()
};

/// Settings of a Doist; see the Doist class comment.
struct DoistOptions {
    /// Tyme added per pass; also the "as soon as possible" period of doers with tock 0.
    double tock = Tymist::default_tock;
    /// Stop once this much tyme has passed since entering; nullopt or 0: no limit.
    std::optional<double> limit{};
    /// Starting tyme.
    double tyme = 0.0;
    /// Pace passes to the wall clock.
    bool real = false;
    /// Tyme given to doers to wind down on a stop request; 0 closes at once.
    double grace = 0.0;
    /// In real time, turn SIGINT and SIGTERM into a stop request while running.
    bool handle_signals = true;
    /// Dispatches I/O before each pass and, in real time, waits on it between passes (not
    /// owned; must outlive the run). nullptr: no I/O, sleep between real-time passes.
    Waiter* waiter = nullptr;
    /// Seeds the Doist's Random (Tymist::random()), which doers draw their noise from; unset:
    /// 0. Under a simulation (sim::World as the waiter) the World's seed does this: leave it
    /// unset there (a different one is refused).
    std::optional<std::uint64_t> seed{};
    /// Wall-clock time of tyme 0 (Tymist::wall_time), seconds since the Unix epoch. In virtual
    /// time it defaults to Tymist::virtual_epoch; in real time each run sets it from the system
    /// clock unless it is given here (a replay of a capture gives the capture's).
    std::optional<double> epoch{};
};

/// The root scheduler: a Tymist whose `run()` enters its doers, runs passes until every doer
/// is done, the limit is reached or a stop is requested, then closes what is still running.
///
/// Mirrors hio's Doist. Each pass runs the due doers in a fixed order (the order they were
/// entered, as hio's deque) and then advances tyme by one tock. In virtual time passes follow
/// each other at once (a discrete-event simulation that replays exactly); with `real` each pass
/// is padded to one tock of wall time, catching up after overruns, and the tymes seen by the
/// doers are the same as in virtual time.
///
/// With a Waiter (hio::Reactor) the Doist dispatches I/O readiness before each pass, and in
/// real time it sleeps in the Waiter instead of a plain sleep: when a socket wakes a doer
/// (Doer::wake) before the next tock, a "wake pass" runs at once at the tyme of the pass just
/// run (the wall clock is still inside that tock), in which the woken doers (and any that are
/// due) run in their usual order. Replies
/// thus leave in the pass where their requests arrived, and an idle Doist uses no CPU.
///
/// In real time SIGINT and SIGTERM start an ordered shutdown (hio handles only SIGINT). With
/// `grace` 0, every running doer is closed at once in reverse order. With `grace` > 0, every
/// running doer's `wind_down()` is called and the run goes on until they finish or `grace`
/// tyme has passed; the doers still running are then aborted with hio::ShutdownTimeout. A
/// second signal during the grace period closes at once. `request_stop()` does the same from
/// any thread, or from a doer, in either mode.
class Doist : public Tymist, private detail::WakeSink {
public:
    /// Settings: see DoistOptions.
    using Options = DoistOptions;

    /// A Doist with `options` listing `doers` (not owned: they must outlive it or be removed).
    /// Throws ValidationError for a bad tock, limit, tyme or grace, a null doer, or a doer that
    /// another scheduler holds.
    explicit Doist(Options options = {}, const std::vector<Doer*>& doers = {})
        : Tymist{options.tyme, options.tock}, real_{options.real},
          handle_signals_{options.handle_signals}, fixed_epoch_{options.epoch.has_value()},
          waiter_{options.waiter} {
        doorbells_ = std::make_shared<detail::DoorbellHub>([this] { request_wake(); });
        scheduler_.wake_sink(this);
        random().seed(options.seed.value_or(0));
        if (options.epoch)
            epoch(*options.epoch);
        if (waiter_ != nullptr)
            waiter_->attach({*this, [this] { request_stop(); }, options.seed,
                             [this] { return scheduler_.doers(); }});  // a simulation reads this clock
        if (options.limit)
            limit(*options.limit);
        grace(options.grace);
        scheduler_.extend(doers);
    }

    Doist(const Doist&) = delete;
    Doist& operator=(const Doist&) = delete;
    /// Doorbells of its doers rung later, from other threads, wake nobody.
    ~Doist() override { doorbells_->close(); }

    /// hio: do(). Enters every listed doer, runs passes, then closes what still runs.
    /// `done()` is true when every doer finished on its own. An exception from a doer aborts
    /// that doer, closes the others (hio's order) and then propagates; hio::Interrupt instead
    /// ends the run normally. Throws hio::Error when called while already running.
    void run() {
        if (running_)
            throw Error{"Doist: run() called while already running"};
        struct Reset {
            bool& flag;
            ~Reset() { flag = false; }
        } reset{running_};
        detail::SignalGuard signals{real_ && handle_signals_};
        begin_run(false);
        try {
            enter();
            const Tymer limiter{*this, limit_};  // hio: starts after enter
            auto deadline = std::chrono::steady_clock::now();
            for (;;) {
                if (waiter_ != nullptr)
                    waiter_->poll();
                doorbells_->deliver();
                const double now = tyme();
                trace_pass(now);
                const bool empty = scheduler_.pass(now, tock(), now + tock());
                ++passes_;
                if (real_ && !empty) {
                    deadline += std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                        std::chrono::duration<double>{tock()});
                    wait_between_passes(deadline, limiter);  // wake passes, skipped passes
                }
                tick();
                if (empty) {
                    done_ = stopping_ ? 0 : 1;  // a shutdown is not "all done"
                    ended_ = stopping_ ? RunEnd::stopped : RunEnd::done;
                    break;
                }
                if (!real_)
                    skip_idle_passes(limiter);
                if (limit_ > 0.0 && limiter.expired()) {
                    ended_ = RunEnd::limit;
                    break;
                }
                if (!keep_running_after_stop_request()) {
                    ended_ = RunEnd::stopped;
                    break;
                }
            }
        } catch (const Interrupt&) {
            // hio's KeyboardInterrupt: a graceful end; exit() below closes the others.
            ended_ = RunEnd::interrupted;
        } catch (...) {
            ended_ = RunEnd::failed;
            exit();
            throw;
        }
        exit();
    }

    /// Replaces the listed doers, then runs (hio: do(doers=...)).
    void run(const std::vector<Doer*>& doers) {
        scheduler_.assign(doers);
        run();
    }

    /// Enters every listed doer at the current tyme (hio: enter). Throws hio::Error while
    /// doers are running.
    void enter() { scheduler_.enter(*this); }

    /// One pass: runs the due doers, then ticks (hio: recur). Returns true when no doer is
    /// left running. An exception skips the tick, as in hio.
    bool recur() {
        const double now = tyme();
        trace_pass(now);
        const bool empty = scheduler_.pass(now, tock(), now + tock());
        tick();
        return empty;
    }

    /// Closes every running doer, reverse order (hio: exit).
    void exit() noexcept { scheduler_.exit(); }

    // --- Driven by another event loop ---------------------------------------------------
    // run() owns the thread: it waits between passes in its Waiter. A program whose main loop
    // is another's (Asio's io_context, a GUI's) lets that loop drive the Doist instead:
    // start(), then step() whenever the time it asked for comes or the wake hook fires, until
    // a step says finished. hio::asio::async_run() does this on an io_context.

    /// What step() asks of the loop that drives the Doist.
    struct Step {
        /// The run has ended (ended_by() says why; what still ran has been closed).
        bool finished = false;
        /// When to call step() again, unless the wake hook fires first. In virtual time: now
        /// (the loop runs its own work in between, then the next pass).
        std::chrono::steady_clock::time_point next{};
    };

    /// Starts a run driven by another event loop instead of run(): enters the doers now and
    /// returns when the first pass is due (now). Passes are paced as run() paces them (real
    /// time: one tock each, idle passes slept through, a woken doer run at once). The loop owns
    /// the signals (it calls request_stop() on SIGINT or SIGTERM): handle_signals is not used.
    /// The Waiter, if any, must be one the loop dispatches itself (hio::asio::Context on the
    /// loop's io_context): step() does not poll it. Throws hio::Error when already running.
    std::chrono::steady_clock::time_point start() {
        if (running_)
            throw Error{"Doist: start() called while already running"};
        begin_run(true);
        try {
            enter();
        } catch (...) {
            fail_run();
            throw;
        }
        limiter_ = Tymer{*this, limit_};  // hio: starts after enter
        deadline_ = std::chrono::steady_clock::now();
        pass_due_ = true;
        return deadline_;
    }

    /// Runs what is due by now: the next pass if its time came (ticking through the passes
    /// slept through), else a pass for the doers woken since (at the tyme of the pass just
    /// run, as run() does), else nothing. Then says when to step again, or that the run ended.
    /// An exception from a doer ends the run (ended_by() failed; the others closed in hio's
    /// order) and propagates; hio::Interrupt ends it normally. Throws hio::Error unless started.
    Step step() {
        if (!running_ || !external_)
            throw Error{"Doist: step() called without start()"};
        try {
            return external_step();
        } catch (const Interrupt&) {
            end_run(RunEnd::interrupted);
            return {true, std::chrono::steady_clock::now()};
        } catch (...) {
            fail_run();
            throw;
        }
    }

    /// Ends a started run now (the loop is stopping, the awaiting coroutine was cancelled):
    /// closes what still runs in hio's order (reverse order, close then exit), as a stop with
    /// no grace does; ended_by() says stopped. Does nothing when no started run is in progress.
    void abandon() noexcept {
        if (running_ && external_)
            end_run(RunEnd::stopped);
    }

    /// Called (on the Doist's thread) when a doer is woken, and (from any thread) by
    /// request_stop(): the driving loop schedules a step() soon. It must be safe to call from
    /// any thread and must not run the step itself. Empty: no hook (run() needs none).
    void wake_hook(std::function<void()> hook) { wake_hook_ = std::move(hook); }

    /// Lists and, once entered, enters new doers (hio: extend).
    void extend(const std::vector<Doer*>& doers) { scheduler_.extend(doers); }

    /// Unlists doers and force-closes those running (hio: remove).
    void remove(const std::vector<Doer*>& doers) { scheduler_.remove(doers); }

    /// The listed doers (hio: .doers).
    [[nodiscard]] const std::vector<Doer*>& doers() const noexcept { return scheduler_.doers(); }

    /// The running doers in hio's deque order with their retymes (hio: .deeds).
    [[nodiscard]] std::vector<DeedView> deeds() const { return scheduler_.deeds(); }
    /// The number of running doers (hio: len(deeds)).
    [[nodiscard]] std::size_t deed_count() const noexcept { return scheduler_.deed_count(); }

    /// True once a run ended with every doer finished on its own.
    [[nodiscard]] bool done() const noexcept { return done_ == 1; }

    /// hio's tri-state done: nullopt before any run, then false or true.
    [[nodiscard]] std::optional<bool> done_state() const noexcept {
        if (done_ < 0)
            return std::nullopt;
        return done_ == 1;
    }

    /// The run's tyme budget; 0 means none.
    [[nodiscard]] double limit() const noexcept { return limit_; }
    /// Sets the tyme budget (0: none). Throws ValidationError unless finite and >= 0.
    void limit(double value) { limit_ = detail::require_non_negative("Doist", "limit", value); }

    /// Tyme given to doers to wind down on a stop request (0: close at once).
    [[nodiscard]] double grace() const noexcept { return grace_; }
    /// Sets the grace period. Throws ValidationError unless finite and >= 0.
    void grace(double value) { grace_ = detail::require_non_negative("Doist", "grace", value); }

    /// True when passes are paced to the wall clock.
    [[nodiscard]] bool real() const noexcept { return real_; }
    /// Chooses real (true) or virtual time for the next run.
    void real(bool value) noexcept { real_ = value; }

    /// True while a run is in progress.
    [[nodiscard]] bool running() const noexcept { return running_; }

    /// True once a graceful shutdown has begun in the current run.
    [[nodiscard]] bool stopping() const noexcept { return stopping_; }

    /// Asks the current run to stop, as SIGTERM would; safe from any thread and from doers.
    /// Takes effect after the pass in progress.
    void request_stop() noexcept {
        stop_requests_.fetch_add(1, std::memory_order_relaxed);
        if (waiter_ != nullptr)
            waiter_->interrupt();
        else
            sleeper_.wake();
        if (wake_hook_)
            wake_hook_();
    }

    /// The Waiter that dispatches I/O, or nullptr.
    [[nodiscard]] Waiter* waiter() const noexcept override { return waiter_; }

    /// True in real time (DoistOptions::real).
    [[nodiscard]] bool real_time() const noexcept override { return real_; }

    /// Where threads ring this Doist's doers awake (hio::Doorbell).
    [[nodiscard]] std::shared_ptr<detail::DoorbellHub> doorbell_hub() const noexcept override { return doorbells_; }

private:
    // A Doorbell rang on another thread: end the wait so that the Doist delivers it.
    void request_wake() noexcept {
        if (waiter_ != nullptr)
            waiter_->interrupt();
        else
            sleeper_.wake();
        if (wake_hook_)
            wake_hook_();
    }

    void on_wake() noexcept override {
        if (wake_hook_)
            wake_hook_();
    }

    // What run() and start() share before the first enter.
    void begin_run(bool external) {
        running_ = true;
        external_ = external;
        done_ = 0;
        ended_ = RunEnd::none;
        stopping_ = false;
        signal_base_ = detail::stop_signals.load(std::memory_order_relaxed);
        stop_requests_.store(0, std::memory_order_relaxed);
        handled_requests_ = 0;
        if (real_ && !fixed_epoch_)
            epoch(std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count() -
                  tyme());
    }

    // A driven run ends: closes what still runs (hio's order).
    void end_run(RunEnd why) noexcept {
        ended_ = why;
        exit();
        running_ = false;
        external_ = false;
    }

    // A driven run ends with an exception from a doer (which propagates).
    void fail_run() noexcept { end_run(RunEnd::failed); }

    // One step of a driven run; see step(). Mirrors run()'s loop: the regular pass, then (real
    // time) the wait, in which woken doers run in wake passes, then the tick and the checks.
    Step external_step() {
        using clock = std::chrono::steady_clock;
        doorbells_->deliver();
        const auto step_length = std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>{tock()});
        const auto now_wall = clock::now();
        if (!pass_due_) {
            if (!real_) {
                pass_due_ = true;
            } else {
                // The wait between passes: tick through the passes whose time went by with
                // nothing due; then the regular pass if its time came or a stop was asked.
                while (deadline_ <= now_wall && skippable_passes(limiter_, 1) == 1) {
                    tick();
                    deadline_ += step_length;
                }
                if (stop_requests() > handled_requests_ || deadline_ <= now_wall) {
                    tick();
                    if (const auto ended = checks_after_tick())
                        return finished(*ended);
                    pass_due_ = true;
                } else if (scheduler_.has_woken()) {
                    const double now = tyme();
                    ++passes_;
                    trace_pass(now);
                    if (scheduler_.pass(now, tock(), now + tock())) {
                        // Nothing left running: as run(), the tick, the checks, and a last
                        // (empty) pass end the run without waiting.
                        tick();
                        if (const auto ended = checks_after_tick())
                            return finished(*ended);
                        pass_due_ = true;
                    } else {
                        ++wake_passes_;
                    }
                }
            }
        }
        if (pass_due_) {
            pass_due_ = false;
            const double now = tyme();
            trace_pass(now);
            const bool empty = scheduler_.pass(now, tock(), now + tock());
            ++passes_;
            if (empty) {
                tick();
                return finished(stopping_ ? RunEnd::stopped : RunEnd::done);
            }
            if (!real_) {
                tick();
                skip_idle_passes(limiter_);
                if (const auto ended = checks_after_tick())
                    return finished(*ended);
                return {false, clock::now()};
            }
            deadline_ += step_length;
        }
        return {false, deadline_ + step_length * static_cast<clock::rep>(skippable_passes(limiter_))};
    }

    // After a tick: the limit and stop requests (run()'s checks); the reason the run ends, if it does.
    std::optional<RunEnd> checks_after_tick() {
        if (limit_ > 0.0 && limiter_.expired())
            return RunEnd::limit;
        if (!keep_running_after_stop_request())
            return RunEnd::stopped;
        return std::nullopt;
    }

    Step finished(RunEnd why) {
        if (why == RunEnd::done)
            done_ = 1;
        end_run(why);
        return {true, std::chrono::steady_clock::now()};
    }

    void trace_pass(double now) const noexcept {
        if (Tracer* const observer = tracer())
            observer->pass(now);
    }  // wait_between_passes asks the scheduler instead

    // Real time, between passes: wait for the next pass (its wall time is `deadline`) or for
    // a woken doer. A wake before the deadline runs a pass at once ("wake pass") at the tyme of
    // the pass just run, since the wall clock is still inside that tock; the tick follows the
    // wait. Replies therefore do not wait for the tock, and the tymes doers see stay on the
    // tock grid.
    //
    // Passes in which no doer would be due (every doer idles, Doer::idle_until) are not waited
    // for one by one: the wait runs to the first pass that has a due doer (or to a wake), and
    // the passes gone by are ticked through, so tymes stay on the grid and an idle Doist sleeps.
    void wait_between_passes(std::chrono::steady_clock::time_point& deadline, const Tymer& limiter) {
        using clock = std::chrono::steady_clock;
        const auto stop_or_wake = [this] {
            doorbells_->deliver();  // bells rung by other threads wake their doers, here
            return scheduler_.has_woken() || stop_requests() > handled_requests_;
        };
        const auto step = std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>{tock()});
        for (;;) {
            const auto wait_end = deadline + step * static_cast<clock::rep>(skippable_passes(limiter));
            if (waiter_ != nullptr)
                waiter_->wait_until(wait_end, stop_or_wake);
            else
                sleeper_.sleep_until(wait_end, stop_or_wake);
            // Tick through the passes whose time went by with nothing due.
            const auto now_wall = clock::now();
            while (deadline <= now_wall && skippable_passes(limiter, 1) == 1) {
                tick();
                deadline += step;
            }
            if (stop_requests() > handled_requests_ || deadline <= now_wall)
                return;  // the regular pass (at tyme() + tock) is due: run() runs it
            if (!scheduler_.has_woken())
                continue;  // the wait ended early for no doer (a skipped pass, a signal)
            const double now = tyme();
            ++passes_;
            trace_pass(now);
            if (scheduler_.pass(now, tock(), now + tock()))
                return;  // nothing left running: let run() finish without waiting
            ++wake_passes_;
        }
    }

    // Virtual time, after the tick: when no doer is due before a later pass and the waiter
    // (a simulation) has no event before it either, ticks on to that pass, as a real-time
    // Doist sleeps through such passes. The passes are ticked one by one (tyme += tock, as hio
    // adds), so tymes stay on the grid; the limit stops at the same tyme as without the skip.
    // Nothing is skipped when the tock is 0, when nothing will ever be due and no limit would
    // end the run, or when the waiter cannot say (real sockets: readiness may come any time).
    void skip_idle_passes(const Tymer& limiter) {
        doorbells_->deliver();  // a bell rung in this pass (an inline Offload job) makes its doer due
        if (tock() <= 0.0)
            return;
        double end = scheduler_.next_due(true);
        if (waiter_ != nullptr)
            end = std::min(end, waiter_->next_event());
        if (limit_ > 0.0)
            end = std::min(end, limiter.stop_tyme());
        if (stopping_)
            end = std::min(end, shutdown_deadline_);  // the grace period ends then
        if (std::isinf(end))
            return;  // -inf: something is due now; +inf: nothing ever, and no limit to reach
        while (tyme() < end && stop_requests() == handled_requests_)
            tick();
    }

    // How many of the next passes (at most `most`) hold no due doer and may be slept through:
    // none when the tock is 0, and never the pass at which the limit ends the run (run()
    // ticks to it and stops, as in hio). Woken doers do not count: a wake pass runs them.
    // Far from the end the count is estimated (it only sets how long to sleep; the passes are
    // then ticked one by one, each checked exactly), with a margin of a few passes so that the
    // sleep never runs past the due one: the last steps are counted exactly.
    [[nodiscard]] std::uint64_t skippable_passes(const Tymer& limiter, std::uint64_t most = 65536) {
        if (tock() <= 0.0)
            return 0;
        double end = scheduler_.next_due(false);
        if (limit_ > 0.0)
            end = std::min(end, limiter.stop_tyme());
        if (stopping_)
            end = std::min(end, shutdown_deadline_);  // the grace period ends then, idle doers or not
        const double span = (end - tyme()) / tock();  // passes from here to the end (inf: none)
        constexpr double exact_below = 8.0;
        if (span > exact_below) {
            const double estimate = std::min(span - exact_below / 2.0, static_cast<double>(most));
            return static_cast<std::uint64_t>(estimate);
        }
        double next = tyme();
        std::uint64_t count = 0;
        while (count < most) {
            next += tock();  // exactly as tick() adds
            if (next >= end)
                break;
            ++count;
        }
        return count;
    }

public:
    /// Passes run early because I/O woke a doer (real time only).
    [[nodiscard]] std::uint64_t wake_passes() const noexcept { return wake_passes_; }

    /// Passes run in all, wake passes included; passes slept through (real time) or skipped
    /// (virtual time) because no doer was due are not counted.
    [[nodiscard]] std::uint64_t passes() const noexcept { return passes_; }

    /// Why the last run() ended: every doer done, the limit, a stop request (request_stop(),
    /// a signal, a simulation's stop_when), hio::Interrupt, or an exception. RunEnd::none
    /// before the first run and while one runs.
    [[nodiscard]] RunEnd ended_by() const noexcept { return ended_; }

private:
    [[nodiscard]] unsigned stop_requests() const noexcept {
        const unsigned signals = detail::stop_signals.load(std::memory_order_relaxed) - signal_base_;
        return (real_ && handle_signals_ && !external_ ? signals : 0U) +
               stop_requests_.load(std::memory_order_relaxed);
    }

    // Called after each pass; false ends the loop (exit() then closes what is left).
    bool keep_running_after_stop_request() {
        const unsigned requests = stop_requests();
        if (requests == handled_requests_ && !stopping_)
            return true;
        if (!stopping_) {
            handled_requests_ = requests;
            if (grace_ <= 0.0)
                return false;
            stopping_ = true;
            shutdown_deadline_ = tyme() + grace_;
            const double now = tyme();
            std::vector<Doer*> quick;
            std::vector<Doer*> winding;
            scheduler_.visit([&](Doer& doer) {
                (doer.wind_down(now) ? winding : quick).push_back(&doer);
            });
            for (Doer* doer : winding)
                doer->wake();  // an idle doer that keeps running to wind down must get to run
            scheduler_.halt(quick);
            return scheduler_.deed_count() != 0;
        }
        if (requests != handled_requests_)
            return false;  // asked again: close at once
        if (tyme() >= shutdown_deadline_) {
            scheduler_.abort_all(std::make_exception_ptr(ShutdownTimeout{
                "Doist: doer still running when the shutdown grace period of " +
                detail::format_number(grace_) + " ended"}));
            return false;
        }
        return true;
    }

    detail::Scheduler scheduler_{"Doist"};
    double limit_ = 0.0;
    double grace_ = 0.0;
    double shutdown_deadline_ = 0.0;
    std::atomic<unsigned> stop_requests_{0};
    unsigned signal_base_ = 0;
    unsigned handled_requests_ = 0;
    std::int8_t done_ = -1;
    RunEnd ended_ = RunEnd::none;
    std::uint64_t wake_passes_ = 0;
    std::uint64_t passes_ = 0;
    bool real_;
    bool handle_signals_;
    bool fixed_epoch_;
    Waiter* waiter_;
    bool running_ = false;
    bool stopping_ = false;
    // A run driven by another loop (start/step): its state between steps.
    bool external_ = false;
    bool pass_due_ = false;
    Tymer limiter_{};
    std::chrono::steady_clock::time_point deadline_{};
    std::function<void()> wake_hook_{};
    std::shared_ptr<detail::DoorbellHub> doorbells_;  // rings from other threads (Doorbell)
    detail::Sleeper sleeper_;  // real time without a Waiter: the sleep between passes
};

}  // namespace hio
