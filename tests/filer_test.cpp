// Filer and FilerDoer (hio's base/filing.py): hio's path rule, temporary directories, files,
// reuse, clean, the home fallback, and close with clear.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include <hio/doist.hpp>
#include <hio/filer.hpp>

#include "catch.hpp"
#include "support/files.hpp"

TEST_CASE("A temporary Filer makes hio's path in a new directory and removes it at close", "[filer]") {
    std::filesystem::path head;
    {
        hio::Filer filer{{.name = "keys", .base = "alice", .temp = true}};
        REQUIRE(filer.opened());
        CHECK(std::filesystem::is_directory(filer.path()));
        CHECK(filer.path().filename() == "keys");
        CHECK(filer.path().parent_path().filename() == "alice");
        CHECK(filer.path().parent_path().parent_path().filename() == "hio");
        head = filer.path().parent_path().parent_path().parent_path();
        CHECK(head.filename().string().rfind("hio_", 0) == 0);
        CHECK(head.filename().string().size() == std::string{"hio_"}.size() + 8 + std::string{"_test"}.size());
#if !defined(_WIN32)
        CHECK((std::filesystem::status(filer.path()).permissions() & std::filesystem::perms::all) ==
              std::filesystem::perms{0700});
#endif
    }
    CHECK_FALSE(std::filesystem::exists(head));  // the destructor cleared the temp head
}

TEST_CASE("A filed Filer keeps a file with its extension, reused on reopen, emptied by clean", "[filer]") {
    const std::string head = hio_test::temp_path("filer_head");
    {
        hio::Filer filer{{.name = "conf", .head_dir = head, .filed = true}};
        CHECK(filer.path() == std::filesystem::path{head} / "hio" / "conf.text");
        filer.file() << "kept";
        filer.file().flush();
    }
    {
        hio::Filer again{{.name = "conf", .head_dir = head, .reuse = true, .filed = true}};
        std::string text;
        again.file() >> text;
        CHECK(text == "kept");
        CHECK(again.exists());
    }
    {
        hio::Filer clean{{.name = "conf", .head_dir = head, .clean = true, .filed = true}};
        CHECK(clean.path() == std::filesystem::path{head} / "hio" / "clean" / "conf.text");
        CHECK(std::filesystem::file_size(clean.path()) == 0);
        clean.close(true);
        CHECK_FALSE(std::filesystem::exists(clean.path()));
    }
    std::filesystem::remove_all(head);
    CHECK_THROWS_AS(hio::Filer({.name = ""}), hio::ValidationError);
}

#if !defined(_WIN32)
TEST_CASE("A Filer whose head cannot be made falls back to ~/.hio, and names both paths when that fails too", "[filer]") {
    const std::string home = hio_test::temp_path("filer_home");
    std::filesystem::create_directories(home);
    const char* old = std::getenv("HOME");
    const std::string saved = old != nullptr ? old : "";
    ::setenv("HOME", home.c_str(), 1);
    {
        hio::Filer filer{{.name = "db", .head_dir = "/proc/no/such"}};
        CHECK(filer.path() == std::filesystem::path{home} / ".hio" / "db");
        CHECK(std::filesystem::is_directory(filer.path()));
    }
    ::setenv("HOME", "/proc/also/not", 1);
    CHECK_THROWS_WITH(hio::Filer({.name = "db", .head_dir = "/proc/no/such"}),
                      Catch::Contains("/proc/no/such/hio/db") && Catch::Contains("/proc/also/not/.hio/db"));
    ::setenv("HOME", saved.c_str(), 1);
    std::filesystem::remove_all(home);
}
#endif

TEST_CASE("A FilerDoer opens its Filer at enter and clears a temporary one at exit", "[filer]") {
    hio::Filer filer{{.temp = true, .reopen = false}};
    CHECK_FALSE(filer.opened());
    hio::FilerDoer doer{filer};
    std::filesystem::path seen;
    class Look : public hio::Doer {
    public:
        Look(hio::Filer& filer, std::filesystem::path& seen) : filer_{filer}, seen_{seen} {}

    protected:
        bool recur(double) override {
            seen_ = filer_.path();
            return true;
        }

    private:
        hio::Filer& filer_;
        std::filesystem::path& seen_;
    } look{filer, seen};
    hio::Doist doist{{.tock = 0.125, .limit = 0.5}};
    doist.run({&doer, &look});
    CHECK(std::filesystem::path{seen}.filename() == "main");
    CHECK_FALSE(filer.opened());
    CHECK_FALSE(std::filesystem::exists(seen));
}
