#pragma once
// Doers that record their lifecycle, ported from hio's ExDoer, TryDoer and the LogDoer of
// hio-scenarios.md. Records print as `ctx@tyme(feed,count)`, numbers in their shortest exact
// form, so comparing strings compares doubles bit for bit.

#include <exception>
#include <string>
#include <vector>

#include <hio/detail/validate.hpp>
#include <hio/doer.hpp>
#include <hio/dodoer.hpp>

namespace hio_test {

inline std::string num(double value) { return hio::detail::format_number(value); }

/// hio's State record: (tyme, context, feed, count), kept as text.
struct Recorder {
    std::vector<std::string> records;
    int count = 0;

    void add(double tyme, const char* context, const std::string& feed) {
        records.push_back(std::string{context} + "@" + num(tyme) + "(" + feed + "," +
                          std::to_string(count) + ")");
    }
    [[nodiscard]] std::string joined() const {
        std::string out;
        for (const auto& record : records)
            out += (out.empty() ? "" : " ") + record;
        return out;
    }
};

/// hio's ExDoer: done after 4 recurs; records enter, recur, close, abort, exit.
class ExDoer : public hio::Doer {
public:
    using Doer::Doer;
    Recorder log;

    [[nodiscard]] std::string trace() const { return log.joined(); }

protected:
    void enter() override {
        log.count = 0;
        log.add(tyme(), "enter", num(tyme()));
    }
    bool recur(double tyme) override {
        ++log.count;
        log.add(tyme, "recur", num(tyme));
        return log.count > 3;
    }
    void close() noexcept override {
        ++log.count;
        log.add(tyme(), "close", "None");
    }
    void abort(std::exception_ptr error) noexcept override {
        ++log.count;
        log.add(tyme(), "abort", hio::describe(error));
    }
    void exit() noexcept override {
        ++log.count;
        log.add(tyme(), "exit", "None");
    }
};

/// hio's TryDoer: like ExDoer, enter feed "Default", done after stop+1 recurs.
class TryDoer : public ExDoer {
public:
    explicit TryDoer(int stop = 3, double tock = 0.0) : ExDoer{tock}, stop_{stop} {}

protected:
    void enter() override {
        log.count = 0;
        log.add(tyme(), "enter", "\"Default\"");
    }
    bool recur(double tyme) override {
        ++log.count;
        log.add(tyme, "recur", num(tyme));
        return log.count > stop_;
    }

private:
    int stop_;
};

/// One global log of `name ctx@tyme` lines (hio-scenarios' LogDoer).
struct Journal {
    std::vector<std::string> lines;
    void add(const std::string& name, const char* context, double tyme) {
        lines.push_back(name + " " + context + "@" + num(tyme));
    }
    [[nodiscard]] std::string joined() const {
        std::string out;
        for (const auto& line : lines)
            out += (out.empty() ? "" : ", ") + line;
        return out;
    }
};

struct LogPlan {
    int stop = -1;
    int raise_at = -1;
    int interrupt_at = -1;
    bool done_in_enter = false;
    bool raise_in_enter = false;
};

/// Logs every context to a Journal; finishes after `stop` recurs (never when stop < 0);
/// throws std::runtime_error at recur number `raise_at`, hio::Interrupt at `interrupt_at`.
class LogDoer : public hio::Doer {
public:
    using Plan = LogPlan;
    LogDoer(Journal& journal, std::string name, Plan plan = {}, double tock = 0.0)
        : Doer{tock}, journal_{journal}, name_{std::move(name)}, plan_{plan} {}

    int recurs = 0;

protected:
    void enter() override {
        recurs = 0;
        journal_.add(name_, "enter", tyme());
        if (plan_.raise_in_enter)
            throw std::runtime_error{name_ + " failed in enter"};
        if (plan_.done_in_enter)
            done(true);
    }
    bool recur(double tyme) override {
        ++recurs;
        journal_.add(name_, "recur", tyme);
        if (recurs == plan_.raise_at)
            throw std::runtime_error{name_ + " failed"};
        if (recurs == plan_.interrupt_at)
            throw hio::Interrupt{"test"};
        return plan_.stop >= 0 && recurs >= plan_.stop;
    }
    void clean() override { journal_.add(name_, "clean", tyme()); }
    void close() noexcept override { journal_.add(name_, "close", tyme()); }
    void abort(std::exception_ptr) noexcept override { journal_.add(name_, "abort", tyme()); }
    void exit() noexcept override { journal_.add(name_, "exit", tyme()); }

private:
    Journal& journal_;
    std::string name_;
    Plan plan_;
};

/// A DoDoer that logs its own contexts to a Journal, then does the DoDoer's work.
class LogDoDoer : public hio::DoDoer {
public:
    LogDoDoer(Journal& journal, std::string name, std::vector<hio::Doer*> doers,
              hio::DoDoer::Options options = {})
        : DoDoer{options, doers}, journal_{journal}, name_{std::move(name)} {}

protected:
    void enter() override {
        journal_.add(name_, "enter", tyme());
        DoDoer::enter();
    }
    bool recur(double tyme) override {
        const bool done = DoDoer::recur(tyme);
        journal_.add(name_, "recur", tyme);
        return done;
    }
    void clean() override { journal_.add(name_, "clean", tyme()); }
    void close() noexcept override { journal_.add(name_, "close", tyme()); }
    void abort(std::exception_ptr) noexcept override { journal_.add(name_, "abort", tyme()); }
    void exit() noexcept override {
        journal_.add(name_, "exit", tyme());
        DoDoer::exit();
    }

private:
    Journal& journal_;
    std::string name_;
};

}  // namespace hio_test
