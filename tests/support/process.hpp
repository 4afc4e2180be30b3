// Helpers for tests that run peer programs (python3, nc): a condition doer, a doer that runs
// a program and finishes when it exits, temporary paths. Core only: no Asio or OpenSSL.
#pragma once

#if !defined(_WIN32)
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>
#endif

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <hio/core.hpp>

#include "support/files.hpp"

#if !defined(_WIN32)
extern char** environ;
#endif

namespace hio_test {

/// Finishes when `condition()` is true; checked every pass (or every `tock`).
class Until : public hio::Doer {
public:
    explicit Until(std::function<bool()> condition, double tock = 0.0)
        : hio::Doer{tock}, condition_{std::move(condition)} {}

protected:
    bool recur(double) override { return condition_(); }

private:
    std::function<bool()> condition_;
};

/// What run_until() saw.
struct RunOutcome {
    bool reached = false;          ///< the goal held before the limit
    std::uint64_t wake_passes = 0;  ///< Doist::wake_passes()
    std::uint64_t passes = 0;       ///< Doist::passes()
};

/// Runs `doers` in real time (tock 0.01) on `waiter` until `goal()` holds (checked every
/// `check` seconds of tyme; 0: every pass), then stops the Doist, closing every doer; or until
/// `limit` seconds pass.
inline RunOutcome run_until(hio::Waiter& waiter, std::vector<hio::Doer*> doers, const std::function<bool()>& goal,
                            double limit, double check = 0.0) {
    hio::Doist doist{{.tock = 0.01, .limit = limit, .real = true, .waiter = &waiter}};
    RunOutcome outcome;
    Until watcher{[&] {
        if (!outcome.reached && goal()) {
            outcome.reached = true;
            doist.request_stop();
        }
        return outcome.reached;
    }, check};
    doers.push_back(&watcher);
    doist.run(doers);
    outcome.wake_passes = doist.wake_passes();
    outcome.passes = doist.passes();
    return outcome;
}

/// run_until() with a 5 s limit: whether `goal()` came to hold.
inline bool reached(hio::Waiter& waiter, std::vector<hio::Doer*> doers, const std::function<bool()>& goal,
                    double limit = 5.0) {
    return run_until(waiter, std::move(doers), goal, limit).reached;
}

/// Runs `argv` with stdin from `input` and stdout to `output` (paths; empty: /dev/null);
/// finishes when the program exits. A program still running at exit is killed.
class ProcessDoer : public hio::Doer {
public:
    // It looks for the program's exit every 0.05 s of tyme, not every pass, so that a Doist
    // whose other doers idle can sleep while a peer program runs.
    ProcessDoer(std::vector<std::string> argv, std::string input = {}, std::string output = {})
        : hio::Doer{0.05}, argv_{std::move(argv)}, input_{std::move(input)}, output_{std::move(output)} {}

    /// The exit status, or -1 while running or when killed by a signal.
    int exit_code() const noexcept { return code_; }

protected:
#if defined(_WIN32)
    // The peers (curl, python3, nc, openssl) are Linux programs: the Windows suite does not run
    // the tests that start them (tagged [peer]); one that does fails here, naming it.
    void enter() override {
        throw std::runtime_error{"cannot start " + argv_[0] + " under Windows: tag the test [peer]"};
    }
    bool recur(double) override { return true; }
#else
    void enter() override {
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 0, input_.empty() ? "/dev/null" : input_.c_str(), O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 1, output_.empty() ? "/dev/null" : output_.c_str(),
                                         O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);  // peers are chatty
        std::vector<char*> args;
        for (std::string& arg : argv_)
            args.push_back(arg.data());
        args.push_back(nullptr);
        const int failed = posix_spawnp(&pid_, args[0], &actions, nullptr, args.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        if (failed != 0)
            throw std::runtime_error{"cannot start " + argv_[0]};
    }

    bool recur(double) override {
        int status = 0;
        if (waitpid(pid_, &status, WNOHANG) != pid_)
            return false;
        code_ = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        pid_ = -1;
        return true;
    }

    void exit() noexcept override {
        if (pid_ > 0) {
            kill(pid_, SIGKILL);
            int status = 0;
            waitpid(pid_, &status, 0);
            pid_ = -1;
        }
    }
#endif

private:
    std::vector<std::string> argv_;
    std::string input_;
    std::string output_;
    pid_t pid_ = -1;
    int code_ = -1;
};

}  // namespace hio_test
