#pragma once
/// \file
/// ThreadDeck: a bounded queue that threads push into and one doer pulls from, whose push wakes
/// that doer. The sanctioned way for another thread (a worker, a pool, a library's callback
/// thread) to hand work to a Doist: doers themselves are not thread-safe.

#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include <hio/doer.hpp>
#include <hio/doorbell.hpp>
#include <hio/error.hpp>

namespace hio {

/// A bounded multi-producer queue with one consuming doer (hio's Deck, across threads).
///
/// Any thread may push(); a push that finds the deck full returns false and takes nothing
/// (back pressure: the producer decides to wait, drop or refuse), never grows it. The consumer
/// doer calls `wake_on_push(*this)` once it runs under a Doist (in its enter()); from then on
/// each push wakes it in its Doist's next wake pass, where it pulls on its own thread.
///
/// ```
/// hio::ThreadDeck<Job> inbox{1024};
/// // the consumer doer:  void enter() override { inbox.wake_on_push(*this); }
/// //                     bool recur(double) override { while (auto job = inbox.pull()) ...; idle(); return false; }
/// // any thread:         if (!inbox.push(job)) ...full...
/// ```
template <class T>
class ThreadDeck {
public:
    /// A deck holding at most `capacity` items. Throws ValidationError for 0.
    explicit ThreadDeck(std::size_t capacity) : capacity_{capacity} {
        if (capacity_ == 0)
            throw ValidationError{"ThreadDeck: capacity must be >= 1"};
    }

    ThreadDeck(const ThreadDeck&) = delete;
    ThreadDeck& operator=(const ThreadDeck&) = delete;

    /// Any thread: appends `item` and wakes the consumer; false (item not taken) when full.
    bool push(T item) {
        Doorbell::Ringer ringer;
        {
            std::lock_guard lock{mutex_};
            if (items_.size() >= capacity_)
                return false;
            items_.push_back(std::move(item));
            ringer = ringer_;
        }
        ringer.ring();
        return true;
    }

    /// The consumer's thread: the oldest item, or nullopt when empty.
    std::optional<T> pull() {
        std::lock_guard lock{mutex_};
        if (items_.empty())
            return std::nullopt;
        std::optional<T> item{std::move(items_.front())};
        items_.pop_front();
        return item;
    }

    /// Makes each push wake `consumer` (which runs under a Doist: call it in enter()). Wakes it
    /// once now when items wait already. Throws hio::Error when it runs under no Doist.
    void wake_on_push(Doer& consumer) {
        Doorbell bell{consumer};
        Doorbell::Ringer ringer = bell.ringer();
        bool waiting = false;
        {
            std::lock_guard lock{mutex_};
            ringer_ = ringer;
            waiting = !items_.empty();
        }
        bell_ = std::move(bell);
        if (waiting)
            ringer.ring();
    }

    /// The consumer's thread: pushes wake nobody from now on (its exit()).
    void stop_waking() noexcept {
        {
            std::lock_guard lock{mutex_};
            ringer_ = {};
        }
        bell_.reset();
    }

    /// Items waiting now (a snapshot: other threads may push meanwhile).
    [[nodiscard]] std::size_t size() const {
        std::lock_guard lock{mutex_};
        return items_.size();
    }
    /// The most it holds.
    [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

private:
    const std::size_t capacity_;
    mutable std::mutex mutex_;
    std::deque<T> items_;       // guarded by mutex_
    Doorbell::Ringer ringer_;   // guarded by mutex_
    Doorbell bell_;             // the consumer's thread
};

}  // namespace hio
