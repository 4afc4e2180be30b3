// Tymist and Tymee: scenario S01 of hio-scenarios.md (hio test_tyming::test_tymist, test_tymee).
#include <cmath>
#include <limits>

#include <hio/tymee.hpp>
#include <hio/tymist.hpp>

#include "catch.hpp"

TEST_CASE("Tymist starts at 0 with hio's tock of 1/32 and ticks by its tock", "[tymist]") {
    hio::Tymist tymist;
    CHECK(tymist.tyme() == 0.0);
    CHECK(tymist.tock() == 0.03125);

    tymist.tock(1.0);
    CHECK(tymist.tick() == 1.0);
    CHECK(tymist.tick(0.75) == 1.75);
    CHECK(tymist.tock() == 1.0);  // tick(x) leaves the tock alone
    tymist.tock(0.5);
    CHECK(tymist.tick() == 2.25);
}

TEST_CASE("Tymist with a starting tyme and tock ticks from there", "[tymist]") {
    hio::Tymist tymist{2.0, 0.25};
    CHECK(tymist.tick() == 2.25);
    CHECK(tymist.tick(0.75) == 3.0);
}

TEST_CASE("Tymist sums tocks in double precision exactly as Python does", "[tymist]") {
    hio::Tymist tymist{0.0, 0.2};
    tymist.tick();
    tymist.tick();
    tymist.tick();
    CHECK(tymist.tyme() == 0.6000000000000001);  // Python: 0.2 + 0.2 + 0.2
    CHECK(tymist.tyme() <= 0.625);
}

TEST_CASE("Tymee reads the tyme of the Tymist it is wound to, and fails before", "[tymist][tymee]") {
    hio::Tymee tymee;
    CHECK_FALSE(tymee.wound());
    CHECK_THROWS_AS(static_cast<void>(tymee.tyme()), hio::Error);

    hio::Tymist tymist{3.0, 0.25};
    tymee.wind(tymist);
    CHECK(tymee.tyme() == 3.0);
    tymist.tick();
    CHECK(tymee.tyme() == 3.25);  // a reader taken earlier sees later ticks
}

TEST_CASE("Tymist rejects negative, NaN and infinite tocks and non-finite tymes", "[tymist]") {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const double inf = std::numeric_limits<double>::infinity();
    CHECK_THROWS_AS(hio::Tymist(0.0, -1.0), hio::ValidationError);
    CHECK_THROWS_AS(hio::Tymist(0.0, nan), hio::ValidationError);
    CHECK_THROWS_AS(hio::Tymist(inf, 1.0), hio::ValidationError);
    hio::Tymist tymist;
    CHECK_THROWS_AS(tymist.tock(-0.5), hio::ValidationError);
    CHECK_THROWS_AS(tymist.tick(nan), hio::ValidationError);
    CHECK_THROWS_AS(tymist.tyme(nan), hio::ValidationError);
    try {
        tymist.tock(-0.5);
    } catch (const hio::ValidationError& error) {
        CHECK(std::string{error.what()} == "Tymist: tock must be finite and >= 0, got -0.5");
    }
    CHECK(tymist.tock() == 0.03125);  // unchanged after the refusal
}
