// Must not compile: Blink spells `recur` as `recurr`. The test (tests/CMakeLists.txt) checks
// that the compiler's message names the missing context and the member.
#include <exception>

#include <hio/dodoer_of.hpp>

struct Blink {
    void enter() {}
    bool recurr(double) { return false; }  // misspelt
    void clean() {}
    void close() noexcept {}
    void abort(std::exception_ptr) noexcept {}
    void exit() noexcept {}
};

struct Count {
    void enter() {}
    bool recur(double) { return false; }
    void clean() {}
    void close() noexcept {}
    void abort(std::exception_ptr) noexcept {}
    void exit() noexcept {}
};

int main() {
    hio::DoDoerOf<Count, Blink> group;
    static_cast<void>(group);
}
