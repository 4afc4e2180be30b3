#pragma once
/// \file
/// sim::detail::Calendar: what the simulated world does next, in tyme order. Internal.
///
/// Everything the World makes happen later is an event here: a pipe's next packet arriving,
/// a delayed accept, a scheduled fault or action, a datagram landing, a storm ending. An event
/// names the room that handles it (the stream model, the datagram model, the World itself),
/// a target in that room and a kind the room defines; the calendar knows no protocol. Events
/// due at the same tyme come out in the order they were scheduled (a sequence number), so a
/// run replays exactly.
///
/// Readiness to report ("notices": an armed transport became readable) is due at once and
/// comes out first, in the order it arose, before any scheduled event.

#include <cstdint>
#include <limits>

#include <hio/detail/timed_heap.hpp>
#include <hio/sim/detail/queue.hpp>

namespace hio::sim::detail {

/// Which part of the World handles an event.
enum class Room : std::uint8_t {
    world,      ///< the World: scheduled actions and faults
    streams,    ///< the stream model (detail::Streams)
    listeners,  ///< the listening ports (detail::Listeners)
    datagrams,  ///< the datagram model (detail::Datagrams)
};

/// One thing to happen at `due`.
struct Event {
    double due = 0.0;
    std::uint64_t seq = 0;     ///< set by the calendar: ties come out in scheduling order
    std::uint32_t target = 0;  ///< in the room: a stream, a listener, a socket, an action
    std::uint8_t side = 0;     ///< in the room: which end, which direction
    std::uint8_t kind = 0;     ///< the room's own kind of event
    Room room = Room::world;
};

/// Events in tyme order (see the file comment).
class Calendar {
public:
    /// Schedules `event` at its `due` tyme.
    void push(Event event) {
        event.seq = next_seq_++;
        // Events come in tyme order far more often than not (one latency after every
        // segment): those go to a FIFO, the others to the heap; next() takes the earlier head
        // of the two (ties by seq).
        if (in_order_.empty() || event.due >= last_in_order_) {
            last_in_order_ = event.due;
            in_order_.push(event);
        } else {
            out_of_order_.push(event);
        }
    }

    /// Queues readiness to report now, after the notices already queued (in their own
    /// FIFO: they take no sequence number).
    void notice(const Event& event) { notices_.push(event); }

    /// Takes the next event to dispatch at `tyme`: a notice, else the earliest event due by
    /// then. False when none is left.
    bool next(double tyme, Event& out) {
        if (!notices_.empty()) {
            out = notices_.front();
            notices_.pop();
            return true;
        }
        const bool fifo = !in_order_.empty() && in_order_.front().due <= tyme;
        const bool heap = !out_of_order_.empty() && out_of_order_.top().due <= tyme;
        if (fifo && (!heap || !Later{}(in_order_.front(), out_of_order_.top()))) {
            out = in_order_.front();
            in_order_.pop();
            return true;
        }
        if (heap) {
            out = out_of_order_.take();
            return true;
        }
        return false;
    }

    /// The tyme of the next event: -infinity when a notice waits (due now), +infinity when
    /// nothing is scheduled.
    [[nodiscard]] double next_due() const noexcept {
        if (!notices_.empty())
            return -std::numeric_limits<double>::infinity();
        double due = std::numeric_limits<double>::infinity();
        if (!in_order_.empty())
            due = in_order_.front().due;
        if (!out_of_order_.empty() && out_of_order_.top().due < due)
            due = out_of_order_.top().due;
        return due;
    }

private:
    struct Later {
        bool operator()(const Event& a, const Event& b) const noexcept {
            return a.due != b.due ? a.due > b.due : a.seq > b.seq;
        }
    };

    Fifo<Event> in_order_;                        // pushed in tyme order
    hio::detail::TimedHeap<Event, Later> out_of_order_;
    Fifo<Event> notices_;                         // readiness to report, due now
    double last_in_order_ = 0.0;
    std::uint64_t next_seq_ = 0;
};

}  // namespace hio::sim::detail
