#pragma once
/// \file
/// The deed engine shared by Doist and DoDoer. Internal: may change any day.
///
/// hio keeps running doers ("deeds") in a deque and, every pass, pops each one, runs it if its
/// retyme has come, and appends it again. The order of the deque is the order doers run in and
/// the reverse of the order they are closed in, and every deed costs work on every pass.
///
/// This engine reproduces that order exactly while touching only the deeds that are due:
/// - every deed has a place in one doubly linked list, the deque's order, with a 64-bit label
///   that increases along it (labels are re-spaced when an insertion finds no gap);
/// - deeds expected to be due on the next pass sit in `ready_`, sorted by label; the others wait
///   in a min-heap on retyme, `timed_`, and cost nothing until they are due;
/// - a pass merges the due ones by label and runs them in that order.
/// A doer added while a pass runs goes where hio's deque would put it: just before the deed
/// being run. An exception that interrupts a pass leaves a marker at the interrupted place, so
/// the forced close that follows walks the deeds in hio's (rotated) order.
/// Removed or destroyed deeds are dropped lazily: entries carry the slot's generation.
///
/// Beyond hio, a deed may wait idle (Doer::idle_until): its retyme moves to the first pass at or
/// after the tyme asked for (on its tock grid), or to infinity ("parked": in no list, until a
/// wake). A deed has at most one live heap entry (`Slot::heap_at`); an entry that finds its
/// deed's retyme moved later re-queues it there, so idle deeds that are woken and idle again
/// do not grow the heap. `next_due()` tells a Doist when the next deed is due, so that it can
/// skip passes in which none is.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include <hio/detail/membership.hpp>
#include <hio/detail/slab.hpp>
#include <hio/detail/timed_heap.hpp>
#include <hio/doer.hpp>
#include <hio/error.hpp>
#include <hio/trace.hpp>
#include <hio/tymist.hpp>

namespace hio::detail {

/// Decides what happens when a doer run by a Scheduler throws (DoDoer's failure policies).
class FailureSink {
public:
    /// `doer` has already aborted and exited. Return true to go on with its siblings, false to
    /// let the exception propagate (hio's behaviour).
    virtual bool on_failure(Doer& doer, std::exception_ptr error, double tyme) = 0;

protected:
    FailureSink() = default;
    FailureSink(const FailureSink&) = default;
    FailureSink& operator=(const FailureSink&) = default;
    ~FailureSink() = default;
};

using hio::DeedView;

// The retyme of a deed that asked to idle until `until`: the first pass at or after it, on
// the deed's own grid when tock > 0 (`natural` is its next retyme without idling).
inline double idle_retyme(double natural, double tock, double until) noexcept {
    if (std::isinf(until))
        return until;
    if (tock <= 0.0)
        return std::max(natural, until);
    // retyme += tock, as every pass in between would have done, within a bound.
    for (int step = 0; natural < until && step < 4096; ++step)
        natural += tock;
    if (natural < until)
        natural += std::ceil((until - natural) / tock) * tock;
    return natural;
}

// True for hio::Interrupt (which no failure policy absorbs).
inline bool is_interrupt(const std::exception_ptr& error) noexcept {
    try {
        std::rethrow_exception(error);
    } catch (const Interrupt&) {
        return true;
    } catch (...) {
        return false;
    }
}

class Scheduler final : public Membership {
public:
    /// `component` names the owner in error messages ("Doist", "DoDoer").
    explicit Scheduler(const char* component) noexcept : component_{component}, slots_{component} {}

    Scheduler(const Scheduler&) = delete;
    Scheduler& operator=(const Scheduler&) = delete;

    ~Scheduler() {
        exit();
        for (Doer* doer : doers_) {
            doer->owner_ = nullptr;
            doer->member_ = false;
        }
    }

    /// The listed doers, in the order they were added (hio: .doers).
    [[nodiscard]] const std::vector<Doer*>& doers() const noexcept { return doers_; }

    /// Number of running doers (hio: len(deeds)).
    [[nodiscard]] std::size_t deed_count() const noexcept { return live_; }

    /// True while a pass is running.
    [[nodiscard]] bool in_pass() const noexcept { return current_ != no_slot; }

    /// True between enter() and exit().
    [[nodiscard]] bool active() const noexcept { return active_; }

    /// The running doers in hio's deque order, with their retymes.
    [[nodiscard]] std::vector<DeedView> deeds() const {
        std::vector<DeedView> out;
        out.reserve(live_);
        for (std::uint32_t at = head_; at != no_slot; at = links_[at].next)
            if (slots_[at].doer != nullptr)
                out.push_back({slots_[at].doer, slots_[at].retyme});
        return out;
    }

    /// Replaces the listed doers (hio: do(doers=...)). Throws hio::Error while doers run.
    void assign(const std::vector<Doer*>& doers) {
        if (live_ != 0)
            throw Error{std::string{component_} + ": cannot replace doers while doers are running"};
        for (Doer* doer : doers_) {
            doer->member_ = false;
            doer->owner_ = nullptr;
        }
        doers_.clear();
        for (Doer* doer : doers)
            add_member(doer);
    }

    /// Enters every listed doer in order at `tymist`'s tyme (hio: enter()). A doer that
    /// finishes during enter gets no deed. An exception propagates after the doer aborted,
    /// unless `sink` takes it; deeds already made stay (exit() closes them).
    void enter(const Tymist& tymist, FailureSink* sink = nullptr) {
        reject_in_pass("enter");
        if (live_ != 0)
            throw Error{std::string{component_} + ": enter() while doers are running; exit() first"};
        clock_ = &tymist;
        active_ = true;
        // Copy: a doer's enter may extend or remove.
        const std::vector<Doer*> doers = doers_;
        for (Doer* doer : doers)
            if (doer->member_ && doer->owner_ == this)
                start(*doer, sink);
    }

    /// Lists new doers and, once entered, enters them now (hio: extend). Doers already listed
    /// are skipped. Throws ValidationError for a null doer or one another scheduler holds.
    void extend(const std::vector<Doer*>& doers, FailureSink* sink = nullptr) {
        for (Doer* doer : doers) {
            if (doer == nullptr)
                throw ValidationError{std::string{component_} + ": extend: null doer"};
            if (doer->owner_ != nullptr && doer->owner_ != this)
                throw ValidationError{std::string{component_} +
                                      ": extend: the doer belongs to another scheduler; remove it there first"};
        }
        for (Doer* doer : doers) {
            if (doer->member_)
                continue;  // already listed (hio drops duplicates)
            const bool has_deed = doer->slot_ != no_slot;
            add_member(doer);
            if (active_ && !has_deed)
                start(*doer, sink);
        }
    }

    /// Unlists `doers` and force-closes their deeds (hio: remove). Doers not listed here are
    /// ignored. The doer running right now keeps its deed and runs on until it finishes, as in
    /// hio. Closing follows hio's deque order (reverse, rotated at a running pass).
    void remove(const std::vector<Doer*>& doers) {
        std::vector<std::uint32_t> closing;
        for (Doer* doer : doers) {
            if (doer == nullptr || doer->owner_ != this || !doer->member_)
                continue;
            doer->member_ = false;
            doers_.erase(std::find(doers_.begin(), doers_.end(), doer));
            if (doer->slot_ != no_slot && doer->slot_ != current_)
                closing.push_back(doer->slot_);
            else if (doer->slot_ == no_slot)
                doer->owner_ = nullptr;
        }
        close_slots(std::move(closing));
    }

    /// Force-closes the running deeds of `doers` (close then exit) without unlisting them;
    /// hio's deque order, as remove().
    void halt(const std::vector<Doer*>& doers) {
        std::vector<std::uint32_t> closing;
        for (Doer* doer : doers)
            if (doer != nullptr && doer->owner_ == this && doer->slot_ != no_slot && doer->slot_ != current_)
                closing.push_back(doer->slot_);
        close_slots(std::move(closing));
    }

    /// Re-enters a listed doer that is not running (DoDoer's restart policy). Returns false
    /// when the doer is no longer listed here or already runs.
    bool reenter(Doer& doer, FailureSink* sink) {
        if (doer.owner_ != this || !doer.member_ || doer.slot_ != no_slot || clock_ == nullptr)
            return false;
        start(doer, sink);
        return true;
    }

    /// One pass at `tyme` (hio: recur without the tick). Due deeds run in deque order; a deed
    /// that yields tock t > 0 is due next at retyme + t, one that yields 0 at tyme + `asap`.
    /// `horizon` is the tyme of the next pass as far as the caller knows: deeds due by then
    /// stay in the ready list, the rest wait in the heap. Returns true when no deeds remain.
    bool pass(double tyme, double asap, double horizon, FailureSink* sink = nullptr) {
        reject_in_pass("a pass");
        drop_marker();
        collect_due(tyme);
        // due_ does not change during the pass. Deeds that will be due again by `horizon` are
        // compacted in place to its front, due_[0, kept): they stay in deque order and become
        // the next ready list without a copy.
        Ref* const due = due_.data();
        const std::size_t count = due_.size();
        std::size_t kept = 0;
        Tracer* const tracer = clock_ != nullptr ? clock_->tracer() : nullptr;
        for (std::size_t i = 0; i < count; ++i) {
            const Ref ref = due[i];
            Slot& entry = slots_[ref.slot];
            if (entry.gen != ref.gen)
                continue;  // removed or destroyed earlier in this pass
            const bool early = entry.retyme > tyme;
            if (early && !entry.woken) {
                push_timed(ref, entry.retyme);  // expected due, but the tyme moved less than that
                continue;
            }
            entry.woken = false;
            set_idle(entry, false);
            current_ = ref.slot;
            Doer* doer = entry.doer;
            std::optional<double> tock;
            if (tracer != nullptr)
                tracer->ran(*doer, tyme, false);
            try {
                tock = doer->send(tyme);
            } catch (...) {
                const std::exception_ptr error = std::current_exception();
                const bool handled = alive(ref) && !is_interrupt(error) && sink != nullptr &&
                                     sink->on_failure(*doer, error, tyme);
                if (handled) {
                    release(ref.slot);
                    continue;
                }
                interrupt(i, kept, ref);
                throw;
            }
            if (!alive(ref)) {
                // Destroyed during its own recur: its slot was kept for ordering until now.
                current_ = no_slot;
                unlink_free(ref.slot);
                continue;
            }
            if (!tock) {
                release(ref.slot);
                continue;
            }
            Slot& slot = slots_[ref.slot];  // re-read: extend may have grown slots_
            // A woken deed that was not due keeps its periodic schedule.
            double retyme = *tock > 0.0 ? (early ? slot.retyme : slot.retyme + *tock) : tyme + asap;
            const double idle = doer->idle_request_;
            if (idle != Doer::no_idle_request) {
                retyme = idle_retyme(retyme, *tock, idle);
                set_idle(slot, true);
            } else if (std::isinf(retyme)) {
                retyme = tyme + *tock;  // woken out of an endless idle: its period starts again
            }
            slot.retyme = retyme;
            if (retyme <= horizon)
                due[kept++] = ref;
            else if (!std::isinf(retyme))
                push_timed(ref, retyme);
            // else parked: in no list until a wake
        }
        due_.resize(kept);
        next_ready_.swap(due_);
        current_ = no_slot;
        merge_into_ready();
        return live_ == 0;
    }

    /// Force-closes every running doer (hio: exit): reverse deque order, or hio's rotated
    /// order after an interrupted pass. Each runs close then exit and ends with done false.
    void exit() noexcept {
        std::vector<std::uint32_t> closing;
        closing.reserve(live_);
        for (std::uint32_t at = head_; at != no_slot; at = links_[at].next)
            if (slots_[at].doer != nullptr && at != current_)  // a running deed finishes its send
                closing.push_back(at);
        close_slots(std::move(closing));
        if (!in_pass())
            drop_marker();
        ready_.clear();
        timed_.clear();
        for (Slot& slot : slots_.entries())
            slot.heap_at = no_heap_entry;  // a deed still running its send queues itself again
        woken_.clear();
        active_ = false;
    }

    /// Calls `fn(doer)` for every running doer in deque order (a snapshot: `fn` may change
    /// the scheduler).
    template <class Fn>
    void visit(Fn&& fn) {
        std::vector<Ref> refs;
        refs.reserve(live_);
        for (std::uint32_t at = head_; at != no_slot; at = links_[at].next)
            if (slots_[at].doer != nullptr)
                refs.push_back(slots_.ref(at));
        for (const Ref ref : refs)
            if (alive(ref))
                fn(*slots_[ref.slot].doer);
    }

    /// Like exit(), but every running doer is aborted with `reason` (abort then exit) instead
    /// of closed: for doers that outlived a shutdown's grace period.
    void abort_all(const std::exception_ptr& reason) noexcept {
        abort_reason_ = reason;
        exit();
        abort_reason_ = nullptr;
    }

    /// The earliest tyme a deed is due: -infinity when one is woken or expected due in the
    /// next pass, +infinity when every deed waits for a wake (or there is none). With
    /// `count_woken` false, woken deeds are not counted (a Doist catching up on passes that
    /// went by before the wake).
    [[nodiscard]] double next_due(bool count_woken = true) {
        if ((count_woken && !woken_.empty()) || !ready_.empty() || !incoming_.empty())
            return -std::numeric_limits<double>::infinity();
        // Stale entries are dropped; one whose deed's retyme moved later (it idled again) is
        // requeued there.
        return timed_.next_due(heap_record(), [this](const Timed& entry) { return slots_[entry.ref.slot].retyme; },
                               [this](const Timed& entry, double retyme) { push_timed(entry.ref, retyme); });
    }

    /// Entries in the heap of timed deeds, live and stale (a diagnostic: at most about one
    /// per deed).
    [[nodiscard]] std::size_t timed_entries() const noexcept { return timed_.size(); }

    /// True when every running deed waits idle (Doer::idle_until) and none is woken: a
    /// DoDoer may then idle too, until next_due(). False with no deeds.
    [[nodiscard]] bool all_idle() const noexcept { return live_ != 0 && idle_ == live_ && woken_.empty(); }

    /// Who hears about wakes: a DoDoer (wakes itself upward) or a Doist (ends its wait).
    void wake_sink(WakeSink* sink) noexcept { wake_sink_ = sink; }

    /// True when a woken deed waits for the next pass.
    [[nodiscard]] bool has_woken() const noexcept { return !woken_.empty(); }

    void wake(Doer& doer) noexcept override {
        if (doer.owner_ != this || doer.slot_ == no_slot)
            return;
        Slot& slot = slots_[doer.slot_];
        if (slot.woken)
            return;
        try {
            woken_.push_back(slots_.ref(doer.slot_));
        } catch (...) {
            return;  // out of memory: the doer still runs when due
        }
        slot.woken = true;
        if (wake_sink_ != nullptr)
            wake_sink_->on_wake();
    }

    void forget(Doer& doer) noexcept override {
        if (doer.member_) {
            doer.member_ = false;
            doers_.erase(std::find(doers_.begin(), doers_.end(), &doer));
        }
        if (doer.slot_ != no_slot) {
            const std::uint32_t at = doer.slot_;
            doer.slot_ = no_slot;
            slots_[at].doer = nullptr;
            slots_.invalidate(at);
            --live_;
            if (at != current_)  // the running pass unlinks the current slot after its send
                unlink_free(at);
        }
        doer.owner_ = nullptr;
    }

private:
    static constexpr std::uint64_t label_step = std::uint64_t{1} << 32;

    // A deed's state is split in two arrays indexed alike: what every pass reads (Slot) and
    // the deque order, which only insertions, merges and closes use (Link). Keeping the hot
    // part at 24 bytes matters once a million deeds no longer fit in cache.
    struct Slot {
        Doer* doer = nullptr;  // null: free, marker, or forgotten
        double retyme = 0.0;
        double heap_at = std::numeric_limits<double>::infinity();  // its live heap entry, if any
        std::uint32_t gen = 0;  // bumped whenever the slot stops holding a deed: refs go stale
        bool woken = false;     // run in the next pass even if not due
        bool idle = false;      // waits idle (Doer::idle_until)
    };
    struct Link {
        std::uint64_t label = 0;
        std::uint32_t prev = no_slot;
        std::uint32_t next = no_slot;
    };
    using Ref = SlabRef;
    // A deed waiting in the heap until its retyme.
    struct Timed {
        double due;
        Ref ref;
    };

    static constexpr double no_heap_entry = TimedHeap<Timed>::none;

    // The heap's lookup: the record of an entry's live deed (its heap_at), null once it is gone.
    struct HeapRecord {
        Scheduler* self;
        double* operator()(const Timed& entry) const noexcept {
            return self->alive(entry.ref) ? &self->slots_[entry.ref.slot].heap_at : nullptr;
        }
    };
    [[nodiscard]] HeapRecord heap_record() noexcept { return {this}; }

    void set_idle(Slot& slot, bool idle) noexcept {
        if (slot.idle == idle)
            return;
        slot.idle = idle;
        if (idle)
            ++idle_;
        else
            --idle_;
        if (slot.doer != nullptr)
            slot.doer->idling_ = idle;
    }

    // Every change that empties a slot (finish, close, forget, marker, free) bumps its gen, and
    // refs are only made to live deeds, so a matching gen means the deed still runs.
    [[nodiscard]] bool alive(Ref ref) const noexcept { return slots_[ref.slot].gen == ref.gen; }  // slots never shrink

    bool by_label(Ref a, Ref b) const noexcept { return links_[a.slot].label < links_[b.slot].label; }

    void reject_in_pass(const char* what) const {
        if (in_pass())
            throw Error{std::string{component_} + ": " + what + " cannot start inside its own pass"};
    }

    void add_member(Doer* doer) {
        doers_.push_back(doer);
        doer->member_ = true;
        doer->owner_ = this;
    }

    // Enters `doer` and gives it a deed unless it finished during enter.
    void start(Doer& doer, FailureSink* sink) {
        bool running = false;
        if (Tracer* const tracer = clock_->tracer())
            tracer->ran(doer, clock_->tyme(), true);
        try {
            running = doer.begin(*clock_);
        } catch (...) {
            if (is_interrupt(std::current_exception()) || sink == nullptr ||
                !sink->on_failure(doer, std::current_exception(), clock_->tyme()))
                throw;
        }
        if (running)
            make_deed(doer, clock_->tyme());
    }

    void make_deed(Doer& doer, double retyme) {
        const std::uint32_t at = slots_.acquire();
        if (at == links_.size()) {
            try {
                links_.emplace_back();
            } catch (...) {
                slots_.release(at);
                throw;
            }
        }
        Slot& slot = slots_[at];
        slot.doer = &doer;
        slot.retyme = retyme;
        doer.slot_ = at;
        doer.owner_ = this;
        ++live_;
        if (in_pass()) {
            // hio appends to the deque while the current deed is popped: the new deed lands
            // just before the current one and first runs on the next pass.
            link_before(at, current_);
            incoming_.push_back(slots_.ref(at));
        } else {
            link_before(at, no_slot);
            ready_.push_back(slots_.ref(at));
        }
    }

    // Links `at` before `next` (no_slot: at the tail) and gives it a label between neighbours.
    void link_before(std::uint32_t at, std::uint32_t next) {
        const std::uint32_t prev = next == no_slot ? tail_ : links_[next].prev;
        links_[at].prev = prev;
        links_[at].next = next;
        (prev == no_slot ? head_ : links_[prev].next) = at;
        (next == no_slot ? tail_ : links_[next].prev) = at;
        if (!assign_label(at))
            relabel();
    }

    bool assign_label(std::uint32_t at) noexcept {
        const Link& link = links_[at];
        const std::uint64_t low = link.prev == no_slot ? 0 : links_[link.prev].label;
        if (link.next == no_slot) {
            if (low > UINT64_MAX - label_step)
                return false;
            links_[at].label = low + label_step;
            return true;
        }
        const std::uint64_t high = links_[link.next].label;
        if (high - low < 2)
            return false;
        links_[at].label = low + (high - low) / 2;
        return true;
    }

    // Re-spaces every label evenly; the order, and so every sorted list, is unchanged.
    void relabel() noexcept {
        std::uint64_t label = 0;
        for (std::uint32_t at = head_; at != no_slot; at = links_[at].next)
            links_[at].label = (label += label_step);
    }

    void unlink_free(std::uint32_t at) noexcept {
        Link& link = links_[at];
        (link.prev == no_slot ? head_ : links_[link.prev].next) = link.next;
        (link.next == no_slot ? tail_ : links_[link.next].prev) = link.prev;
        link.prev = link.next = no_slot;
        Slot& slot = slots_[at];
        set_idle(slot, false);
        slot.doer = nullptr;
        slot.woken = false;
        slot.heap_at = no_heap_entry;
        slots_.release(at);
    }

    // The deed at `at` is over (finished, closed, aborted): free the slot.
    void release(std::uint32_t at) noexcept {
        Doer* doer = slots_[at].doer;
        doer->slot_ = no_slot;
        if (!doer->member_)
            doer->owner_ = nullptr;
        --live_;
        unlink_free(at);
    }

    // Queues the deed in the heap at `retyme`, unless an entry at or before it is there already
    // (that entry requeues the deed when it pops and finds it not yet due).
    void push_timed(Ref ref, double retyme) { timed_.push_live({retyme, ref}, slots_[ref.slot].heap_at); }

    // Fills due_ with the deeds whose retyme may have come, in deque order. The pass skips
    // the dead and the not yet due among them.
    void collect_due(double tyme) {
        due_.clear();
        if (woken_.empty() && (timed_.empty() || timed_.top().due > tyme)) {
            due_.swap(ready_);  // the common case: nothing woke up, so no merge is needed
            return;
        }
        for (const Ref ref : ready_) {
            if (!alive(ref))
                continue;
            const double retyme = slots_[ref.slot].retyme;
            if (retyme <= tyme)
                due_.push_back(ref);
            else
                push_timed(ref, retyme);  // the tyme moved less than expected
        }
        ready_.clear();
        popped_.clear();
        for (const Ref ref : woken_)
            if (alive(ref))
                popped_.push_back(ref);
        woken_.clear();
        Timed timed{};
        while (timed_.pop_due(tyme, heap_record(), timed)) {
            const Slot& slot = slots_[timed.ref.slot];
            // A woken deed may have run early and been rescheduled, or idled again: requeue it
            // at its retyme (parked deeds wait for a wake).
            if (slot.retyme <= tyme)
                popped_.push_back(timed.ref);
            else if (!std::isinf(slot.retyme))
                push_timed(timed.ref, slot.retyme);
        }
        if (popped_.empty())
            return;
        const auto order = [this](Ref a, Ref b) { return by_label(a, b); };
        std::sort(popped_.begin(), popped_.end(), order);
        merged_.clear();
        std::merge(due_.begin(), due_.end(), popped_.begin(), popped_.end(), std::back_inserter(merged_),
                   order);
        // A woken deed can also be ready or timed: run it once.
        merged_.erase(std::unique(merged_.begin(), merged_.end(),
                                  [](Ref a, Ref b) { return a.slot == b.slot; }),
                      merged_.end());
        due_.swap(merged_);
    }

    // After a pass: the next ready list is what stayed due plus what was added meanwhile.
    void merge_into_ready() {
        if (incoming_.empty()) {
            ready_.swap(next_ready_);
        } else {
            // A stale entry's slot may hold a newer deed with another label: drop stale ones
            // first, or the merge would see unsorted input.
            const auto stale = [this](Ref ref) { return !alive(ref); };
            std::erase_if(next_ready_, stale);
            std::erase_if(incoming_, stale);
            ready_.clear();
            std::merge(next_ready_.begin(), next_ready_.end(), incoming_.begin(), incoming_.end(),
                       std::back_inserter(ready_), [this](Ref a, Ref b) { return by_label(a, b); });
        }
        next_ready_.clear();
        incoming_.clear();
    }

    // An exception left deed i of the pass. hio leaves its marker in the deque there: the
    // failed deed's slot stays linked as that marker, so a forced close walks hio's rotated
    // order. The deeds not yet run stay ready for later passes.
    void interrupt(std::size_t i, std::size_t kept, Ref ref) {
        current_ = no_slot;
        Slot& slot = slots_[ref.slot];
        if (slot.gen == ref.gen && slot.doer != nullptr) {
            Doer* doer = slot.doer;
            doer->slot_ = no_slot;
            if (!doer->member_)
                doer->owner_ = nullptr;
            --live_;
            slot.doer = nullptr;
            slots_.invalidate(ref.slot);
        }
        marker_ = ref.slot;
        // due_[0, kept) already ran and stay ready; due_[i + 1, end) have not run yet.
        std::vector<Ref> not_run(due_.begin() + static_cast<std::ptrdiff_t>(i) + 1, due_.end());
        due_.resize(kept);
        next_ready_.swap(due_);
        merge_into_ready();
        // Their labels exceed every label already in ready_, so ready_ stays sorted.
        for (const Ref later_ref : not_run)
            if (alive(later_ref))
                ready_.push_back(later_ref);
    }

    void drop_marker() noexcept {
        if (marker_ == no_slot)
            return;
        unlink_free(marker_);
        marker_ = no_slot;
    }

    // Closes the deeds at `slots` in hio's order: the part of the deque behind the pivot
    // (marker or running deed) right to left, then the part in front of it, right to left.
    void close_slots(std::vector<std::uint32_t> closing) noexcept {
        const std::uint32_t pivot = in_pass() ? current_ : marker_;
        const std::uint64_t pivot_label = pivot == no_slot ? UINT64_MAX : links_[pivot].label;
        std::sort(closing.begin(), closing.end(), [&](std::uint32_t a, std::uint32_t b) {
            const bool a_front = links_[a].label > pivot_label;
            const bool b_front = links_[b].label > pivot_label;
            if (a_front != b_front)
                return b_front;
            return links_[a].label > links_[b].label;
        });
        std::vector<Ref> refs;
        refs.reserve(closing.size());
        for (std::uint32_t at : closing)
            refs.push_back(slots_.ref(at));
        for (const Ref ref : refs) {
            if (!alive(ref))
                continue;  // a close earlier in this loop removed or destroyed it
            Doer* doer = slots_[ref.slot].doer;
            release(ref.slot);
            if (abort_reason_) {
                try {
                    doer->raise(abort_reason_);
                } catch (...) {  // raise() rethrows the reason by design; it is not news here
                }
            } else {
                doer->halt();
            }
        }
    }

    const char* component_;
    const Tymist* clock_ = nullptr;
    std::vector<Doer*> doers_;
    Slab<Slot> slots_;          // the deeds, at their Doer::slot_
    std::vector<Link> links_;   // the deque order, indexed like slots_
    std::vector<Ref> ready_;       // expected due next pass, by label
    std::vector<Ref> next_ready_;  // built during a pass
    std::vector<Ref> incoming_;    // entered during a pass, by label
    std::vector<Ref> due_;
    std::vector<Ref> popped_;
    std::vector<Ref> merged_;
    TimedHeap<Timed> timed_;       // deeds waiting for their retyme
    std::vector<Ref> woken_;       // woken since the last pass, in wake order
    WakeSink* wake_sink_ = nullptr;
    std::uint32_t head_ = no_slot;
    std::uint32_t tail_ = no_slot;
    std::uint32_t current_ = no_slot;
    std::uint32_t marker_ = no_slot;
    std::exception_ptr abort_reason_;
    std::size_t live_ = 0;
    std::size_t idle_ = 0;  // deeds waiting idle
    bool active_ = false;
};

}  // namespace hio::detail
