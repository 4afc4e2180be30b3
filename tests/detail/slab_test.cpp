// detail::Slab: stable slots, reuse through a free list, and references that go stale.
#include <cstdint>
#include <string>

#include <hio/detail/slab.hpp>

#include "catch.hpp"

namespace {

struct Item {
    std::string name;
    std::uint32_t gen = 0;
};

}  // namespace

TEST_CASE("A slab reuses freed slots, and a reference kept from before names nothing", "[detail][slab]") {
    hio::detail::Slab<Item> slab{"test"};
    const std::uint32_t a = slab.acquire();
    const std::uint32_t b = slab.acquire();
    CHECK(a == 0);
    CHECK(b == 1);
    slab[a].name = "a";
    slab[b].name = "b";
    const hio::detail::SlabRef ref_a = slab.ref(a);
    const hio::detail::SlabRef ref_b = slab.ref(b);
    REQUIRE(slab.find(ref_a) != nullptr);
    CHECK(slab.find(ref_a)->name == "a");

    slab.release(a);
    CHECK_FALSE(slab.alive(ref_a));
    CHECK(slab.find(ref_a) == nullptr);
    CHECK(slab.free_count() == 1);
    const std::uint32_t c = slab.acquire();  // the freed slot, not a new one
    CHECK(c == a);
    CHECK(slab.size() == 2);
    slab[c].name = "c";
    CHECK(slab.find(ref_a) == nullptr);  // the slot's new occupant is not what ref_a named
    CHECK(slab.find(slab.ref(c))->name == "c");
    CHECK(slab.alive(ref_b));

    slab.invalidate(b);  // ended, but the slot stays taken
    CHECK_FALSE(slab.alive(ref_b));
    CHECK(slab.acquire() == 2);
    CHECK_FALSE(slab.alive({7, 0}));  // past the end: not alive, no out-of-bounds read

    slab.clear();
    CHECK(slab.size() == 0);
    CHECK(slab.free_count() == 0);
}

TEST_CASE("A slab hands out the most recently freed slot first", "[detail][slab]") {
    hio::detail::Slab<Item> slab{"test"};
    for (int i = 0; i < 4; ++i)
        static_cast<void>(slab.acquire());
    slab.release(1);
    slab.release(3);
    CHECK(slab.acquire() == 3);
    CHECK(slab.acquire() == 1);
    CHECK(slab.acquire() == 4);
}
