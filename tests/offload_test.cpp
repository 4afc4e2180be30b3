// Offload: blocking work off the Doist, its result back to the doer that asked, which wakes.
// Run under ThreadSanitizer too (scripts/test.sh, the threads suite).
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <hio/doist.hpp>
#include <hio/offload.hpp>

#include "catch.hpp"

namespace offload_test {

// Submits `job` once, then idles until it is ready; keeps the value or the error's text.
template <class F>
class Asker : public hio::Doer {
public:
    Asker(hio::Offload& pool, F job, std::function<bool()> gate = {})
        : pool_{pool}, job_{std::move(job)}, gate_{std::move(gate)} {}

    std::optional<int> value;
    std::string error;
    bool refused = false;
    int runs = 0;
    std::vector<double> log;  // tymes of the runs

protected:
    bool recur(double tyme) override {
        ++runs;
        log.push_back(tyme);
        if (!pending_) {
            if (gate_ && !gate_())
                return false;  // not yet: asked again next pass
            pending_ = pool_.submit(*this, job_);
            refused = !pending_;
            if (refused)
                return true;
        }
        if (!pending_->ready()) {
            idle();
            return false;
        }
        try {
            value = pending_->get();
        } catch (const std::exception& failure) {
            error = failure.what();
        }
        return true;
    }

private:
    hio::Offload& pool_;
    F job_;
    std::function<bool()> gate_;
    std::optional<hio::Pending<int>> pending_;
};

template <class F>
Asker(hio::Offload&, F) -> Asker<F>;
template <class F>
Asker(hio::Offload&, F, std::function<bool()>) -> Asker<F>;

// Counts its runs and the longest wall gap between two of them.
class Ticker : public hio::Doer {
public:
    explicit Ticker(double until) : hio::Doer{0.01}, until_{until} {}
    double worst_gap = 0.0;

protected:
    bool recur(double tyme) override {
        const auto now = std::chrono::steady_clock::now();
        if (last_)
            worst_gap = std::max(worst_gap, std::chrono::duration<double>(now - *last_).count());
        last_ = now;
        return tyme >= until_;
    }

private:
    double until_;
    std::optional<std::chrono::steady_clock::time_point> last_;
};

}  // namespace offload_test

TEST_CASE("An Offload job's result comes back to its idle doer, woken when the job ends", "[offload][threads]") {
    using namespace offload_test;
    hio::Offload pool{{.threads = 2, .queue = 4}};
    std::thread::id ran_on;
    Asker asker{pool, [&ran_on] {
        ran_on = std::this_thread::get_id();
        std::this_thread::sleep_for(std::chrono::milliseconds{50});
        return 42;
    }};
    // A tock of 10 s: the answer in well under a second proves the wake, not the tock.
    hio::Doist doist{{.tock = 10.0, .limit = 30.0, .real = true}};
    const auto start = std::chrono::steady_clock::now();
    doist.run({&asker});
    const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    CHECK(asker.value == std::optional<int>{42});
    CHECK(ran_on != std::this_thread::get_id());
    CHECK(took < 2.0);
    CHECK(asker.runs == 2);  // the submit, then the wake with the result
}

TEST_CASE("An exception thrown by a job comes back to its doer", "[offload][threads]") {
    using namespace offload_test;
    hio::Offload pool;
    Asker asker{pool, []() -> int { throw std::runtime_error{"the disk is gone"}; }};
    hio::Doist doist{{.tock = 10.0, .limit = 30.0, .real = true}};
    doist.run({&asker});
    CHECK(asker.error == "the disk is gone");
}

TEST_CASE("A full Offload refuses a submit instead of growing", "[offload][threads]") {
    using namespace offload_test;
    std::mutex mutex;
    std::condition_variable cv;
    bool release = false;
    const auto blocker = [&] {
        std::unique_lock lock{mutex};
        cv.wait(lock, [&] { return release; });
        return 1;
    };
    hio::Offload pool{{.threads = 1, .queue = 1}};
    // In turn: one job runs (the thread is busy), one waits (the queue is full), one is refused.
    Asker running{pool, blocker};
    Asker waiting{pool, blocker, [&pool] { return pool.running() == 1 && pool.queued() == 0; }};
    Asker refused{pool, blocker, [&pool] { return pool.running() == 1 && pool.queued() == 1; }};
    const auto let_go = [&] {
        {
            std::lock_guard lock{mutex};
            release = true;
        }
        cv.notify_all();
    };
    class Releaser : public hio::Doer {  // once the third was refused, the blocked jobs may end
    public:
        Releaser(const bool& refused, std::function<void()> let_go) : refused_{refused}, let_go_{std::move(let_go)} {}

    protected:
        bool recur(double) override {
            if (refused_)
                let_go_();
            return refused_;
        }

    private:
        const bool& refused_;
        std::function<void()> let_go_;
    } releaser{refused.refused, let_go};
    hio::Doist doist{{.tock = 0.01, .limit = 10.0, .real = true}};
    doist.run({&running, &waiting, &refused, &releaser});
    let_go();  // whatever happened: the pool's threads must not stay blocked
    INFO("waiting: runs " << waiting.runs << ", error '" << waiting.error << "', refused " << waiting.refused);
    CHECK(refused.refused);
    CHECK(running.value == std::optional<int>{1});
    CHECK(waiting.value == std::optional<int>{1});
    CHECK_THROWS_AS(hio::Offload({.threads = 0}), hio::ValidationError);
    CHECK_THROWS_AS(hio::Offload({.queue = 0}), hio::ValidationError);
}

TEST_CASE("A doer closed before its job ends is not called back after it is gone", "[offload][threads]") {
    using namespace offload_test;
    hio::Offload pool{{.threads = 1}};
    std::atomic<bool> finished{false};
    {
        auto asker = std::make_unique<Asker<std::function<int()>>>(pool, std::function<int()>{[&finished] {
            std::this_thread::sleep_for(std::chrono::milliseconds{100});
            finished.store(true);
            return 7;
        }});
        hio::Doist doist{{.tock = 0.01, .limit = 0.03, .real = true}};
        doist.run({asker.get()});  // the limit closes the doer while its job runs
        CHECK_FALSE(asker->value.has_value());
    }  // the doer and its Doist are destroyed; the job is still running
    while (!finished.load())
        std::this_thread::sleep_for(std::chrono::milliseconds{5});
    SUCCEED("the job ended after its doer was gone: nothing was called (ASan, TSan)");
}

TEST_CASE("Destroying an Offload completes its waiting jobs with an error that wakes their doers", "[offload][threads]") {
    using namespace offload_test;
    auto pool = std::make_unique<hio::Offload>(hio::OffloadOptions{.threads = 1, .queue = 4});
    std::atomic<bool> started{false};
    Asker slow{*pool, [&started] {
        started.store(true);
        std::this_thread::sleep_for(std::chrono::milliseconds{100});
        return 1;
    }};
    Asker never{*pool, [] { return 2; }};
    class Destroyer : public hio::Doer {
    public:
        Destroyer(std::unique_ptr<hio::Offload>& pool, std::atomic<bool>& started) : pool_{pool}, started_{started} {}

    protected:
        bool recur(double) override {
            if (!started_.load())
                return false;
            pool_.reset();  // joins the running job; drops the waiting one
            return true;
        }

    private:
        std::unique_ptr<hio::Offload>& pool_;
        std::atomic<bool>& started_;
    } destroyer{pool, started};
    hio::Doist doist{{.tock = 0.01, .limit = 10.0, .real = true}};
    doist.run({&slow, &never, &destroyer});
    CHECK(slow.value == std::optional<int>{1});
    CHECK(never.error.find("destroyed before the job ran") != std::string::npos);
}

TEST_CASE("A 200 ms blocking call stalls every doer when made inline, none through the Offload", "[offload][threads]") {
    using namespace offload_test;
    const auto blocking = [] {
        std::this_thread::sleep_for(std::chrono::milliseconds{200});
        return 1;
    };
    class Inline : public hio::Doer {
    public:
        explicit Inline(std::function<int()> job) : job_{std::move(job)} {}

    protected:
        bool recur(double tyme) override {
            if (tyme >= 0.05) {
                job_();
                return true;
            }
            return false;
        }

    private:
        std::function<int()> job_;
    };
    double inline_gap = 0.0, offloaded_gap = 0.0;
    {
        Inline blocker{blocking};
        Ticker ticker{0.5};
        hio::Doist doist{{.tock = 0.01, .limit = 5.0, .real = true}};
        doist.run({&blocker, &ticker});
        inline_gap = ticker.worst_gap;
    }
    {
        hio::Offload pool;
        Asker offloaded{pool, std::function<int()>{blocking}};
        Ticker ticker{0.5};
        hio::Doist doist{{.tock = 0.01, .limit = 5.0, .real = true}};
        doist.run({&offloaded, &ticker});
        offloaded_gap = ticker.worst_gap;
        CHECK(offloaded.value == std::optional<int>{1});
    }
    INFO("worst gap between ticks: inline " << inline_gap << " s, offloaded " << offloaded_gap << " s");
    CHECK(inline_gap >= 0.19);
    CHECK(offloaded_gap < 0.1);
}

TEST_CASE("In virtual time a job runs inline, in order, and a run replays exactly", "[offload]") {
    using namespace offload_test;
    const auto run_once = [] {
        hio::Offload pool{{.threads = 1}};
        std::vector<std::pair<double, int>> results;
        std::vector<std::thread::id> threads;
        class Several : public hio::Doer {
        public:
            Several(hio::Offload& pool, std::vector<std::pair<double, int>>& results, std::vector<std::thread::id>& threads)
                : hio::Doer{0.25}, pool_{pool}, results_{results}, threads_{threads} {}

        protected:
            bool recur(double tyme) override {
                if (pending_ && pending_->ready()) {
                    results_.emplace_back(tyme, pending_->get());
                    pending_.reset();
                }
                if (!pending_ && count_ < 5) {
                    const int n = count_++;
                    pending_ = pool_.submit(*this, [this, n] {
                        threads_.push_back(std::this_thread::get_id());
                        return n * n;
                    });
                }
                return results_.size() == 5;
            }

        private:
            hio::Offload& pool_;
            std::vector<std::pair<double, int>>& results_;
            std::vector<std::thread::id>& threads_;
            std::optional<hio::Pending<int>> pending_;
            int count_ = 0;
        } doer{pool, results, threads};
        hio::Doist doist{{.tock = 0.125, .limit = 10.0}};
        doist.run({&doer});
        for (const std::thread::id id : threads)
            CHECK(id == std::this_thread::get_id());  // inline: no pool thread
        return results;
    };
    const auto first = run_once();
    const auto second = run_once();
    REQUIRE(first.size() == 5);
    CHECK(first == second);
    CHECK(first.front().second == 0);
    CHECK(first.back().second == 16);
}

TEST_CASE("In virtual time a doer that idles after its submit runs again in the next pass, not at the limit", "[offload]") {
    hio::Offload pool{{.threads = 1}};
    class SubmitThenIdle : public hio::Doer {
    public:
        explicit SubmitThenIdle(hio::Offload& pool) : pool_{pool} {}
        std::optional<int> value;
        double read_at = -1.0;

    protected:
        bool recur(double tyme) override {
            if (!pending_) {
                pending_ = pool_.submit(*this, [] { return 5; });
                idle();  // woken by the job's completion
                return false;
            }
            value = pending_->get();
            read_at = tyme;
            return true;
        }

    private:
        hio::Offload& pool_;
        std::optional<hio::Pending<int>> pending_;
    } doer{pool};
    hio::Doist doist{{.tock = 0.125, .limit = 10.0}};
    doist.run({&doer});
    CHECK(doer.value == std::optional<int>{5});
    CHECK(doer.read_at == 0.125);  // idle passes are skipped in virtual time: not past a rung bell
    CHECK(doist.done());
}
