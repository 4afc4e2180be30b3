#pragma once
/// \file
/// UTC calendar arithmetic without the C library's time zone functions (gmtime_r, timegm and
/// strptime are POSIX; Windows has other names or none). Internal: may change any day.

#include <cstdint>
#include <ctime>
#include <optional>
#include <string_view>

namespace hio::detail {

/// Days since 1970-01-01 of the proleptic Gregorian date `year`-`month`-`day` (month 1..12).
constexpr std::int64_t days_from_civil(std::int64_t year, unsigned month, unsigned day) noexcept {
    year -= month <= 2 ? 1 : 0;
    const std::int64_t era = (year >= 0 ? year : year - 399) / 400;
    const auto year_of_era = static_cast<unsigned>(year - era * 400);
    const unsigned day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
    const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + static_cast<std::int64_t>(day_of_era) - 719468;
}

/// `when` (seconds since the epoch) as UTC broken-down time: tm_year, tm_mon, tm_mday,
/// tm_hour, tm_min, tm_sec and tm_wday are set.
constexpr std::tm utc_time(std::time_t when) noexcept {
    const auto seconds = static_cast<std::int64_t>(when);
    std::int64_t days = seconds / 86400;
    std::int64_t rest = seconds % 86400;
    if (rest < 0) {
        rest += 86400;
        --days;
    }
    // civil_from_days
    const std::int64_t shifted = days + 719468;
    const std::int64_t era = (shifted >= 0 ? shifted : shifted - 146096) / 146097;
    const auto day_of_era = static_cast<unsigned>(shifted - era * 146097);
    const unsigned year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    const unsigned day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    const unsigned mp = (5 * day_of_year + 2) / 153;
    const unsigned day = day_of_year - (153 * mp + 2) / 5 + 1;
    const unsigned month = mp < 10 ? mp + 3 : mp - 9;
    const std::int64_t year = static_cast<std::int64_t>(year_of_era) + era * 400 + (month <= 2 ? 1 : 0);
    std::tm out{};
    out.tm_year = static_cast<int>(year - 1900);
    out.tm_mon = static_cast<int>(month - 1);
    out.tm_mday = static_cast<int>(day);
    out.tm_hour = static_cast<int>(rest / 3600);
    out.tm_min = static_cast<int>(rest / 60 % 60);
    out.tm_sec = static_cast<int>(rest % 60);
    out.tm_wday = static_cast<int>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday (4)
    return out;
}

/// Reads an IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT", RFC 9110 §5.6.7) as seconds since
/// the epoch; nullopt for anything else (the obsolete RFC 850 and asctime forms included). The
/// day name is not checked against the date, as RFC 9110 lets a recipient ignore it.
constexpr std::optional<std::time_t> parse_imf_fixdate(std::string_view text) noexcept {
    constexpr std::string_view days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    constexpr std::string_view months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    // "Sun, 06 Nov 1994 08:49:37 GMT": fixed positions
    if (text.size() != 29 || text.substr(3, 2) != ", " || text[7] != ' ' || text[11] != ' ' || text[16] != ' ' ||
        text[19] != ':' || text[22] != ':' || text.substr(25) != " GMT")
        return std::nullopt;
    bool day_known = false;
    for (const auto name : days)
        day_known = day_known || text.substr(0, 3) == name;
    unsigned month = 0;
    for (unsigned i = 0; i < 12; ++i)
        if (text.substr(8, 3) == months[i])
            month = i + 1;
    const auto number = [text](std::size_t at, std::size_t width) -> int {
        int value = 0;
        for (std::size_t i = at; i < at + width; ++i) {
            if (text[i] < '0' || text[i] > '9')
                return -1;
            value = value * 10 + (text[i] - '0');
        }
        return value;
    };
    const int day = number(5, 2), year = number(12, 4), hour = number(17, 2), minute = number(20, 2),
              second = number(23, 2);
    if (!day_known || month == 0 || day < 1 || year < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 ||
        second < 0 || second > 60)
        return std::nullopt;
    constexpr unsigned long_months = 0b1010'1101'0101;  // bit m-1 set: 31 days
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    const int last = month == 2 ? (leap ? 29 : 28) : ((long_months >> (month - 1)) & 1U) != 0 ? 31 : 30;
    if (day > last)
        return std::nullopt;
    const std::int64_t days_since = days_from_civil(year, month, static_cast<unsigned>(day));
    return static_cast<std::time_t>(days_since * 86400 + hour * 3600 + minute * 60 + second);
}

}  // namespace hio::detail
