#pragma once
/// \file
/// Doorbell: how another thread wakes a doer. A Doist is one thread and its doers are not
/// thread-safe; a doer that waits for work from a thread (a pool's result, a hand-off from
/// another Doist) gives that thread a Doorbell::Ringer, and a ring wakes the doer in the Doist's
/// next wake pass, on the Doist's own thread. hio::ThreadDeck and hio::Offload are built on it.

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include <hio/doer.hpp>
#include <hio/error.hpp>
#include <hio/tymist.hpp>

namespace hio {

namespace detail {

/// A Doist's end of its doorbells: which rang since it last looked. Shared by the Doist and
/// every Ringer, so a ring after the Doist is gone finds it closed and does nothing.
class DoorbellHub {
public:
    /// `alarm` is called (from the ringing thread, under the hub's lock) at each ring while the
    /// hub is open: it makes the Doist's wait end (Doist::request_wake()).
    explicit DoorbellHub(std::function<void()> alarm) : alarm_{std::move(alarm)} {}

    /// Any thread: marks bell `slot` of `generation` rung and sounds the alarm.
    void ring(std::size_t slot, std::uint64_t generation) noexcept {
        std::lock_guard lock{mutex_};
        if (closed_)
            return;
        try {
            rung_.emplace_back(slot, generation);
        } catch (...) {
            return;  // out of memory: the doer runs at its own next due tyme
        }
        pending_.store(true, std::memory_order_release);
        if (alarm_)
            alarm_();
    }

    /// The Doist's thread: wakes the doers whose bells rang; true when any did.
    bool deliver() {
        if (!pending_.load(std::memory_order_acquire))
            return false;
        std::vector<std::pair<std::size_t, std::uint64_t>> rung;
        {
            std::lock_guard lock{mutex_};
            rung.swap(rung_);
            pending_.store(false, std::memory_order_relaxed);
        }
        bool woke = false;
        for (const auto& [slot, generation] : rung) {
            if (slot < bells_.size() && bells_[slot].generation == generation && bells_[slot].waker) {
                bells_[slot].waker.wake();
                woke = true;
            }
        }
        return woke;
    }

    /// The Doist's thread: a bell for `waker`'s doer; returns its slot and generation.
    std::pair<std::size_t, std::uint64_t> add(Waker waker) {
        std::size_t slot = bells_.size();
        if (!free_.empty()) {
            slot = free_.back();
            free_.pop_back();
        } else {
            bells_.emplace_back();
        }
        bells_[slot].waker = std::move(waker);
        return {slot, bells_[slot].generation};
    }

    /// The Doist's thread: retires a bell; a ring of it from now on wakes nobody.
    void remove(std::size_t slot) noexcept {
        if (slot >= bells_.size())
            return;
        bells_[slot].waker.reset();
        ++bells_[slot].generation;
        try {
            free_.push_back(slot);
        } catch (...) {
            // The slot is not reused: harmless.
        }
    }

    /// The Doist is going: rings do nothing from now on.
    void close() noexcept {
        std::lock_guard lock{mutex_};
        closed_ = true;
        alarm_ = nullptr;
    }

private:
    struct Bell {
        Waker waker;
        std::uint64_t generation = 1;
    };

    std::mutex mutex_;
    std::vector<std::pair<std::size_t, std::uint64_t>> rung_;  // guarded by mutex_
    bool closed_ = false;                                        // guarded by mutex_
    std::function<void()> alarm_;                                // guarded by mutex_
    std::atomic<bool> pending_{false};
    std::vector<Bell> bells_;  // the Doist's thread only
    std::vector<std::size_t> free_;
};

}  // namespace detail

/// Wakes one doer from any thread. Made and destroyed on the doer's thread, for a doer that
/// runs under a Doist (directly or in a DoDoer); hands out Ringers to other threads.
///
/// ```
/// hio::Doorbell bell{*this};                     // in the doer's enter()
/// std::thread{[ringer = bell.ringer()] { ...; ringer.ring(); }}.detach();
/// ```
///
/// A ring sets no state of its own: the doer, woken, looks at whatever the other thread left
/// for it (a ThreadDeck, an Offload result) under that thing's own synchronization. Rings
/// after the Doorbell or the Doist is destroyed wake nobody.
class Doorbell {
public:
    /// The thread-safe end: copy it to other threads and ring().
    class Ringer {
    public:
        /// A ringer that wakes nobody.
        Ringer() = default;
        /// Wakes the doer in its Doist's next wake pass. Safe from any thread.
        void ring() const noexcept {
            if (hub_)
                hub_->ring(slot_, generation_);
        }

    private:
        friend class Doorbell;
        Ringer(std::shared_ptr<detail::DoorbellHub> hub, std::size_t slot, std::uint64_t generation) noexcept
            : hub_{std::move(hub)}, slot_{slot}, generation_{generation} {}

        std::shared_ptr<detail::DoorbellHub> hub_;
        std::size_t slot_ = 0;
        std::uint64_t generation_ = 0;
    };

    /// A doorbell that wakes nobody.
    Doorbell() = default;

    /// A doorbell for `doer`, which must run under a Doist (its tymist() is set: call this in
    /// enter() or later). Throws hio::Error otherwise, naming the fix.
    explicit Doorbell(Doer& doer) {
        const Tymist* clock = doer.tymist();
        hub_ = clock != nullptr ? clock->doorbell_hub() : nullptr;
        if (!hub_)
            throw Error{"Doorbell: the doer runs under no Doist (make the Doorbell in enter(), not in a constructor)"};
        std::tie(slot_, generation_) = hub_->add(doer.waker());
    }

    Doorbell(const Doorbell&) = delete;
    Doorbell& operator=(const Doorbell&) = delete;
    /// Takes `other`'s bell, which then wakes nobody.
    Doorbell(Doorbell&& other) noexcept
        : hub_{std::move(other.hub_)}, slot_{other.slot_}, generation_{other.generation_} {}
    /// Retires this bell and takes `other`'s.
    Doorbell& operator=(Doorbell&& other) noexcept {
        if (this != &other) {
            reset();
            hub_ = std::move(other.hub_);
            slot_ = other.slot_;
            generation_ = other.generation_;
        }
        return *this;
    }
    ~Doorbell() { reset(); }

    /// A thread-safe end for another thread.
    [[nodiscard]] Ringer ringer() const { return hub_ ? Ringer{hub_, slot_, generation_} : Ringer{}; }

    /// True while it wakes a doer.
    explicit operator bool() const noexcept { return static_cast<bool>(hub_); }

    /// Retires the bell: its ringers wake nobody from now on.
    void reset() noexcept {
        if (hub_) {
            hub_->remove(slot_);
            hub_.reset();
        }
    }

private:
    std::shared_ptr<detail::DoorbellHub> hub_;
    std::size_t slot_ = 0;
    std::uint64_t generation_ = 0;
};

}  // namespace hio
