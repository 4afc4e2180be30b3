// detail::TimedHeap: one live entry per item, stale entries dropped, moved deadlines requeued.
#include <cstdint>
#include <vector>

#include <hio/detail/timed_heap.hpp>

#include "catch.hpp"

namespace {

struct Entry {
    double due;
    std::uint32_t item;
};

// Items with a deadline each and the record of their live entry.
struct Items {
    std::vector<double> deadline;
    std::vector<double> queued_at;
    std::vector<bool> gone;

    explicit Items(std::size_t count)
        : deadline(count, hio::detail::TimedHeap<Entry>::none), queued_at(count, hio::detail::TimedHeap<Entry>::none),
          gone(count, false) {}

    auto record() {
        return [this](const Entry& entry) -> double* { return gone[entry.item] ? nullptr : &queued_at[entry.item]; };
    }
};

}  // namespace

TEST_CASE("A later deadline pushes nothing and an earlier one supersedes the live entry", "[detail][timed_heap]") {
    hio::detail::TimedHeap<Entry> heap;
    Items items{2};
    CHECK(heap.push_live({5.0, 0}, items.queued_at[0]));
    CHECK_FALSE(heap.push_live({7.0, 0}, items.queued_at[0]));  // at or after the live entry: nothing
    CHECK(heap.size() == 1);
    CHECK(heap.push_live({3.0, 0}, items.queued_at[0]));  // earlier: a new live entry
    CHECK(heap.size() == 2);
    CHECK(items.queued_at[0] == 3.0);

    Entry out{};
    REQUIRE(heap.pop_due(10.0, items.record(), out));
    CHECK(out.due == 3.0);
    CHECK(items.queued_at[0] == hio::detail::TimedHeap<Entry>::none);  // taken: no live entry
    CHECK_FALSE(heap.pop_due(10.0, items.record(), out));  // the 5.0 entry was superseded: dropped
    CHECK(heap.empty());
}

TEST_CASE("Entries of gone items are dropped, and none is due before its tyme", "[detail][timed_heap]") {
    hio::detail::TimedHeap<Entry> heap;
    Items items{3};
    heap.push_live({1.0, 0}, items.queued_at[0]);
    heap.push_live({2.0, 1}, items.queued_at[1]);
    heap.push_live({3.0, 2}, items.queued_at[2]);
    items.gone[0] = true;
    Entry out{};
    CHECK_FALSE(heap.pop_due(0.5, items.record(), out));
    CHECK(heap.size() == 3);
    REQUIRE(heap.pop_due(2.5, items.record(), out));
    CHECK(out.item == 1);  // item 0 went first, dropped as stale
    CHECK_FALSE(heap.pop_due(2.5, items.record(), out));
    CHECK(heap.size() == 1);
}

TEST_CASE("next_due requeues a live entry whose item's deadline moved later, once", "[detail][timed_heap]") {
    hio::detail::TimedHeap<Entry> heap;
    Items items{2};
    items.deadline = {1.0, 4.0};
    heap.push_live({1.0, 0}, items.queued_at[0]);
    heap.push_live({4.0, 1}, items.queued_at[1]);
    items.deadline[0] = 6.0;  // activity moved item 0's deadline: no heap work until it surfaces
    int requeues = 0;
    const auto deadline = [&](const Entry& entry) { return items.deadline[entry.item]; };
    const auto requeue = [&](const Entry& entry, double due) {
        ++requeues;
        heap.push_live({due, entry.item}, items.queued_at[entry.item]);
    };
    CHECK(heap.next_due(items.record(), deadline, requeue) == 4.0);
    CHECK(requeues == 1);
    CHECK(items.queued_at[0] == 6.0);
    CHECK(heap.size() == 2);
    CHECK(heap.next_due(items.record(), deadline, requeue) == 4.0);  // nothing more to requeue
    CHECK(requeues == 1);

    items.deadline[1] = hio::detail::TimedHeap<Entry>::none;  // item 1 waits for nothing now
    CHECK(heap.next_due(items.record(), deadline, requeue) == 6.0);
    CHECK(items.queued_at[1] == hio::detail::TimedHeap<Entry>::none);  // dropped, not requeued
    items.gone[0] = true;
    CHECK(heap.next_due(items.record(), deadline, requeue) == hio::detail::TimedHeap<Entry>::none);
    CHECK(heap.empty());
}
