// Tymer: scenario S02 of hio-scenarios.md (hio test_tyming::test_tymer).
#include <limits>

#include <hio/tymer.hpp>

#include "catch.hpp"

TEST_CASE("Tymer of zero duration is expired at once", "[tymer]") {
    hio::Tymist tymist{0.0, 0.03125};
    hio::Tymer tymer{tymist};
    CHECK(tymer.duration() == 0.0);
    CHECK(tymer.elapsed() == 0.0);
    CHECK(tymer.remaining() == 0.0);
    CHECK(tymer.expired());
}

TEST_CASE("Tymer counts elapsed and remaining tyme and restarts without loss", "[tymer]") {
    hio::Tymist tymist{0.0, 0.03125};
    hio::Tymer tymer{tymist};
    tymist.tock(0.25);
    tymer.start(1.0);

    struct Row {
        double tyme, elapsed, remaining;
        bool expired;
    };
    const Row rows[] = {{0.25, 0.25, 0.75, false}, {0.5, 0.5, 0.5, false}, {0.75, 0.75, 0.25, false},
                        {1.0, 1.0, 0.0, true},     {1.25, 1.25, -0.25, true}};
    for (const Row& row : rows) {
        tymist.tick();
        CHECK(tymist.tyme() == row.tyme);
        CHECK(tymer.elapsed() == row.elapsed);
        CHECK(tymer.remaining() == row.remaining);
        CHECK(tymer.expired() == row.expired);
    }

    tymer.restart();  // lossless: the new window starts at the old stop, 1.0
    CHECK(tymer.start_tyme() == 1.0);
    CHECK(tymer.elapsed() == 0.25);
    CHECK(tymer.remaining() == 0.75);
    CHECK_FALSE(tymer.expired());

    tymist.tyme(2.0);
    CHECK(tymer.elapsed() == 1.0);
    CHECK(tymer.remaining() == 0.0);
    CHECK(tymer.expired());

    tymer.restart(0.25);
    CHECK(tymer.duration() == 0.25);
    CHECK(tymer.elapsed() == 0.0);
    CHECK(tymer.remaining() == 0.25);
    tymist.tick();
    CHECK(tymer.expired());
}

TEST_CASE("Tymer started in the future shows negative elapsed tyme", "[tymer]") {
    hio::Tymist tymist{0.0, 1.0};
    hio::Tymer tymer{tymist, 1.0, 0.25};
    CHECK(tymer.elapsed() == -0.25);
    CHECK(tymer.remaining() == 1.25);
    tymist.tick();
    CHECK(tymer.elapsed() == 0.75);
    CHECK(tymer.remaining() == 0.25);
    CHECK_FALSE(tymer.expired());
    tymist.tick();
    CHECK(tymer.elapsed() == 1.75);
    CHECK(tymer.remaining() == -0.75);
    CHECK(tymer.expired());
}

TEST_CASE("Tymer wound to another Tymist restarts there with the same duration", "[tymer]") {
    hio::Tymist first{0.0, 1.0};
    hio::Tymer tymer{first, 1.0, 0.25};
    hio::Tymist second{5.0, 0.125};
    tymer.wind(second);
    CHECK(tymer.start_tyme() == 5.0);
    CHECK(tymer.stop_tyme() == 6.0);
    CHECK_FALSE(tymer.expired());
    second.tick();
    CHECK(tymer.elapsed() == 0.125);
}

TEST_CASE("Tymer restart with loss starts from now", "[tymer]") {
    hio::Tymist tymist{0.0, 0.25};
    hio::Tymer tymer{tymist, 1.0};
    for (int i = 0; i < 6; ++i)
        tymist.tick();  // 1.5: overran by 0.5
    tymer.start();
    CHECK(tymer.start_tyme() == 1.5);
    CHECK(tymer.stop_tyme() == 2.5);
    tymer.restart();  // lossless from there
    CHECK(tymer.start_tyme() == 2.5);
}

TEST_CASE("Unwound Tymer knows its duration but not the tyme", "[tymer]") {
    hio::Tymer tymer;
    CHECK(tymer.duration() == 0.0);
    CHECK_THROWS_AS(static_cast<void>(tymer.expired()), hio::Error);
    hio::Tymer two{2.0};
    CHECK(two.duration() == 2.0);
}

TEST_CASE("Tymer rejects negative and NaN durations", "[tymer]") {
    hio::Tymist tymist;
    CHECK_THROWS_AS(hio::Tymer(tymist, -1.0), hio::ValidationError);
    CHECK_THROWS_AS(hio::Tymer(std::numeric_limits<double>::quiet_NaN()), hio::ValidationError);
    hio::Tymer tymer{tymist, 1.0};
    CHECK_THROWS_WITH(tymer.start(-2.0), "Tymer: duration must be finite and >= 0, got -2");
    CHECK(tymer.duration() == 1.0);
}
