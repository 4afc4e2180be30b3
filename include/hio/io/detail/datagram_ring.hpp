#pragma once
/// \file
/// A bounded ring of datagrams whose slots keep their payload's storage, so a steady stream
/// of datagrams allocates nothing once every slot has held one as large.

#include <algorithm>
#include <cstddef>
#include <span>
#include <vector>

#include <hio/io/datagram.hpp>

namespace hio::detail {

/// A fixed number of Datagram slots used as a FIFO.
class DatagramRing {
public:
    /// A ring of `capacity` slots (at least 1).
    explicit DatagramRing(std::size_t capacity) : slots_(std::max<std::size_t>(capacity, 1)) {}

    [[nodiscard]] std::size_t capacity() const noexcept { return slots_.size(); }
    [[nodiscard]] std::size_t size() const noexcept { return count_; }
    [[nodiscard]] bool empty() const noexcept { return count_ == 0; }
    [[nodiscard]] bool full() const noexcept { return count_ == slots_.size(); }

    /// The oldest datagram; the ring must not be empty.
    [[nodiscard]] Datagram& front() noexcept { return slots_[head_]; }

    /// Drops the `n` oldest (at most size()).
    void pop(std::size_t n = 1) noexcept {
        n = std::min(n, count_);
        head_ = (head_ + n) % slots_.size();
        count_ -= n;
    }

    /// The next free slot, to fill and then commit(1); the ring must not be full.
    [[nodiscard]] Datagram& back_slot() noexcept { return slots_[(head_ + count_) % slots_.size()]; }

    /// The free slots that follow each other in memory, from the next free one (empty when full).
    [[nodiscard]] std::span<Datagram> free_run() noexcept {
        if (full())
            return {};
        const std::size_t tail = (head_ + count_) % slots_.size();
        const std::size_t end = tail >= head_ ? slots_.size() : head_;
        return {slots_.data() + tail, end - tail};
    }

    /// The held datagrams that follow each other in memory, from the oldest.
    [[nodiscard]] std::span<const Datagram> data_run() const noexcept {
        return {slots_.data() + head_, std::min(count_, slots_.size() - head_)};
    }

    /// Counts `n` more slots as held (after filling them from free_run or back_slot).
    void commit(std::size_t n) noexcept { count_ = std::min(count_ + n, slots_.size()); }

    /// Empties the ring (the slots keep their storage).
    void clear() noexcept { head_ = count_ = 0; }

private:
    std::vector<Datagram> slots_;
    std::size_t head_ = 0;
    std::size_t count_ = 0;
};

}  // namespace hio::detail
