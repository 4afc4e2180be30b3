#pragma once
/// \file
/// A Transport over file descriptors that are not sockets: a terminal, a serial device, a pipe
/// (one descriptor to read, one to write, or the same one). Internal: use serial::Console or
/// serial::Device.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <span>
#include <string>
#include <system_error>

#include <hio/error.hpp>
#include <hio/io/reactor.hpp>
#include <hio/io/transport.hpp>

namespace hio::serial::detail {

/// Reads `in` and writes `out` without blocking; readiness from a Reactor. The descriptors
/// are made non-blocking while it is open and get their old flags back at close; they are
/// closed only if owned. A regular file (which epoll cannot watch) is always ready.
class DescriptorTransport final : public Transport {
public:
    /// Watches `in` and `out` (may be the same descriptor, or -1 for none); `owned`: close
    /// them at close(). `name` is what local_endpoint() says. Throws hio::SystemError when a
    /// descriptor cannot be made non-blocking or watched.
    DescriptorTransport(Reactor& reactor, int in, int out, bool owned, std::string name)
        : in_{in}, out_{out}, owned_{owned}, name_{std::move(name)} {
        try {
            prepare(reactor, in_, in_flags_, in_watch_, in_always_);
            if (out_ != in_)
                prepare(reactor, out_, out_flags_, out_watch_, out_always_);
            else
                out_always_ = in_always_;
        } catch (...) {
            close();
            throw;
        }
    }

    DescriptorTransport(const DescriptorTransport&) = delete;
    DescriptorTransport& operator=(const DescriptorTransport&) = delete;
    ~DescriptorTransport() override { close(); }

    IoResult receive(std::span<std::byte> into) override {
        IoResult result;
        if (in_ < 0 || into.empty()) {
            result.would_block = in_ >= 0;
            result.eof = in_ < 0;
            return result;
        }
        const ssize_t got = ::read(in_, into.data(), into.size());
        if (got > 0) {
            result.bytes = static_cast<std::size_t>(got);
            // A short read does not mean drained here: a terminal in canonical mode returns one
            // line per read, a file what fits. Read on until the descriptor says EAGAIN.
            result.more = true;
        } else if (got == 0) {
            result.eof = true;  // end of pipe or file; on a terminal, Ctrl-D at a line start
        } else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
            result.would_block = true;
        } else {
            result.error = {errno, std::system_category()};  // EIO: the terminal hung up
        }
        return result;
    }

    IoResult send(std::span<const std::byte> from) override {
        IoResult result;
        if (out_ < 0) {
            result.error = std::make_error_code(std::errc::bad_file_descriptor);
            return result;
        }
        if (from.empty())
            return result;
        const ssize_t sent = ::write(out_, from.data(), from.size());
        if (sent >= 0)
            result.bytes = static_cast<std::size_t>(sent);
        else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
            result.would_block = true;
        else
            result.error = {errno, std::system_category()};  // EPIPE: the reader went away
        return result;
    }

    std::error_code shutdown_send() noexcept override { return {}; }

    void close() noexcept override {
        in_watch_.remove();
        out_watch_.remove();
        restore(in_, in_flags_);
        if (out_ != in_)
            restore(out_, out_flags_);
        if (owned_) {
            if (in_ >= 0)
                ::close(in_);
            if (out_ >= 0 && out_ != in_)
                ::close(out_);
        }
        in_ = out_ = -1;
    }

    void watch(TransportEvents* events) noexcept override {
        events_ = events;
        in_watch_.events(events);
        out_watch_.events(events);
    }
    void arm_read() override {
        if (in_ >= 0 && !in_always_)
            in_watch_.arm_read();
    }
    void arm_write() override {
        if (out_ < 0)
            return;
        if (out_always_) {
            if (events_ != nullptr)
                events_->on_writable();  // a file takes writes at once
            return;
        }
        (out_ == in_ ? in_watch_ : out_watch_).arm_write();
    }
    std::error_code finish_connect() noexcept override { return {}; }

    [[nodiscard]] std::string remote_endpoint() const override { return name_; }
    [[nodiscard]] std::string local_endpoint() const override { return name_; }

    /// The descriptor read (-1 once closed).
    [[nodiscard]] int input() const noexcept { return in_; }
    /// The descriptor written (-1 once closed).
    [[nodiscard]] int output() const noexcept { return out_; }

private:
    static void prepare(Reactor& reactor, int fd, int& flags, hio::detail::Watch& watch, bool& always) {
        if (fd < 0)
            return;
        flags = ::fcntl(fd, F_GETFL);
        if (flags < 0 || ::fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
            throw SystemError{{errno, std::system_category()}, "serial: cannot make descriptor " +
                                                                    std::to_string(fd) + " non-blocking"};
        struct ::stat status {};
        always = ::fstat(fd, &status) == 0 && (S_ISREG(status.st_mode) || S_ISBLK(status.st_mode));
        if (!always)
            watch.add(reactor, fd);
    }

    static void restore(int fd, int& flags) noexcept {
        if (fd >= 0 && flags >= 0)
            static_cast<void>(::fcntl(fd, F_SETFL, flags));
        flags = -1;
    }

    int in_;
    int out_;
    bool owned_;
    std::string name_;
    int in_flags_ = -1;
    int out_flags_ = -1;
    bool in_always_ = false;
    bool out_always_ = false;
    TransportEvents* events_ = nullptr;
    hio::detail::Watch in_watch_;
    hio::detail::Watch out_watch_;
};

}  // namespace hio::serial::detail
