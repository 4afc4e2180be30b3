#pragma once
/// \file
/// hio::sim::Disk: a small key-value disk per simulated host, which keeps what was synced
/// across a crash and loses (or tears) what was not, as the seed decides.

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <hio/random.hpp>

namespace hio::sim {

/// A host's disk: keys and values that survive the host's crash (World::crash), and what
/// happened to the writes that had not been synced.
///
/// A crash in a simulation closes and re-enters the same doer objects, so what a program keeps
/// in its members survives unless it says otherwise (Host::on_crash, Host::on_restart); what
/// it keeps here survives as a real disk would. `put()` and `erase()` are writes in the order
/// made; `sync()` makes every write so far durable (fsync). At a crash the writes made since the
/// last sync reach the disk up to a point drawn from the seed (all of them, none, or the first
/// few: a cache flushed part way) and the rest are lost; with FaultOptions::torn_write the last
/// one that got there may be torn (its value cut short). A store that must not lose an answer
/// it gave syncs before giving it; one that reads a log back after a restart checks for a torn
/// tail.
class Disk {
public:
    /// Writes `value` at `key` (not yet durable: see sync()).
    void put(std::string key, std::string value) {
        log_.push_back({std::move(key), std::move(value), false});
        ++writes_;
    }

    /// Removes `key` (a write, like put()).
    void erase(std::string key) {
        log_.push_back({std::move(key), {}, true});
        ++writes_;
    }

    /// The value at `key` as the host sees it now (its unsynced writes included), or nothing.
    [[nodiscard]] std::optional<std::string> get(std::string_view key) const {
        for (auto write = log_.rbegin(); write != log_.rend(); ++write)
            if (write->key == key)
                return write->erased ? std::nullopt : std::optional<std::string>{write->value};
        const auto found = durable_.find(std::string{key});
        if (found == durable_.end())
            return std::nullopt;
        return found->second;
    }

    /// Every key and value as the host sees them now, in key order.
    [[nodiscard]] std::map<std::string, std::string> contents() const {
        std::map<std::string, std::string> now = durable_;
        for (const Write& write : log_)
            apply(now, write);
        return now;
    }

    /// Makes every write so far survive a crash (fsync).
    void sync() {
        for (const Write& write : log_)
            apply(durable_, write);
        log_.clear();
        ++syncs_;
    }

    /// Writes not yet synced.
    [[nodiscard]] std::size_t unsynced() const noexcept { return log_.size(); }
    /// Writes made, syncs made, and writes lost or torn by crashes, since the World began.
    struct Stats {
        std::uint64_t writes = 0;  ///< put() and erase() calls
        std::uint64_t syncs = 0;   ///< sync() calls
        std::uint64_t lost = 0;    ///< unsynced writes a crash lost
        std::uint64_t torn = 0;    ///< writes a crash tore
    };
    /// What the disk went through.
    [[nodiscard]] Stats stats() const noexcept { return {writes_, syncs_, lost_, torn_}; }

    /// The host crashed: a seeded prefix of the unsynced writes reaches the disk (the last of
    /// them torn with chance `torn_write`), the rest is lost. Returns a line for the fault log
    /// ("" when nothing was unsynced). The World calls it.
    std::string crash(Random& random, double torn_write) {
        if (log_.empty())
            return {};
        const std::size_t reached = static_cast<std::size_t>(random.below(log_.size() + 1));
        const bool tear = reached != 0 && random.chance(torn_write);
        bool torn = false;
        for (std::size_t i = 0; i < reached; ++i) {
            Write write = log_[i];
            if (tear && i + 1 == reached && !write.erased) {
                write.value.resize(static_cast<std::size_t>(random.below(write.value.size() + 1)));  // where the power went
                torn = true;
                ++torn_;
            }
            apply(durable_, write);
        }
        const std::size_t lost = log_.size() - reached;
        lost_ += lost;
        log_.clear();
        return std::to_string(reached) + " of " + std::to_string(reached + lost) + " unsynced writes kept" +
               (torn ? ", the last torn" : "");
    }

private:
    struct Write {
        std::string key;
        std::string value;
        bool erased;
    };

    static void apply(std::map<std::string, std::string>& into, const Write& write) {
        if (write.erased)
            into.erase(write.key);
        else
            into[write.key] = write.value;
    }

    std::map<std::string, std::string> durable_;  // what survives a crash
    std::vector<Write> log_;                      // written since the last sync, in order
    std::uint64_t writes_ = 0;
    std::uint64_t syncs_ = 0;
    std::uint64_t lost_ = 0;
    std::uint64_t torn_ = 0;
};

}  // namespace hio::sim
