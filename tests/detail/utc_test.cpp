// hio/detail/utc.hpp: UTC calendar arithmetic without the C library's time functions, which
// Windows names otherwise or lacks (gmtime_r, timegm, strptime). Checked against fixed dates on
// every platform and against glibc's gmtime_r over a sweep where there is one.
#include <cstdint>
#include <ctime>
#include <optional>
#include <string>

#include <hio/detail/utc.hpp>
#include <hio/random.hpp>
#include <hio/http/message.hpp>

#include "catch.hpp"

TEST_CASE("utc_time and parse_imf_fixdate agree with fixed dates", "[detail][utc]") {
    const std::tm epoch = hio::detail::utc_time(0);
    CHECK(epoch.tm_year == 70);
    CHECK(epoch.tm_mon == 0);
    CHECK(epoch.tm_mday == 1);
    CHECK(epoch.tm_wday == 4);  // a Thursday
    CHECK(hio::http::http_date(784111777) == "Sun, 06 Nov 1994 08:49:37 GMT");  // RFC 9110's example
    CHECK(hio::http::http_date(951782400) == "Tue, 29 Feb 2000 00:00:00 GMT");   // a leap day of a 400 year
    CHECK(hio::http::http_date(4107542399) == "Sun, 28 Feb 2100 23:59:59 GMT");  // 2100 is no leap year
    CHECK(hio::http::http_date(-1) == "Wed, 31 Dec 1969 23:59:59 GMT");

    CHECK(hio::detail::parse_imf_fixdate("Sun, 06 Nov 1994 08:49:37 GMT") == std::optional<std::time_t>{784111777});
    CHECK(hio::detail::parse_imf_fixdate("Tue, 29 Feb 2000 00:00:00 GMT") == std::optional<std::time_t>{951782400});
    // Refused: the obsolete forms, a wrong length or zone, impossible fields, a 29 Feb 2100.
    for (const char* bad : {"Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994", "Sun, 06 Nov 1994 08:49:37 UTC",
                            "Sun, 6 Nov 1994 08:49:37 GMT", "Sun, 06 Nov 1994 24:00:00 GMT", "Sun, 06 Foo 1994 08:49:37 GMT",
                            "Xyz, 06 Nov 1994 08:49:37 GMT", "Sun, 00 Nov 1994 08:49:37 GMT", "Mon, 29 Feb 2100 00:00:00 GMT",
                            "Sun, 31 Apr 1994 00:00:00 GMT", "Sun, 06 Nov 19x4 08:49:37 GMT", ""})
        CHECK_FALSE(hio::detail::parse_imf_fixdate(bad).has_value());
}

TEST_CASE("http_date and parse_imf_fixdate round-trip over four centuries", "[detail][utc]") {
    hio::Random random;  // seeded 0: the same dates everywhere
    for (int i = 0; i < 20000; ++i) {
        // 1900-01-01 .. 2299-12-31
        const auto when = static_cast<std::time_t>(-2208988800LL + static_cast<long long>(random.below(12622780800ULL)));
        const std::string text = hio::http::http_date(when);
        REQUIRE(hio::detail::parse_imf_fixdate(text) == std::optional<std::time_t>{when});
#if !defined(_WIN32)
        std::tm expected{};
        REQUIRE(::gmtime_r(&when, &expected) != nullptr);
        const std::tm got = hio::detail::utc_time(when);
        REQUIRE(got.tm_year == expected.tm_year);
        REQUIRE(got.tm_mon == expected.tm_mon);
        REQUIRE(got.tm_mday == expected.tm_mday);
        REQUIRE(got.tm_hour == expected.tm_hour);
        REQUIRE(got.tm_min == expected.tm_min);
        REQUIRE(got.tm_sec == expected.tm_sec);
        REQUIRE(got.tm_wday == expected.tm_wday);
#endif
    }
}
