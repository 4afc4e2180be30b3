// Deck: scenario S22 of hio-scenarios.md (hio test_decking::test_deck), plus capacity.
#include <cstdint>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <hio/deck.hpp>

#include "catch.hpp"

TEST_CASE("Deck pulls nothing from empty and ignores pushed nullopt", "[deck]") {
    hio::Deck<int> deck;
    CHECK(deck.pull() == std::nullopt);
    CHECK_FALSE(deck.push(std::nullopt));
    CHECK(deck.empty());
    CHECK(deck.push(1));
    CHECK(deck.push(2));
    CHECK(deck.size() == 2);
    CHECK(*deck.peek() == 1);
    CHECK(deck.pull() == 1);
    CHECK(deck.pull() == 2);
    CHECK(deck.pull() == std::nullopt);
}

TEST_CASE("Deck keeps falsy values and drains them all", "[deck]") {
    hio::Deck<std::string> strings{"", "x", ""};
    std::vector<std::string> seen;
    while (auto value = strings.pull())
        seen.push_back(*value);
    CHECK(seen == std::vector<std::string>{"", "x", ""});

    hio::Deck<bool> flags{false, false};
    int count = 0;
    while (flags.pull().has_value())
        ++count;
    CHECK(count == 2);
}

TEST_CASE("Deck prints like hio's repr", "[deck]") {
    std::ostringstream out;
    out << hio::Deck<std::string>{"A", "B", "C"};
    CHECK(out.str() == "Deck(['A', 'B', 'C'])");
    std::ostringstream numbers;
    numbers << hio::Deck<int>{1, 2};
    CHECK(numbers.str() == "Deck([1, 2])");
}

TEST_CASE("Deck with a capacity refuses values when full and accepts again after a pull", "[deck]") {
    auto deck = hio::Deck<int>::with_capacity(2);
    CHECK(deck.push(1));
    CHECK(deck.push(2));
    CHECK(deck.full());
    CHECK_FALSE(deck.push(3));
    CHECK(deck.size() == 2);
    CHECK(deck.pull() == 1);
    CHECK(deck.push(3));
    CHECK(deck.pull() == 2);
    CHECK(deck.pull() == 3);
    CHECK_THROWS_AS(hio::Deck<int>::with_capacity(0), hio::ValidationError);
    CHECK(hio::Deck<int>{}.capacity() == SIZE_MAX);
}
