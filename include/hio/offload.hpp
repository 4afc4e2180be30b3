#pragma once
/// \file
/// Offload: blocking work off the Doist. A doer submits a callable; a pool thread runs it; its
/// result (or exception) comes back as state the doer reads on a later pass, and its completion
/// wakes the doer. In virtual time the job runs at once, inline, so a simulation replays.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include <hio/doer.hpp>
#include <hio/doorbell.hpp>
#include <hio/error.hpp>
#include <hio/tymist.hpp>

namespace hio {

/// Settings of Offload.
struct OffloadOptions {
    /// Pool threads (at least 1).
    std::size_t threads = 2;
    /// Jobs that may wait for a thread; a submit beyond it is refused (back pressure).
    std::size_t queue = 64;
};

namespace detail {

template <class T>
struct JobState {
    std::mutex mutex;
    bool done = false;          // guarded by mutex
    bool cancelled = false;     // guarded by mutex: the Pending is gone
    std::optional<std::conditional_t<std::is_void_v<T>, bool, T>> value;  // guarded by mutex
    std::exception_ptr error;   // guarded by mutex
    Doorbell::Ringer ringer;    // guarded by mutex
};

}  // namespace detail

/// The result of a job submitted to an Offload, read by the doer that submitted it on its own
/// thread. Destroying it (the doer closed, say) cancels the wake-up: the job still finishes on
/// its thread, but nothing calls back into the doer, which may be gone.
template <class T>
class Pending {
public:
    /// Takes `other`'s job.
    Pending(Pending&&) noexcept = default;
    /// Cancels this one's wake-up and takes `other`'s job.
    Pending& operator=(Pending&& other) noexcept {
        if (this != &other) {
            cancel();
            state_ = std::move(other.state_);
            bell_ = std::move(other.bell_);
        }
        return *this;
    }
    Pending(const Pending&) = delete;
    Pending& operator=(const Pending&) = delete;
    ~Pending() { cancel(); }

    /// True once the job finished (returned or threw).
    [[nodiscard]] bool ready() const {
        std::lock_guard lock{state_->mutex};
        return state_->done;
    }

    /// The job's result once ready(); rethrows the job's exception. Throws hio::Error before.
    T get() {
        std::lock_guard lock{state_->mutex};
        if (!state_->done)
            throw Error{"Pending::get: the job has not finished (check ready() first)"};
        if (state_->error)
            std::rethrow_exception(state_->error);
        if constexpr (!std::is_void_v<T>)
            return std::move(*state_->value);
    }

    /// The job's exception once ready() (nullptr when it returned).
    [[nodiscard]] std::exception_ptr error() const {
        std::lock_guard lock{state_->mutex};
        return state_->error;
    }

private:
    friend class Offload;
    Pending(std::shared_ptr<detail::JobState<T>> state, Doorbell bell) : state_{std::move(state)}, bell_{std::move(bell)} {}

    void cancel() noexcept {
        if (!state_)
            return;
        {
            std::lock_guard lock{state_->mutex};
            state_->cancelled = true;
            state_->ringer = {};
        }
        bell_.reset();
    }

    std::shared_ptr<detail::JobState<T>> state_;
    Doorbell bell_;
};

/// A pool of threads for blocking calls (files, hashes, signatures, LMDB or SQLite, a library
/// without an asynchronous API), so that they stall no connection of the Doist.
///
/// ```
/// std::optional<hio::Pending<std::string>> digest;          // a doer's member
/// // in recur():
/// if (!digest) digest = pool.submit(*this, [path] { return sha256_of(path); });  // nullopt: full
/// else if (digest->ready()) { reply(digest->get()); digest.reset(); }
/// ```
///
/// submit() refuses (nullopt) when `queue` jobs already wait: the doer tries again later or
/// answers "busy"; the queue never grows. A doer under a Doist in virtual time gets its job run
/// at once, inline (the pool's threads are not used), so a simulated run replays exactly. The
/// destructor lets the running jobs finish and drops the waiting ones, which complete with an
/// hio::Error ("the Offload was destroyed") that wakes their doers.
class Offload {
public:
    /// Starts the threads. Throws ValidationError for 0 threads or a queue of 0.
    explicit Offload(OffloadOptions options = {}) : options_{options} {
        if (options_.threads == 0)
            throw ValidationError{"Offload: threads must be >= 1"};
        if (options_.queue == 0)
            throw ValidationError{"Offload: queue must be >= 1"};
        threads_.reserve(options_.threads);
        try {
            for (std::size_t i = 0; i < options_.threads; ++i)
                threads_.emplace_back([this] { work(); });
        } catch (...) {
            stop();
            throw;
        }
    }

    Offload(const Offload&) = delete;
    Offload& operator=(const Offload&) = delete;
    ~Offload() { stop(); }

    /// Runs `job()` on a pool thread for `doer` (running under a Doist: call from its contexts),
    /// which is woken when it finished. nullopt when the queue is full.
    template <class F>
    auto submit(Doer& doer, F job) -> std::optional<Pending<std::invoke_result_t<F&>>> {
        using R = std::invoke_result_t<F&>;
        auto state = std::make_shared<detail::JobState<R>>();
        Doorbell bell{doer};
        state->ringer = bell.ringer();
        const Tymist* clock = doer.tymist();
        if (clock != nullptr && !clock->real_time()) {  // virtual time: now, in order
            run(*state, job);
            return Pending<R>{std::move(state), std::move(bell)};
        }
        {
            std::lock_guard lock{mutex_};
            if (stopping_ || waiting_.size() >= options_.queue)
                return std::nullopt;
            auto shared = std::make_shared<F>(std::move(job));  // std::function copies: share a move-only job
            waiting_.push_back(Task{[state, shared] { run(*state, *shared); },
                                    [state] { fail(*state, std::make_exception_ptr(Error{"Offload: the Offload was destroyed before the job ran"})); }});
        }
        ready_.notify_one();
        return Pending<R>{std::move(state), std::move(bell)};
    }

    /// Jobs waiting for a thread now.
    [[nodiscard]] std::size_t queued() const {
        std::lock_guard lock{mutex_};
        return waiting_.size();
    }
    /// Jobs running now.
    [[nodiscard]] std::size_t running() const {
        std::lock_guard lock{mutex_};
        return running_;
    }
    /// The settings.
    [[nodiscard]] const OffloadOptions& options() const noexcept { return options_; }

private:
    struct Task {
        std::function<void()> run;
        std::function<void()> drop;
    };

    template <class R, class F>
    static void run(detail::JobState<R>& state, F& job) noexcept {
        std::exception_ptr error;
        std::optional<std::conditional_t<std::is_void_v<R>, bool, R>> value;
        try {
            if constexpr (std::is_void_v<R>) {
                job();
                value.emplace(true);
            } else {
                value.emplace(job());
            }
        } catch (...) {
            error = std::current_exception();
        }
        Doorbell::Ringer ringer;
        {
            std::lock_guard lock{state.mutex};
            state.done = true;
            state.error = error;
            if (!error)
                state.value = std::move(value);
            if (!state.cancelled)
                ringer = std::move(state.ringer);
        }
        ringer.ring();
    }

    template <class R>
    static void fail(detail::JobState<R>& state, std::exception_ptr error) noexcept {
        Doorbell::Ringer ringer;
        {
            std::lock_guard lock{state.mutex};
            state.done = true;
            state.error = std::move(error);
            if (!state.cancelled)
                ringer = std::move(state.ringer);
        }
        ringer.ring();
    }

    void work() {
        for (;;) {
            Task task;
            {
                std::unique_lock lock{mutex_};
                ready_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
                if (stopping_)
                    return;
                task = std::move(waiting_.front());
                waiting_.pop_front();
                ++running_;
            }
            task.run();
            std::lock_guard lock{mutex_};
            --running_;
        }
    }

    void stop() noexcept {
        std::deque<Task> dropped;
        {
            std::lock_guard lock{mutex_};
            stopping_ = true;
            dropped.swap(waiting_);
        }
        ready_.notify_all();
        for (std::thread& thread : threads_)
            if (thread.joinable())
                thread.join();
        for (Task& task : dropped)
            task.drop();
    }

    OffloadOptions options_;
    mutable std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<Task> waiting_;  // guarded by mutex_
    std::size_t running_ = 0;   // guarded by mutex_
    bool stopping_ = false;     // guarded by mutex_
    std::vector<std::thread> threads_;
};

}  // namespace hio
