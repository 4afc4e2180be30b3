// hio::Random: a documented stream, the same on every standard library.
#include <array>
#include <cstdint>
#include <limits>
#include <set>

#include <hio/doer.hpp>
#include <hio/doist.hpp>
#include <hio/random.hpp>

#include "catch.hpp"

TEST_CASE("Random gives xoshiro256** seeded through SplitMix64, the published stream", "[random]") {
    // Reference values computed by an independent Python implementation of the two algorithms.
    hio::Random zero{0};
    CHECK(zero.next() == 0x99ec5f36cb75f2b4ULL);
    CHECK(zero.next() == 0xbf6e1f784956452aULL);
    CHECK(zero.next() == 0x1a5f849d4933e6e0ULL);
    hio::Random answer{42};
    CHECK(answer.next() == 0x15780b2e0c2ec716ULL);
    CHECK(answer.next() == 0x6104d9866d113a7eULL);
    CHECK(answer.seed() == 42);
    answer.seed(0);
    CHECK(answer.next() == 0x99ec5f36cb75f2b4ULL);  // reseeding restarts the stream
}

TEST_CASE("Random's helpers stay in their ranges and reject empty ones", "[random]") {
    hio::Random random{7};
    std::array<int, 6> seen{};
    for (int i = 0; i < 6000; ++i) {
        const std::uint64_t die = random.between(1, 6);
        REQUIRE(die >= 1);
        REQUIRE(die <= 6);
        ++seen[die - 1];
        const double u = random.unit();
        REQUIRE(u >= 0.0);
        REQUIRE(u < 1.0);
        const double x = random.uniform(-2.0, 3.0);
        REQUIRE(x >= -2.0);
        REQUIRE(x < 3.0);
    }
    for (const int count : seen)
        CHECK(count > 850);  // 1000 expected each; a bias toward low values would show
    CHECK(random.between(5, 5) == 5);
    CHECK_FALSE(random.chance(0.0));
    CHECK(random.chance(1.0));
    CHECK_THROWS_WITH(random.below(0), "Random: below() needs a bound above 0");
    CHECK_THROWS_WITH(random.between(3, 2), "Random: between() needs low <= high, got 3 > 2");
    CHECK_THROWS_AS(random.uniform(0.0, std::numeric_limits<double>::infinity()), hio::ValidationError);
}

TEST_CASE("Random forks name independent streams and leave the parent's alone", "[random]") {
    hio::Random parent{99};
    const hio::Random copy = parent;
    hio::Random a = parent.fork("network");
    hio::Random b = parent.fork("network");
    hio::Random c = parent.fork("doers");
    hio::Random d = parent.fork(std::uint64_t{3});
    CHECK(a.next() == b.next());
    CHECK(a.next() != c.next());
    CHECK(d.next() != parent.fork(std::uint64_t{4}).next());
    hio::Random untouched = copy;
    CHECK(parent.next() == untouched.next());  // forking did not advance the parent
}

namespace {
class Noisy final : public hio::Doer {
public:
    std::set<std::uint64_t> draws;

protected:
    bool recur(double) override {
        draws.insert(random().below(1000000));
        return draws.size() == 5;
    }
};
}  // namespace

TEST_CASE("A Doist's seed makes its doers' noise replay", "[random][doist]") {
    const auto run = [](std::uint64_t seed) {
        Noisy doer;
        hio::Doist doist{{.seed = seed}, {&doer}};
        doist.run();
        return doer.draws;
    };
    CHECK(run(1) == run(1));
    CHECK(run(1) != run(2));
}
