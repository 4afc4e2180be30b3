#pragma once
/// \file
/// Deck: a FIFO queue with push/pull that never throws on empty (hio: help.decking.Deck).

#include <cstddef>
#include <deque>
#include <initializer_list>
#include <limits>
#include <optional>
#include <ostream>
#include <string>
#include <utility>

#include <hio/error.hpp>

namespace hio {

/// A first-in first-out queue: `push` at the back, `pull` from the front.
///
/// Mirrors hio's Deck with two changes a C++ user wants: `pull()` of an empty Deck returns
/// `std::nullopt` instead of raising (hio's `pull(emptive=True)`), and a Deck may have a
/// capacity, beyond which `push` refuses the value and returns false, so a producer sees back
/// pressure instead of growing memory without bound. Pushing `std::nullopt` is ignored, as
/// hio ignores `push(None)`. Falsy values (0, "", false) are ordinary values.
template <class T>
class Deck {
public:
    /// The type of the values queued.
    using value_type = T;
    /// Iterates front to back without removing.
    using const_iterator = typename std::deque<T>::const_iterator;

    /// An unbounded Deck.
    Deck() = default;

    /// A Deck that holds at most `capacity` values. Throws ValidationError for 0.
    /// (A named constructor: `Deck<int>{2}` would be a Deck holding the value 2.)
    [[nodiscard]] static Deck with_capacity(std::size_t capacity) {
        if (capacity == 0)
            throw ValidationError{"Deck: capacity must be >= 1, got 0"};
        Deck deck;
        deck.capacity_ = capacity;
        return deck;
    }

    /// An unbounded Deck holding `values` in order.
    Deck(std::initializer_list<T> values) : items_(values) {}

    /// Appends `value` at the back; returns false (and drops nothing already queued) when full.
    bool push(T value) {
        if (full())
            return false;
        items_.push_back(std::move(value));
        return true;
    }

    /// Ignored, as hio ignores `push(None)`; returns false.
    bool push(std::nullopt_t) noexcept { return false; }

    /// Removes and returns the front value, or std::nullopt when empty.
    std::optional<T> pull() {
        if (items_.empty())
            return std::nullopt;
        std::optional<T> value{std::move(items_.front())};
        items_.pop_front();
        return value;
    }

    /// The front value without removing it, or nullptr when empty.
    [[nodiscard]] const T* peek() const noexcept { return items_.empty() ? nullptr : &items_.front(); }

    /// Values queued.
    [[nodiscard]] std::size_t size() const noexcept { return items_.size(); }
    /// True when no value is queued.
    [[nodiscard]] bool empty() const noexcept { return items_.empty(); }
    /// True when push() would refuse (capacity() values are queued).
    [[nodiscard]] bool full() const noexcept { return items_.size() >= capacity_; }
    /// The most values the Deck holds; SIZE_MAX when unbounded.
    [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
    /// Drops every value.
    void clear() noexcept { items_.clear(); }

    /// The front value, for iteration front to back.
    [[nodiscard]] const_iterator begin() const noexcept { return items_.begin(); }
    /// Past the back value.
    [[nodiscard]] const_iterator end() const noexcept { return items_.end(); }
    /// The value `index` places from the front. Throws std::out_of_range past the back.
    [[nodiscard]] const T& operator[](std::size_t index) const { return items_.at(index); }

    /// True when both hold the same values in the same order (capacities are not compared).
    friend bool operator==(const Deck& a, const Deck& b) { return a.items_ == b.items_; }

    /// Prints `Deck([a, b, c])` as hio's repr does (values through their own operator<<).
    friend std::ostream& operator<<(std::ostream& out, const Deck& deck) {
        out << "Deck([";
        const char* separator = "";
        for (const T& item : deck.items_) {
            out << separator;
            print(out, item);
            separator = ", ";
        }
        return out << "])";
    }

private:
    template <class U>
    static void print(std::ostream& out, const U& item) {
        out << item;
    }
    // Strings print quoted, as Python's list repr shows them.
    static void print(std::ostream& out, const std::string& item) { out << '\'' << item << '\''; }

    std::deque<T> items_;
    std::size_t capacity_ = std::numeric_limits<std::size_t>::max();
};

}  // namespace hio
