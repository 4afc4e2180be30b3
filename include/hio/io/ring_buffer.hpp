#pragma once
/// \file
/// RingBuffer: a bounded byte queue with contiguous spans for zero-copy I/O, and BufferPool.

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <hio/error.hpp>

namespace hio {

/// A stack of equal-sized byte blocks that RingBuffers borrow while they hold data.
///
/// A server with thousands of idle connections should not pin two full buffers per
/// connection. Buffers that use a pool take a block when data arrives and give it back when
/// they drain; in steady state no allocation happens (the pool keeps the blocks it has made,
/// up to `max_idle_blocks`). The pool must outlive every buffer that uses it.
class BufferPool {
public:
    /// A pool of blocks of `block_size` bytes, keeping at most `max_idle_blocks` unused ones.
    /// Throws ValidationError for a block size of 0.
    explicit BufferPool(std::size_t block_size, std::size_t max_idle_blocks = 1024)
        : block_size_{block_size}, max_idle_{max_idle_blocks} {
        if (block_size == 0)
            throw ValidationError{"BufferPool: block_size must be >= 1, got 0"};
    }

    BufferPool(const BufferPool&) = delete;
    BufferPool& operator=(const BufferPool&) = delete;

    /// The size of every block.
    [[nodiscard]] std::size_t block_size() const noexcept { return block_size_; }

    /// Blocks lent out right now.
    [[nodiscard]] std::size_t lent() const noexcept { return lent_; }

    /// Unused blocks kept for reuse.
    [[nodiscard]] std::size_t idle() const noexcept { return idle_.size(); }

    /// A block of block_size() bytes; allocates only when no idle block is left.
    [[nodiscard]] std::unique_ptr<std::byte[]> acquire() {
        ++lent_;
        if (idle_.empty())
            return std::make_unique_for_overwrite<std::byte[]>(block_size_);
        auto block = std::move(idle_.back());
        idle_.pop_back();
        return block;
    }

    /// Takes a block back (freed when the pool already keeps max_idle_blocks).
    void give_back(std::unique_ptr<std::byte[]> block) noexcept {
        if (!block)
            return;
        --lent_;
        if (idle_.size() < max_idle_) {
            try {
                idle_.push_back(std::move(block));
            } catch (...) {  // out of memory growing the stack: just free the block
            }
        }
    }

private:
    std::size_t block_size_;
    std::size_t max_idle_;
    std::size_t lent_ = 0;
    std::vector<std::unique_ptr<std::byte[]>> idle_;
};

/// A bounded FIFO of bytes: what a socket has received and not yet been read, or what is
/// waiting to be sent.
///
/// hio's rxbs and txbs are unbounded bytearrays; this buffer has a capacity and refuses what
/// does not fit: `write()` returns how many bytes it accepted, so back pressure is visible to
/// whoever fills it (a full receive buffer means the socket is not read and TCP's window slows
/// the sender). `write_span()`/`commit()` and `read_span()`/`consume()` expose contiguous
/// regions so that recv and send move bytes straight in and out without another copy. Every
/// operation is O(1) apart from the bytes copied, and none allocates, except that storage is
/// made (or borrowed from a BufferPool) when the first byte arrives. A buffer with a pool gives
/// its storage back whenever it drains, so an idle connection holds no buffer memory.
///
/// Watermarks help producers hold off before the buffer is full: `above_high_watermark()`
/// turns true at `high_watermark` bytes and, once there, a producer should wait for
/// `below_low_watermark()`.
class RingBuffer {
public:
    /// Default capacity: 64 KiB, the size of a large socket read.
    static constexpr std::size_t default_capacity = 64 * 1024;

    /// A buffer holding at most `capacity` bytes, with its own storage (made on first use).
    /// Watermarks default to the capacity (high) and a quarter of it (low).
    /// Throws ValidationError for a capacity of 0.
    explicit RingBuffer(std::size_t capacity = default_capacity)
        : capacity_{checked_capacity(capacity)}, high_{capacity_}, low_{capacity_ / 4} {}

    /// A buffer that borrows `pool.block_size()` bytes of storage from `pool` while it holds
    /// data. The pool must outlive the buffer.
    explicit RingBuffer(BufferPool& pool)
        : pool_{&pool}, capacity_{checked_capacity(pool.block_size())}, high_{capacity_}, low_{capacity_ / 4} {}

    RingBuffer(const RingBuffer&) = delete;
    RingBuffer& operator=(const RingBuffer&) = delete;
    /// Takes `other`'s bytes and storage; `other` is left empty.
    RingBuffer(RingBuffer&& other) noexcept
        : storage_{std::move(other.storage_)}, pool_{other.pool_}, capacity_{other.capacity_}, head_{other.head_},
          size_{other.size_}, high_{other.high_}, low_{other.low_} {
        other.head_ = other.size_ = 0;
    }
    RingBuffer& operator=(RingBuffer&&) = delete;
    ~RingBuffer() { release_storage(); }

    /// The most bytes it holds.
    [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }
    /// Bytes held.
    [[nodiscard]] std::size_t size() const noexcept { return size_; }
    /// Bytes write() would accept now.
    [[nodiscard]] std::size_t free_space() const noexcept { return capacity_ - size_; }
    /// True when no byte is held.
    [[nodiscard]] bool empty() const noexcept { return size_ == 0; }
    /// True when write() would accept nothing.
    [[nodiscard]] bool full() const noexcept { return size_ == capacity_; }

    /// True while storage is held (made, or borrowed from the pool).
    [[nodiscard]] bool holds_storage() const noexcept { return storage_ != nullptr; }

    /// Sets the watermarks. Throws ValidationError unless low <= high <= capacity().
    void watermarks(std::size_t low, std::size_t high) {
        if (low > high || high > capacity_)
            throw ValidationError{"RingBuffer: watermarks need low <= high <= capacity (" +
                                  std::to_string(capacity_) + "), got low " + std::to_string(low) +
                                  ", high " + std::to_string(high)};
        low_ = static_cast<std::uint32_t>(low);
        high_ = static_cast<std::uint32_t>(high);
    }
    /// The level below which a held-off producer may resume.
    [[nodiscard]] std::size_t low_watermark() const noexcept { return low_; }
    /// The level at which a producer should hold off.
    [[nodiscard]] std::size_t high_watermark() const noexcept { return high_; }
    /// True at or above the high watermark: hold off.
    [[nodiscard]] bool above_high_watermark() const noexcept { return size_ >= high_; }
    /// True at or below the low watermark: resume.
    [[nodiscard]] bool below_low_watermark() const noexcept { return size_ <= low_; }

    // --- Writing ---------------------------------------------------------------------------

    /// The largest contiguous free region (empty when full). Fill a prefix, then `commit()`.
    /// Makes or borrows storage if none is held (the only allocation a buffer ever does).
    [[nodiscard]] std::span<std::byte> write_span() {
        if (size_ == capacity_)
            return {};
        ensure_storage();
        if (size_ == 0) {
            head_ = 0;  // empty: restart at the front for the longest span
            return {storage_.get(), capacity_};
        }
        // Data is [head, tail) or wraps; the free region after tail runs to the end, or up to head.
        const std::size_t tail = wrap(std::size_t{head_} + size_);
        const std::size_t end = tail > head_ ? capacity_ : head_;
        return {storage_.get() + tail, end - tail};
    }

    /// Marks the first `count` bytes of the last write_span() as written.
    /// Throws ValidationError when `count` exceeds the free space.
    void commit(std::size_t count) {
        if (count > free_space())
            throw ValidationError{"RingBuffer: commit of " + std::to_string(count) +
                                  " bytes exceeds the free space of " + std::to_string(free_space())};
        size_ += static_cast<std::uint32_t>(count);
        release_if_empty();
    }

    /// Copies as much of `data` as fits; returns the number of bytes accepted.
    std::size_t write(std::span<const std::byte> data) {
        std::size_t done = 0;
        while (done < data.size()) {
            const std::span<std::byte> span = write_span();
            if (span.empty())
                break;
            const std::size_t n = std::min(span.size(), data.size() - done);
            std::memcpy(span.data(), data.data() + done, n);
            size_ += static_cast<std::uint32_t>(n);
            done += n;
        }
        return done;
    }

    /// Copies as much of `text` as fits; returns the number of bytes accepted.
    std::size_t write(std::string_view text) { return write(std::as_bytes(std::span{text.data(), text.size()})); }

    // --- Reading ---------------------------------------------------------------------------

    /// The oldest contiguous readable region (empty when the buffer is). Read a prefix, then
    /// `consume()`. When data wraps around the end, a second call after consume() gives the
    /// rest.
    [[nodiscard]] std::span<const std::byte> read_span() const noexcept {
        if (size_ == 0)
            return {};
        return {storage_.get() + head_, std::min(size(), capacity() - head_)};
    }

    /// Drops the first `count` bytes. Throws ValidationError when `count` exceeds size().
    void consume(std::size_t count) {
        if (count > size_)
            throw ValidationError{"RingBuffer: consume of " + std::to_string(count) +
                                  " bytes exceeds the " + std::to_string(size_) + " held"};
        head_ = static_cast<std::uint32_t>(wrap(std::size_t{head_} + count));
        size_ -= static_cast<std::uint32_t>(count);
        release_if_empty();
    }

    /// Copies up to `out.size()` bytes out and consumes them; returns how many.
    std::size_t read(std::span<std::byte> out) {
        std::size_t done = 0;
        while (done < out.size() && size_ != 0) {
            const std::span<const std::byte> span = read_span();
            const std::size_t n = std::min(span.size(), out.size() - done);
            std::memcpy(out.data() + done, span.data(), n);
            consume(n);
            done += n;
        }
        return done;
    }

    /// Reads up to `max` bytes (all by default) as a string.
    std::string read_string(std::size_t max = static_cast<std::size_t>(-1)) {
        std::string out(std::min(max, size()), '\0');
        read(std::as_writable_bytes(std::span{out.data(), out.size()}));
        return out;
    }

    /// What find() returns when there is no match.
    static constexpr std::size_t npos = static_cast<std::size_t>(-1);

    /// The offset of the first occurrence of `needle` among the held bytes at or after offset
    /// `from` (a match may straddle the wrap), or npos. An empty needle matches at `from`.
    /// Nothing is consumed. A single byte is found with memchr on each of the two pieces.
    [[nodiscard]] std::size_t find(std::string_view needle, std::size_t from = 0) const noexcept {
        if (from > size_ || needle.size() > size_ - from)
            return npos;
        if (needle.empty())
            return from;
        const auto first = static_cast<unsigned char>(needle.front());
        const std::size_t last_start = size_ - needle.size();  // the last offset a match can start at
        for (std::size_t at = from; at <= last_start;) {
            // The contiguous piece that holds offset `at`, cut at the last possible start.
            const std::size_t index = wrap(std::size_t{head_} + at);
            const std::size_t piece = std::min(capacity_ - index, last_start - at + 1);
            const void* hit = std::memchr(storage_.get() + index, first, piece);
            if (hit == nullptr) {
                at += piece;
                continue;
            }
            at += static_cast<std::size_t>(static_cast<const std::byte*>(hit) - (storage_.get() + index));
            if (matches(needle, at))
                return at;
            ++at;
        }
        return npos;
    }

    /// The byte `offset` bytes after the oldest (offset < size()).
    [[nodiscard]] std::byte at(std::size_t offset) const noexcept { return storage_[wrap(std::size_t{head_} + offset)]; }

    /// Copies up to `out.size()` held bytes starting `offset` bytes in, without consuming them;
    /// returns how many.
    std::size_t peek(std::span<std::byte> out, std::size_t offset = 0) const noexcept {
        if (offset >= size_)
            return 0;
        const std::size_t count = std::min(out.size(), size_ - offset);
        const std::size_t index = wrap(std::size_t{head_} + offset);
        const std::size_t first = std::min(count, capacity_ - index);
        std::memcpy(out.data(), storage_.get() + index, first);
        std::memcpy(out.data() + first, storage_.get(), count - first);
        return count;
    }

    /// Moves as much as fits from `from` into this buffer; returns the number of bytes moved.
    /// Into an empty buffer of the same capacity and pool the bytes move without a copy: the
    /// two buffers trade storage (an echo costs no memcpy).
    std::size_t transfer_from(RingBuffer& from) {
        if (size_ == 0 && from.size_ != 0 && capacity_ == from.capacity_ && pool_ == from.pool_ && &from != this) {
            std::swap(storage_, from.storage_);
            std::swap(head_, from.head_);
            std::swap(size_, from.size_);
            from.release_if_empty();
            return size_;
        }
        std::size_t moved = 0;
        while (!from.empty() && !full()) {
            const std::span<const std::byte> span = from.read_span();
            const std::size_t n = write(span);
            from.consume(n);
            moved += n;
            if (n < span.size())
                break;
        }
        return moved;
    }

    /// Drops every byte (and gives pooled storage back).
    void clear() noexcept {
        head_ = size_ = 0;
        release_if_empty();
    }

    /// Frees or gives back the storage when empty; a later write makes or borrows it again.
    void shrink() noexcept {
        if (size_ == 0)
            release_storage();
    }

private:
    static std::uint32_t checked_capacity(std::size_t capacity) {
        if (capacity == 0 || capacity > std::numeric_limits<std::uint32_t>::max())
            throw ValidationError{"RingBuffer: capacity must be from 1 to 4 GiB - 1, got " + std::to_string(capacity)};
        return static_cast<std::uint32_t>(capacity);
    }

    [[nodiscard]] std::size_t wrap(std::size_t at) const noexcept { return at >= capacity_ ? at - capacity_ : at; }

    // True when the held bytes from offset `at` begin with `needle` (it fits: checked by find).
    [[nodiscard]] bool matches(std::string_view needle, std::size_t at) const noexcept {
        for (std::size_t k = 0; k < needle.size(); ++k)
            if (storage_[wrap(std::size_t{head_} + at + k)] != static_cast<std::byte>(needle[k]))
                return false;
        return true;
    }

    void ensure_storage() {
        if (storage_)
            return;
        storage_ = pool_ != nullptr ? pool_->acquire() : std::make_unique_for_overwrite<std::byte[]>(capacity_);
        head_ = 0;
    }

    void release_if_empty() noexcept {
        if (size_ == 0) {
            head_ = 0;
            if (pool_ != nullptr)
                release_storage();
        }
    }

    void release_storage() noexcept {
        if (pool_ != nullptr)
            pool_->give_back(std::move(storage_));
        storage_.reset();
        head_ = 0;
    }

    // 32-bit offsets (a buffer holds less than 4 GiB): a connection holds two buffers, and
    // an idle server holds thousands of connections.
    std::unique_ptr<std::byte[]> storage_;
    BufferPool* pool_ = nullptr;
    std::uint32_t capacity_;
    std::uint32_t head_ = 0;  // index of the oldest byte
    std::uint32_t size_ = 0;
    std::uint32_t high_;
    std::uint32_t low_;
};

}  // namespace hio
