// Guard: two translation units that both include hio/hio.hpp link into one
// program. A non-inline definition in any header breaks this link (ODR).
#include <hio/hio.hpp>

#include <cstdio>

int ticks_in_other_unit(hio::Doist& doist);

namespace {

class Once : public hio::Doer {
protected:
    bool recur(double) override { return true; }
};

}  // namespace

int main() {
    hio::Doist doist{{.tock = 0.5, .limit = 2.0}};
    Once once;
    doist.run({&once});
    const int ticks = ticks_in_other_unit(doist);
    if (!once.done() || ticks != 4) {
        std::fprintf(stderr, "two_tu: expected done and 4 ticks, got done=%d ticks=%d\n",
                     once.done() ? 1 : 0, ticks);
        return 1;
    }
    std::printf("two_tu: ok (hio %s)\n", hio::version_string);
    return 0;
}
