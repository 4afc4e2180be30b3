// sim/calendar.hpp: the World's events in tyme order, ties in scheduling order, notices first.
#include <vector>

#include <hio/sim/calendar.hpp>

#include "catch.hpp"

TEST_CASE("The calendar gives events in tyme order, ties in the order they were scheduled, notices first",
          "[sim][calendar]") {
    hio::sim::detail::Calendar calendar;
    const auto at = [](double due, std::uint32_t target) {
        return hio::sim::detail::Event{.due = due, .target = target};
    };
    calendar.push(at(1.0, 1));
    calendar.push(at(2.0, 2));
    calendar.push(at(1.5, 3));  // out of order: the heap sorts it in
    calendar.push(at(1.0, 4));  // a tie with 1: after it
    calendar.push(at(2.0, 5));
    calendar.notice(at(0.0, 9));  // readiness: before anything scheduled
    std::vector<std::uint32_t> order;
    hio::sim::detail::Event event;
    CHECK(calendar.next(0.5, event));  // the notice is due at once
    CHECK(event.target == 9);
    CHECK_FALSE(calendar.next(0.5, event));  // nothing else due yet
    while (calendar.next(10.0, event))
        order.push_back(event.target);
    CHECK(order == std::vector<std::uint32_t>{1, 4, 3, 2, 5});
}
