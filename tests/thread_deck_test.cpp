// ThreadDeck and Doorbell: threads hand work to a Doist, and its doer wakes for it on the
// Doist's own thread. Run under ThreadSanitizer too (scripts/test.sh, the threads suite).
#include <atomic>
#include <chrono>
#include <cstddef>
#include <memory>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include <hio/doist.hpp>
#include <hio/doorbell.hpp>
#include <hio/thread_deck.hpp>

#include "catch.hpp"

namespace thread_deck_test {

struct Item {
    int producer;
    int sequence;
};

// Pulls everything, checks each producer's order, finishes after `expected` items; idles
// between pushes, so it runs only when woken.
class Consumer : public hio::Doer {
public:
    Consumer(hio::ThreadDeck<Item>& deck, int producers, int expected)
        : deck_{deck}, next_(static_cast<std::size_t>(producers), 0), expected_{expected} {}

    int received = 0;
    bool in_order = true;
    std::thread::id thread;

protected:
    void enter() override { deck_.wake_on_push(*this); }
    bool recur(double) override {
        thread = std::this_thread::get_id();
        while (const std::optional<Item> item = deck_.pull()) {
            int& next = next_[static_cast<std::size_t>(item->producer)];
            in_order = in_order && item->sequence == next;
            next = item->sequence + 1;
            ++received;
        }
        if (received == expected_)
            return true;
        idle();
        return false;
    }
    void exit() noexcept override { deck_.stop_waking(); }

private:
    hio::ThreadDeck<Item>& deck_;
    std::vector<int> next_;
    int expected_;
};

void produce(hio::ThreadDeck<Item>& deck, int producer, int count) {
    for (int i = 0; i < count; ++i)
        while (!deck.push({producer, i}))
            std::this_thread::yield();  // full: the producer waits (back pressure)
}

}  // namespace thread_deck_test

TEST_CASE("Four threads push into a ThreadDeck, its idle doer wakes and gets every item in each thread's order",
          "[thread_deck][threads]") {
    using namespace thread_deck_test;
    hio::ThreadDeck<Item> deck{64};  // small: the producers meet back pressure
    Consumer consumer{deck, 4, 4 * 5000};
    // A tock of 10 s: without a wake the doer would run once per 10 s and the run would
    // hit its limit with almost nothing received.
    hio::Doist doist{{.tock = 10.0, .limit = 30.0, .real = true}};
    std::vector<std::thread> producers;
    std::atomic<bool> go{false};
    for (int p = 0; p < 4; ++p)
        producers.emplace_back([&deck, &go, p] {
            while (!go.load())
                std::this_thread::yield();
            produce(deck, p, 5000);
        });
    const auto start = std::chrono::steady_clock::now();
    go.store(true);
    doist.run({&consumer});
    for (std::thread& t : producers)
        t.join();
    CHECK(consumer.received == 20000);
    CHECK(consumer.in_order);
    CHECK(consumer.thread == std::this_thread::get_id());  // pulled on the Doist's thread
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds{10});
    CHECK(doist.done());
}

TEST_CASE("A full ThreadDeck refuses a push and takes nothing", "[thread_deck]") {
    hio::ThreadDeck<int> deck{2};
    CHECK(deck.push(1));
    CHECK(deck.push(2));
    CHECK_FALSE(deck.push(3));
    CHECK(deck.size() == 2);
    CHECK(deck.pull() == std::optional<int>{1});
    CHECK(deck.push(4));
    CHECK(deck.pull() == std::optional<int>{2});
    CHECK(deck.pull() == std::optional<int>{4});
    CHECK_FALSE(deck.pull().has_value());
    CHECK_THROWS_AS(hio::ThreadDeck<int>{0}, hio::ValidationError);
}

TEST_CASE("A Doorbell made outside a Doist names the fix, and rings after its Doist is gone wake nobody",
          "[doorbell][threads]") {
    hio::Doer loose;
    CHECK_THROWS_WITH(hio::Doorbell{loose}, Catch::Contains("runs under no Doist"));

    hio::Doorbell::Ringer ringer;
    {
        class Ringed : public hio::Doer {
        public:
            explicit Ringed(hio::Doorbell::Ringer& out) : out_{out} {}

        protected:
            void enter() override {
                bell_.emplace(*this);
                out_ = bell_->ringer();
            }
            bool recur(double) override { return true; }

        private:
            hio::Doorbell::Ringer& out_;
            std::optional<hio::Doorbell> bell_;
        } doer{ringer};
        hio::Doist doist{{.tock = 0.01, .limit = 1.0}};
        doist.run({&doer});
        ringer.ring();  // the doer exited, its bell still alive: it wakes nobody harmful
    }
    std::thread{[ringer] { ringer.ring(); }}.join();  // the Doist and the doer are gone
    SUCCEED("no crash, no race");
}
