#pragma once
/// \file
/// Doer: a task with hio's six lifecycle contexts (hio: base.doing.Doer).

#include <cstddef>
#include <cstdint>
#include <exception>
#include <limits>
#include <optional>

#include <hio/detail/membership.hpp>
#include <hio/detail/validate.hpp>
#include <hio/error.hpp>
#include <hio/tymee.hpp>

namespace hio {

namespace detail {
class Scheduler;
struct WakeCell;
struct DoerAccess;
}  // namespace detail

class Doer;

/// A handle that wakes one doer (Doer::wake()), safe to keep after that doer is destroyed: it
/// then wakes nobody. I/O objects (servers, clients, datagram peers, terminals) keep one for
/// the doer that runs them, so that a socket that turns ready after the doer is gone (a doer
/// destroyed while it ran calls no exit(), by design) never reaches freed memory.
///
/// Made by Doer::waker(); copies share one small cell that the doer clears in its destructor.
/// Not thread-safe: made, copied and used on the thread that runs the doer.
class Waker {
public:
    /// A waker that wakes nobody.
    Waker() noexcept = default;
    /// Shares the cell of `other`.
    Waker(const Waker& other) noexcept;
    /// Takes the cell of `other`, which then wakes nobody.
    Waker(Waker&& other) noexcept : cell_{other.cell_} { other.cell_ = nullptr; }
    /// Shares the cell of `other`.
    Waker& operator=(const Waker& other) noexcept;
    /// Takes the cell of `other`, which then wakes nobody.
    Waker& operator=(Waker&& other) noexcept;
    ~Waker() { reset(); }

    /// Wakes the doer (Doer::wake()); does nothing when there is none or it was destroyed.
    void wake() const noexcept;
    /// The doer, or nullptr when there is none or it was destroyed.
    [[nodiscard]] Doer* doer() const noexcept;
    /// True while it names a doer that exists.
    explicit operator bool() const noexcept { return doer() != nullptr; }
    /// Lets go of the doer: wakes nobody from now on.
    void reset() noexcept;

private:
    friend class Doer;
    explicit Waker(detail::WakeCell* cell) noexcept;

    detail::WakeCell* cell_ = nullptr;
};

/// One running doer as its scheduler sees it: the doer and the tyme it runs next
/// (hio: a deed, without the generator).
struct DeedView {
    /// The running doer.
    Doer* doer;
    /// The tyme it is due next.
    double retyme;
};

/// A task run by a Doist or a DoDoer: a hand-written resumable state machine.
///
/// Mirrors hio's Doer. Subclasses override the lifecycle contexts; the scheduler runs them in
/// exactly hio's order, one of:
/// - `enter, recur.., clean, exit`  (recur returned true: finished on its own);
/// - `enter, recur.., close, exit`  (forced: limit reached, removed, parent closed, shutdown);
/// - `enter, recur.., abort, exit`  (an exception left enter or recur; it propagates);
/// - `enter, recur.., exit`         (hio::Interrupt left recur; no abort, as KeyboardInterrupt);
/// - `enter, clean, exit`           (enter called `done(true)`: finished before any recur).
///
/// `recur(tyme)` runs once per tock until it returns true. The tock is the doer's own period:
/// 0 means every pass of its scheduler. Next-run times accumulate as in hio
/// (`retyme += tock`), so a doer keeps its average rate.
///
/// `done_state()` is hio's tri-state flag: nullopt before the first run, false while running or
/// after a forced close or an abort, true once it finished on its own.
///
/// A Doer is not copyable or movable: schedulers hold it by address. It may belong to one
/// scheduler at a time. Destroying a Doer that a scheduler still lists removes it from that
/// scheduler without calling its contexts (they can no longer be called safely).
class Doer : public Tymee {
public:
    /// A doer that wants to run every `tock` seconds of tyme (0: every pass).
    /// Throws ValidationError for a negative, NaN or infinite tock.
    explicit Doer(double tock = 0.0) : tock_{detail::require_non_negative("Doer", "tock", tock)} {}

    Doer(const Doer&) = delete;
    Doer& operator=(const Doer&) = delete;
    ~Doer() override;

    /// This doer's period in tyme; 0 means as soon as possible (every pass).
    [[nodiscard]] double tock() const noexcept { return tock_; }

    /// Changes the period. Takes effect when the doer next yields, as in hio: a doer may
    /// reschedule itself from inside recur. Throws ValidationError unless finite and >= 0.
    void tock(double value) { tock_ = detail::require_non_negative("Doer", "tock", value); }

    /// True once the doer finished on its own with a true result.
    [[nodiscard]] bool done() const noexcept { return done_ == done_true; }

    /// hio's tri-state done flag: nullopt (never run), false, or true.
    [[nodiscard]] std::optional<bool> done_state() const noexcept {
        if (done_ == done_none)
            return std::nullopt;
        return done_ == done_true;
    }

    /// True between a successful enter and the exit.
    [[nodiscard]] bool running() const noexcept { return running_; }

    /// True while the doer waits, idle, for its idle_until() tyme or a wake() (see there).
    [[nodiscard]] bool idling() const noexcept { return idling_; }

    // --- The dog protocol: how a scheduler drives a doer (hio: the generator from do()). ---
    // Doist and DoDoer call these; tests and custom schedulers may too.

    /// Winds the doer to `tymist` and runs its enter context (hio: `next(dog)`).
    /// Returns true when the doer is now running and wants recurs; false when it finished
    /// during enter (then clean and exit have run). An exception from enter runs abort and
    /// exit, then propagates. Throws hio::Error when the doer is already running.
    bool begin(const Tymist& tymist) {
        if (running_)
            throw Error{"Doer::begin: the doer is already running"};
        wind(tymist);
        number_ = tymist.number_doer();  // a new stream for random() each time it enters
        done_ = done_false;
        running_ = true;
        persistent_ = persistent();
        bool finished = false;
        try {
            if (custom_dog_) {
                finished = dog_enter();
            } else {
                enter();
                finished = done_ == done_true && !persistent_;
            }
        } catch (...) {
            fail(std::current_exception());
        }
        if (finished)
            complete();
        return !finished;
    }

    /// Runs one recur at `tyme` (hio: `dog.send(tyme)`). Returns the tock the doer asks for
    /// next, or nullopt when it has finished (clean and exit have run) or is not running.
    /// An exception from recur runs abort and exit (exit alone for hio::Interrupt), then
    /// propagates.
    std::optional<double> send(double tyme) {
        if (!running_)
            return std::nullopt;
        double next_tock = tock_;
        bool finished = false;
        idle_request_ = no_idle_request;  // a request counts for the run that makes it
        try {
            if (custom_dog_) {
                finished = dog_send(tyme, next_tock);
            } else {
                const bool result = recur(tyme);
                done_ = result ? done_true : done_false;
                finished = result && !persistent_;
                next_tock = tock_;  // as hio reads self.tock at the yield: recur may change it
            }
        } catch (...) {
            fail(std::current_exception());
        }
        if (finished) {
            complete();
            return std::nullopt;
        }
        return next_tock;
    }

    /// Forces the doer to stop (hio: `dog.close()`): runs close then exit and sets done false.
    /// Does nothing when the doer is not running.
    void halt() noexcept {
        if (!running_)
            return;
        running_ = false;
        close();
        exit();
        release_number();
        done_ = done_false;
    }

    /// Asks the scheduler running this doer to run it in its next pass even if it is not due,
    /// and wakes the schedulers above it. I/O transports call this when a socket becomes
    /// ready, so a doer with a long tock still answers at once. A woken doer's own schedule
    /// is kept: with tock > 0 its next retyme does not move. Does nothing when not running.
    void wake() noexcept {
        if (owner_ != nullptr && slot_ != detail::no_slot)
            owner_->wake(*this);
    }

    /// A handle that wakes this doer and, unlike a `Doer*`, wakes nobody once the doer is
    /// destroyed (see Waker). I/O objects keep one for the doer that runs them. The first call
    /// allocates the handle's cell (std::bad_alloc); later calls share it.
    [[nodiscard]] Waker waker();

    /// Called once, in run order, when a graceful shutdown begins (SIGINT, SIGTERM or
    /// Doist::request_stop() with a grace period). Return true to keep running until recur
    /// returns true (draining connections, flushing files); such a doer is aborted with
    /// hio::ShutdownTimeout if the grace period ends first. The default returns false: the doer
    /// is closed at once.
    virtual bool wind_down(double tyme) {
        static_cast<void>(tyme);
        return false;
    }

    /// This doer's own seeded Random, for its noise (jittered retries, random payloads):
    /// forked from its clock's Random (Tymist::random, which DoistOptions::seed or a
    /// sim::World seeds) by the doer's number(), so each doer draws from a stream of its own
    /// and one more draw in one doer does not shift what another draws. A doer gets a new
    /// number, and so a new stream, each time it enters (in enter order: the same program
    /// draws the same numbers); the stream lives until the doer exits. Hides Tymee::random(),
    /// the clock's shared stream. Throws hio::Error before the doer is wound to a clock.
    [[nodiscard]] Random& random() const {
        if (tymist() == nullptr)
            throw Error{"Doer: random() used before the doer entered (or was wound to a Tymist)"};
        if (number_ == 0)
            number_ = tymist()->number_doer();  // wound by hand, not entered
        return tymist()->stream(number_);
    }

    /// The doer's number on its clock: 1, 2, ... in the order doers entered there (a new one at
    /// each enter), 0 before it first entered and after it exited.
    [[nodiscard]] std::uint32_t number() const noexcept { return number_; }

    /// A number a Tracer gave this doer when it last entered (0: none); see hio::Tracer.
    [[nodiscard]] std::uint32_t trace_id() const noexcept { return trace_id_; }
    /// Sets the number (a Tracer does, from Tracer::ran with `entering`).
    void trace_id(std::uint32_t value) noexcept { trace_id_ = value; }

    /// Throws `error` into the running doer (hio: `dog.throw(ex)`): runs abort and exit, then
    /// rethrows. Does nothing when the doer is not running.
    void raise(std::exception_ptr error) {
        if (!running_)
            return;
        fail(std::move(error));
    }

protected:
    /// Tag for subclasses that implement the dog protocol themselves (CoDoer).
    struct CustomDog {};
    /// A doer whose subclass drives the dog protocol itself (dog_enter, dog_send).
    Doer(double tock, CustomDog) : Doer{tock} { custom_dog_ = true; }

    /// Runs once when the doer starts. May call `done(true)` to finish before any recur.
    virtual void enter() {}

    /// Runs once per tock at `tyme`; returning true finishes the doer. The default runs forever.
    virtual bool recur(double tyme) {
        static_cast<void>(tyme);
        return false;
    }

    /// Runs after recur returned true (normal completion), before exit.
    virtual void clean() {}

    /// Runs when the doer is stopped by force, before exit.
    virtual void close() noexcept {}

    /// Runs when an exception left enter or recur, before exit; the exception then propagates.
    virtual void abort(std::exception_ptr error) noexcept { static_cast<void>(error); }

    /// Runs last, always: after clean, close or abort.
    virtual void exit() noexcept {}

    /// Sets the done flag; from enter, `done(true)` finishes the doer at once (hio: self.done).
    void done(bool value) noexcept { done_ = value ? done_true : done_false; }

    /// From recur: this doer has nothing to do before `tyme` unless woken (beyond hio). Its
    /// next run is the first pass at or after `tyme` (on its own tock grid when tock > 0), or
    /// the pass after a wake(), whichever comes first; the request lasts for that one wait,
    /// so a doer that stays idle asks again each run. I/O doers idle until their next
    /// deadline (a timeout) and are woken by readiness: a Doist whose doers all idle skips the
    /// passes in between and, in real time, sleeps until the earliest deadline instead of
    /// waking every tock. A doer that never asks is scheduled exactly as in hio. Throws
    /// ValidationError for a NaN tyme.
    void idle_until(double tyme) {
        if (tyme != tyme)
            throw ValidationError{"Doer: idle_until tyme must not be NaN"};
        idle_request_ = tyme;
    }

    /// From recur: nothing to do until woken (idle_until() with no deadline).
    void idle() noexcept { idle_request_ = std::numeric_limits<double>::infinity(); }

    /// From recur: cancels an idle request made earlier in this run (by a base class's recur,
    /// say), so the doer is scheduled by its tock alone.
    void stay_awake() noexcept { idle_request_ = no_idle_request; }

    /// True for a doer that keeps running while done (hio's DoDoer `always`). Read at begin.
    [[nodiscard]] virtual bool persistent() const noexcept { return false; }

    /// Lets a persistent doer finish the next time recur returns true (used when winding down).
    void stop_persisting() noexcept { persistent_ = false; }

private:
    friend class detail::Scheduler;
    friend struct detail::DoerAccess;  // compile-time groups (dodoer_of.hpp)

    static constexpr double no_idle_request = -std::numeric_limits<double>::infinity();

    static constexpr std::int8_t done_none = -1;
    static constexpr std::int8_t done_false = 0;
    static constexpr std::int8_t done_true = 1;

    /// For CustomDog subclasses: the enter step; returns true when finished (done set).
    virtual bool dog_enter() { return false; }
    /// For CustomDog subclasses: one send; returns true when finished, else sets `next_tock`.
    virtual bool dog_send(double tyme, double& next_tock) {
        static_cast<void>(tyme);
        static_cast<void>(next_tock);
        return true;
    }

    // Normal completion: clean, then exit always. An exception from clean still runs exit.
    void complete() {
        running_ = false;
        try {
            clean();
        } catch (...) {
            exit();
            release_number();
            throw;
        }
        exit();
        release_number();
    }

    // An exception left enter or recur: abort and exit (exit only for Interrupt), rethrow.
    [[noreturn]] void fail(std::exception_ptr error) {
        running_ = false;
        done_ = done_false;
        try {
            std::rethrow_exception(error);
        } catch (const Interrupt&) {
            exit();
            release_number();
            throw;
        } catch (...) {
            abort(error);
            exit();
            release_number();
            throw;
        }
    }

    // After exit: the doer's random stream goes back to its clock.
    void release_number() noexcept {
        if (number_ != 0 && tymist() != nullptr)
            tymist()->release_stream(number_);
        number_ = 0;
    }

    // Ordered, and the flags packed, so that no padding is left: sizeof(Doer) is 64 bytes.
    double tock_;
    detail::Membership* owner_ = nullptr;   // the scheduler that lists or runs this doer
    detail::WakeCell* wake_cell_ = nullptr;  // shared with its Wakers, cleared at destruction
    double idle_request_ = no_idle_request;  // idle_until() of the current run, if any
    std::uint32_t slot_ = detail::no_slot;  // its live deed in that scheduler
    std::uint32_t trace_id_ = 0;
    mutable std::uint32_t number_ = 0;  // its number on its clock (random()'s stream); 0: none
    std::int8_t done_ = done_none;
    bool running_ : 1 = false;
    bool persistent_ : 1 = false;
    bool member_ : 1 = false;  // listed in the owner's doers
    bool custom_dog_ : 1 = false;
    bool idling_ : 1 = false;  // set by the scheduler while the deed waits idle
};

namespace detail {
/// What a doer's Wakers share: the doer (null once destroyed) and how many hold it.
struct WakeCell {
    Doer* doer;
    std::size_t holders;  // Wakers, plus one for the doer while it lives
};

inline void release(WakeCell* cell) noexcept {
    if (cell != nullptr && --cell->holders == 0)
        delete cell;
}
}  // namespace detail

inline Doer::~Doer() {
    if (owner_ != nullptr)
        owner_->forget(*this);
    if (wake_cell_ != nullptr) {
        wake_cell_->doer = nullptr;  // its Wakers wake nobody from now on
        detail::release(wake_cell_);
    }
}

inline Waker Doer::waker() {
    if (wake_cell_ == nullptr)
        wake_cell_ = new detail::WakeCell{this, 1};
    ++wake_cell_->holders;
    return Waker{wake_cell_};
}

inline Waker::Waker(detail::WakeCell* cell) noexcept : cell_{cell} {}

inline Waker::Waker(const Waker& other) noexcept : cell_{other.cell_} {
    if (cell_ != nullptr)
        ++cell_->holders;
}

inline Waker& Waker::operator=(const Waker& other) noexcept {
    if (other.cell_ != nullptr)
        ++other.cell_->holders;
    detail::release(cell_);
    cell_ = other.cell_;
    return *this;
}

inline Waker& Waker::operator=(Waker&& other) noexcept {
    if (this != &other) {
        detail::release(cell_);
        cell_ = other.cell_;
        other.cell_ = nullptr;
    }
    return *this;
}

inline void Waker::wake() const noexcept {
    if (cell_ != nullptr && cell_->doer != nullptr)
        cell_->doer->wake();
}

inline Doer* Waker::doer() const noexcept { return cell_ != nullptr ? cell_->doer : nullptr; }

inline void Waker::reset() noexcept {
    detail::release(cell_);
    cell_ = nullptr;
}

}  // namespace hio
