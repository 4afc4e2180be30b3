#pragma once
/// \file
/// TimedHeap: a min-heap of entries on their due tyme, with at most one live entry per item
/// and stale entries dropped or requeued as they surface. Internal.
///
/// The scheduler keeps its waiting deeds in one, a stream server its connections' timeouts,
/// the simulation its calendar. Their items' deadlines move often and mostly later (a woken
/// doer, a connection that moved a byte), and re-sorting a heap on every move would cost a
/// heap operation per event. Instead each item records the due tyme of its one live entry
/// (`queued_at`): a later deadline pushes nothing (the live entry, when it surfaces, finds the
/// deadline moved and requeues it there), an earlier one pushes a new entry that supersedes
/// the old (which surfaces stale and is dropped), and an item that goes away leaves entries
/// that its lookup no longer finds. The model: asio's `detail/timer_queue.hpp`, which keeps
/// each timer's heap index in the timer.
///
/// `Entry` has a `double due` member (and whatever names its item); `Later(a, b)` is true
/// when `a` comes after `b` (by `due`; a calendar breaks ties with a sequence number).

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <vector>

namespace hio::detail {

/// Orders entries by `due` alone.
struct LaterDue {
    template <class Entry>
    bool operator()(const Entry& a, const Entry& b) const noexcept {
        return a.due > b.due;
    }
};

/// A min-heap of `Entry` (see the file comment).
template <class Entry, class Later = LaterDue>
class TimedHeap {
public:
    /// The due tyme an item records when it has no live entry.
    static constexpr double none = std::numeric_limits<double>::infinity();

    /// Adds `entry`, whatever else is queued.
    void push(const Entry& entry) {
        heap_.push_back(entry);
        std::push_heap(heap_.begin(), heap_.end(), Later{});
    }

    /// Adds `entry` as its item's live entry unless that item has one due at or before it
    /// (`queued_at`, the item's record, is then left alone: that entry requeues the item when
    /// it surfaces early). Returns whether it pushed.
    bool push_live(const Entry& entry, double& queued_at) {
        if (queued_at <= entry.due)
            return false;
        push(entry);
        queued_at = entry.due;
        return true;
    }

    /// True when nothing is queued, live or stale.
    [[nodiscard]] bool empty() const noexcept { return heap_.empty(); }
    /// Entries queued, live and stale.
    [[nodiscard]] std::size_t size() const noexcept { return heap_.size(); }
    /// The earliest entry (live or stale); the heap must not be empty.
    [[nodiscard]] const Entry& top() const noexcept { return heap_.front(); }

    /// Removes the earliest entry and returns it; the heap must not be empty.
    Entry take() noexcept {
        std::pop_heap(heap_.begin(), heap_.end(), Later{});
        const Entry entry = heap_.back();
        heap_.pop_back();
        return entry;
    }

    /// Takes the next live entry due by `tyme` into `out`, dropping the stale ones before it;
    /// false when none is due. `queued_at(entry)` returns a pointer to the record of the
    /// entry's item, or nullptr when the item is gone; the entry is live when that record
    /// equals its due. The taken entry's record is reset to `none`.
    template <class QueuedAt>
    bool pop_due(double tyme, QueuedAt&& queued_at, Entry& out) {
        while (!heap_.empty() && heap_.front().due <= tyme) {
            const Entry entry = take();
            double* record = queued_at(entry);
            if (record == nullptr || *record != entry.due)
                continue;  // its item is gone, or a later push superseded it
            *record = none;
            out = entry;
            return true;
        }
        return false;
    }

    /// The due tyme of the earliest live entry whose item is really due then, or `none`.
    /// Stale entries on top are dropped; a live one whose item's deadline (`deadline(entry)`)
    /// moved later is requeued at it (or dropped, for an infinite deadline), as `requeue`
    /// would: through push_live with the item's record.
    template <class QueuedAt, class Deadline, class Requeue>
    double next_due(QueuedAt&& queued_at, Deadline&& deadline, Requeue&& requeue) {
        while (!heap_.empty()) {
            const Entry& top_entry = heap_.front();
            double* record = queued_at(top_entry);
            if (record != nullptr && *record == top_entry.due) {
                const double due = deadline(top_entry);
                if (due <= top_entry.due)
                    return top_entry.due;
                const Entry moved = take();
                *record = none;
                if (!std::isinf(due))
                    requeue(moved, due);
                continue;
            }
            take();  // stale
        }
        return none;
    }

    /// Forgets every entry; the items' records must be reset to `none` by their owner.
    void clear() noexcept { heap_.clear(); }

private:
    std::vector<Entry> heap_;
};

}  // namespace hio::detail
