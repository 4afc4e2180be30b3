// Helpers for tests over real loopback sockets: a real-time rig, a condition doer, and a
// doer that runs a peer program (python3, nc) and finishes when it exits.
#pragma once

#include <fcntl.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <hio/hio.hpp>

extern char** environ;

namespace hio_test {

/// A Reactor, a TCP network on it, and a real-time Doist runner with a wall-clock bound.
struct NetRig {
    hio::Reactor reactor;
    hio::tcp::Network network{reactor};

    /// Runs `doers` in real time (tock 0.01) until all finish or `limit` seconds pass.
    /// Returns the Doist's done(): true when every doer finished on its own.
    bool run(const std::vector<hio::Doer*>& doers, double limit = 20.0, double tock = 0.01) {
        hio::Doist doist{{.tock = tock, .limit = limit, .real = true, .waiter = &reactor}, doers};
        doist.run();
        return doist.done();
    }

    /// Runs `doers` until `goal()` holds (then stops the Doist, closing every doer) or `limit`
    /// seconds pass. Returns whether the goal was reached. For servers, which never finish.
    bool run_until(std::vector<hio::Doer*> doers, const std::function<bool()>& goal, double limit = 20.0);

    /// Wake passes (Doist::wake_passes) and passes (Doist::passes) of the last run_until().
    std::uint64_t wake_passes = 0;
    std::uint64_t passes = 0;
};

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

private:
    std::vector<std::string> argv_;
    std::string input_;
    std::string output_;
    pid_t pid_ = -1;
    int code_ = -1;
};

inline bool NetRig::run_until(std::vector<hio::Doer*> doers, const std::function<bool()>& goal, double limit) {
    hio::Doist doist{{.tock = 0.01, .limit = limit, .real = true, .waiter = &reactor}};
    bool reached = false;
    Until watcher{[&] {
        if (!reached && goal()) {
            reached = true;
            doist.request_stop();
        }
        return reached;
    }, 0.05};
    doers.push_back(&watcher);
    doist.run(doers);
    wake_passes = doist.wake_passes();
    passes = doist.passes();
    return reached;
}

/// A loopback port nobody listens on right now (bound, read back, closed). For tests that
/// need a refused port or must start a peer program on a port of their choosing.
inline std::uint16_t unused_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    ::close(fd);
    return ntohs(address.sin_port);
}

/// A file's whole content.
inline std::string slurp(const std::string& path) {
    std::ifstream in{path, std::ios::binary};
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

/// A unique path under the temporary directory.
inline std::string temp_path(const std::string& name) {
    const char* dir = std::getenv("TMPDIR");
    return std::string{dir != nullptr ? dir : "/tmp"} + "/hio_test_" + std::to_string(getpid()) + "_" + name;
}

/// Deterministic bytes for stream `seed`, so that every echoed byte can be checked.
inline std::string pattern(std::size_t size, unsigned seed) {
    std::string out(size, '\0');
    unsigned state = seed * 2654435761U + 1U;
    for (char& c : out) {
        state = state * 1103515245U + 12345U;
        c = static_cast<char>(state >> 16);
    }
    return out;
}

/// A self-signed certificate for localhost and 127.0.0.1 (EC P-256, two days), made with the
/// openssl command line into a temporary directory that is removed with this object.
class SelfSignedCertificate {
public:
    SelfSignedCertificate() : dir_{temp_path("self_signed")} {
        const std::string command = "mkdir -p '" + dir_ + "' && openssl req -x509 -newkey ec -pkeyopt "
                                    "ec_paramgen_curve:prime256v1 -nodes -keyout '" + key() + "' -out '" + certificate() +
                                    "' -days 2 -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 "
                                    "2>/dev/null";
        if (std::system(command.c_str()) != 0)
            throw std::runtime_error{"openssl could not make a test certificate in " + dir_};
    }
    SelfSignedCertificate(const SelfSignedCertificate&) = delete;
    SelfSignedCertificate& operator=(const SelfSignedCertificate&) = delete;
    ~SelfSignedCertificate() { [[maybe_unused]] const int ignored = std::system(("rm -rf '" + dir_ + "'").c_str()); }

    [[nodiscard]] std::string certificate() const { return dir_ + "/cert.pem"; }
    [[nodiscard]] std::string key() const { return dir_ + "/key.pem"; }

private:
    std::string dir_;
};

}  // namespace hio_test
