#pragma once
/// \file
/// Slab: entries at stable indexes, reused through a free list, with a generation per index so
/// that a reference kept from before says "gone" instead of naming the next occupant. Internal.
///
/// The scheduler keeps its deeds in one, a stream server its connections: both hand out
/// `SlabRef`s ({slot, generation}) that other lists hold (a ready list, a timer heap) and that
/// must not outlive what they name. An entry's generation is bumped whenever it stops naming
/// what it named, so a stale reference fails `alive()` in one comparison, with no search and
/// no cleanup of the lists that hold it (the model: a slot map; asio's `object_pool` keeps its
/// links in the object the same way).
///
/// Intrusive: `T` carries the generation as a member `std::uint32_t gen`, so that a hot entry
/// stays one struct (the scheduler's is read on every pass). `T` must be default-constructible.

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <hio/error.hpp>

namespace hio::detail {

/// Names one occupant of a slab slot: the slot and the generation it had then.
struct SlabRef {
    std::uint32_t slot;  ///< the index
    std::uint32_t gen;   ///< the slot's generation when the reference was made

    friend bool operator==(SlabRef a, SlabRef b) noexcept { return a.slot == b.slot && a.gen == b.gen; }
};

/// No slot: the largest index, never handed out.
inline constexpr std::uint32_t no_slab_slot = std::numeric_limits<std::uint32_t>::max();

/// A generational slab of `T` (see the file comment).
template <class T>
class Slab {
public:
    /// `component` names the owner in the message of the one error it throws (too many slots).
    explicit Slab(const char* component) noexcept : component_{component} {}

    /// A free slot, reused (most recently freed first) or appended (default-constructed). Its
    /// entry keeps what its last occupant left except the generation: the caller sets it up.
    /// Throws hio::Error past 2^32 - 1 slots, std::bad_alloc when out of memory.
    std::uint32_t acquire() {
        if (!free_.empty()) {
            const std::uint32_t slot = free_.back();
            free_.pop_back();
            return slot;
        }
        if (entries_.size() >= no_slab_slot)
            throw Error{std::string{component_} + ": too many entries"};
        entries_.emplace_back();
        return static_cast<std::uint32_t>(entries_.size() - 1);
    }

    /// Ends what the slot names: references made so far go stale. The slot stays taken.
    void invalidate(std::uint32_t slot) noexcept { ++entries_[slot].gen; }

    /// Ends what the slot names (as invalidate()) and gives it back for reuse. If recording
    /// the free slot runs out of memory the slot stays unused, never wrongly reused.
    void release(std::uint32_t slot) noexcept {
        ++entries_[slot].gen;
        try {
            free_.push_back(slot);
        } catch (...) {
        }
    }

    /// A reference to what `slot` holds now.
    [[nodiscard]] SlabRef ref(std::uint32_t slot) const noexcept { return {slot, entries_[slot].gen}; }

    /// True while `ref` names what its slot holds (no invalidate() or release() since it was made).
    [[nodiscard]] bool alive(SlabRef ref) const noexcept {
        return ref.slot < entries_.size() && entries_[ref.slot].gen == ref.gen;
    }

    /// The entry `ref` names, or nullptr once it is stale.
    [[nodiscard]] T* find(SlabRef ref) noexcept { return alive(ref) ? &entries_[ref.slot] : nullptr; }
    /// As above, read-only.
    [[nodiscard]] const T* find(SlabRef ref) const noexcept { return alive(ref) ? &entries_[ref.slot] : nullptr; }

    /// The entry at `slot` (taken or free), unchecked.
    [[nodiscard]] T& operator[](std::uint32_t slot) noexcept { return entries_[slot]; }
    /// As above, read-only.
    [[nodiscard]] const T& operator[](std::uint32_t slot) const noexcept { return entries_[slot]; }

    /// Slots made so far, taken and free: valid indexes are [0, size()).
    [[nodiscard]] std::uint32_t size() const noexcept { return static_cast<std::uint32_t>(entries_.size()); }
    /// Slots free for reuse.
    [[nodiscard]] std::size_t free_count() const noexcept { return free_.size(); }

    /// The entries in slot order, for a walk over every slot (taken or free).
    [[nodiscard]] std::vector<T>& entries() noexcept { return entries_; }
    /// As above, read-only.
    [[nodiscard]] const std::vector<T>& entries() const noexcept { return entries_; }

    /// Forgets every entry and slot; generations start again, so every SlabRef must be
    /// forgotten too.
    void clear() noexcept {
        entries_.clear();
        free_.clear();
    }

private:
    std::vector<T> entries_;
    std::vector<std::uint32_t> free_;  // freed slots, reused last-freed first
    const char* component_;
};

}  // namespace hio::detail
