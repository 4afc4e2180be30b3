#pragma once
/// \file
/// FIFO storage for the simulated network: bytes a stream carries, packets a pipe holds.

#include <cstddef>
#include <cstring>
#include <span>
#include <vector>

namespace hio::sim::detail {

/// A FIFO over one vector: pushes at the back, pops from a moving front, compacts when the
/// popped part is the larger half (amortized O(1), no allocation once warm).
template <class T>
class Fifo {
public:
    [[nodiscard]] std::size_t size() const noexcept { return items_.size() - head_; }
    [[nodiscard]] bool empty() const noexcept { return head_ == items_.size(); }
    [[nodiscard]] T& front() noexcept { return items_[head_]; }
    [[nodiscard]] const T& front() const noexcept { return items_[head_]; }
    [[nodiscard]] T* begin() noexcept { return items_.data() + head_; }
    [[nodiscard]] T* end() noexcept { return items_.data() + items_.size(); }

    void push(const T& item) {
        compact();
        items_.push_back(item);
    }

    /// Appends `count` items from `from`.
    void append(const T* from, std::size_t count) {
        compact();
        items_.insert(items_.end(), from, from + count);
    }

    /// Drops `count` items from the front.
    void pop(std::size_t count = 1) noexcept {
        head_ += count;
        if (head_ >= items_.size())
            clear();
    }

    /// Keeps only the first `count` items.
    void truncate(std::size_t count) {
        if (count < size())
            items_.resize(head_ + count);
        if (empty())
            clear();
    }

    void clear() noexcept {
        items_.clear();
        head_ = 0;
        if (items_.capacity() > 16384 / sizeof(T))
            std::vector<T>{}.swap(items_);  // a burst is over: give its memory back
    }

private:
    void compact() {
        if (head_ != 0 && head_ * 2 >= items_.size()) {
            items_.erase(items_.begin(), items_.begin() + static_cast<std::ptrdiff_t>(head_));
            head_ = 0;
        }
    }

    std::vector<T> items_;
    std::size_t head_ = 0;
};

}  // namespace hio::sim::detail
