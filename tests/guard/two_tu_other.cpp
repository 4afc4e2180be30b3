// The second translation unit of the two-TU link guard (see two_tu_main.cpp).
#include <hio/hio.hpp>

// Runs a fresh doer to the Doist's limit and counts its recurs.
int ticks_in_other_unit(hio::Doist& doist) {
    class Counter : public hio::Doer {
    public:
        int count = 0;

    protected:
        bool recur(double) override {
            ++count;
            return false;
        }
    };
    Counter counter;
    hio::Doist again{{.tock = doist.tock(), .limit = doist.limit()}};
    again.run({&counter});
    return counter.count;
}
