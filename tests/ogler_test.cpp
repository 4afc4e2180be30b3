// Ogler and Logger (hio's help/ogling.py): levels, hio's line shape with the tyme, the log
// directory rule, the hook, and a message below the level costing no formatting.
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include <hio/doist.hpp>
#include <hio/ogler.hpp>

#include "catch.hpp"
#include "support/files.hpp"

namespace ogler_test {

// Counts how often it is formatted.
struct Costly {
    int* formatted;
};
std::ostream& operator<<(std::ostream& out, const Costly& costly) {
    ++*costly.formatted;
    return out << "costly";
}

// Logs one line per run, at info and at debug.
class Talker : public hio::Doer {
public:
    explicit Talker(hio::Logger& log) : hio::Doer{0.25}, log_{log} {}

protected:
    bool recur(double tyme) override {
        ++count_;
        log_.info("run {} at {}", count_, tyme);
        log_.debug("not shown {}", count_);
        return count_ == 3;
    }

private:
    hio::Logger& log_;
    int count_ = 0;
};

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in{text};
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

}  // namespace ogler_test

TEST_CASE("Loggers write hio's '<prefix>: <message>' lines with the tyme, at their level or above", "[ogler]") {
    using namespace ogler_test;
    const std::string console_path = hio_test::temp_path("ogler_console.txt");
    std::FILE* console = std::fopen(console_path.c_str(), "wb+");  // binary: no CR on Windows
    REQUIRE(console != nullptr);
    std::string file_text;
    {
        hio::Ogler ogler{{.name = "test", .level = hio::Level::info, .temp = true, .prefix = "hio"}};
        ogler.console(console);
        REQUIRE(std::filesystem::is_directory(ogler.dir_path()));
        CHECK(ogler.dir_path().filename().string().rfind("test_", 0) == 0);
        CHECK(ogler.path().filename() == "test.log");
        hio::Logger log = ogler.logger("app");
        hio::Doist doist{{.tock = 0.125}};
        log.clock(&doist, false);  // virtual time: the tyme, no wall time
        Talker talker{log};
        doist.run({&talker});
        ogler.logger("app").warning("braces {{kept}} and {} and extra", "one", 2, 3.5);
        file_text = hio_test::slurp(ogler.path().string());
        const std::filesystem::path dir = ogler.dir_path();
        ogler.close(true);
        CHECK_FALSE(std::filesystem::exists(dir));  // a temp log directory goes with close
    }
    std::fflush(console);
    std::fclose(console);
    const std::string console_text = hio_test::slurp(console_path);
    std::remove(console_path.c_str());
    const std::vector<std::string> expected{
        "hio: 0.000000 INFO app: run 1 at 0",
        "hio: 0.250000 INFO app: run 2 at 0.25",
        "hio: 0.500000 INFO app: run 3 at 0.5",
        "hio: WARNING app: braces {kept} and one and extra 2 3.5",
    };
    CHECK(lines_of(console_text) == expected);
    CHECK(lines_of(file_text) == expected);
}

TEST_CASE("A message below the level is not formatted, and levels change at run time", "[ogler]") {
    using namespace ogler_test;
    hio::Ogler ogler{{.level = hio::Level::warning, .filed = false}};
    std::vector<std::string> seen;
    ogler.hook([&seen](const hio::LogRecord& record) {
        seen.push_back(std::string{hio::level_name(record.level)} + " " + std::string{record.logger} + " " +
                       std::string{record.message});
    });
    std::FILE* sink = std::tmpfile();
    ogler.console(sink);
    hio::Logger log = ogler.logger("server");
    int formatted = 0;
    for (int i = 0; i < 1000; ++i)
        log.info("value {}", Costly{&formatted});
    CHECK(formatted == 0);  // below the level: the argument was never formatted
    CHECK_FALSE(log.enabled(hio::Level::info));
    log.warning("value {}", Costly{&formatted});
    CHECK(formatted == 1);
    ogler.reset_level("server", hio::Level::debug);
    CHECK(log.enabled(hio::Level::debug));  // the same handle sees the new level
    log.debug("now {}", "shown");
    ogler.reset_level("", hio::Level::off, true);
    log.critical("not even this");
    CHECK(ogler.logger("later").level() == hio::Level::off);
    CHECK(seen == std::vector<std::string>{"WARNING server value costly", "DEBUG server now shown"});
    std::fclose(sink);
}

TEST_CASE("An Ogler with no sink is refused, and the log directory falls back to the home directory", "[ogler]") {
    CHECK_THROWS_AS(hio::Ogler({.consoled = false, .filed = false}), hio::ValidationError);
    CHECK(hio::parse_level("warn") == std::optional<hio::Level>{hio::Level::warning});
    CHECK(hio::parse_level("Debug") == std::optional<hio::Level>{hio::Level::debug});
    CHECK_FALSE(hio::parse_level("loud").has_value());
#if !defined(_WIN32)
    // A head directory that cannot be made: ~/.<prefix>/logs instead (hio's rule).
    const std::string home = hio_test::temp_path("ogler_home");
    std::filesystem::create_directories(home);
    const char* old_home = std::getenv("HOME");
    const std::string saved = old_home != nullptr ? old_home : "";
    ::setenv("HOME", home.c_str(), 1);
    {
        hio::Ogler ogler{{.name = "fallback", .prefix = "hiotest", .head_dir = "/proc/no/such/dir", .consoled = false}};
        CHECK(ogler.dir_path() == std::filesystem::path{home} / ".hiotest" / "logs");
        ogler.logger("x").error("into the fallback");
        std::ifstream in{ogler.path()};
        std::string line;
        std::getline(in, line);
        CHECK(line == "hio" + std::string{"test: ERROR x: into the fallback"});
    }
    ::setenv("HOME", saved.c_str(), 1);
    std::filesystem::remove_all(home);
#endif
}
