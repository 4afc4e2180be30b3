#pragma once
/// \file
/// hio::serial::Console (hio: serial.Console): non-blocking line input and output on a
/// terminal or on the standard streams, with ConsoleDoer and EchoConsoleDoer.

#if defined(_WIN32)
#error "hio/serial: terminals and serial lines are POSIX (termios) only; there is no Windows form yet (docs/platforms.md)"
#endif

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <hio/doer.hpp>
#include <hio/error.hpp>
#include <hio/io/connection.hpp>
#include <hio/io/reactor.hpp>
#include <hio/io/ring_buffer.hpp>
#include <hio/serial/detail/descriptor.hpp>

namespace hio::serial {

/// Where a Console reads and writes.
enum class ConsoleSource {
    terminal,  ///< the controlling terminal, /dev/tty (hio: os.ctermid()), opened on its own
    standard,  ///< standard input and output, whatever they are (a terminal, pipes, a file)
    path,      ///< a terminal device at ConsoleOptions::path (a pty slave, a serial console)
};

/// How a terminal treats input.
enum class ConsoleMode {
    cooked,  ///< as the terminal is set (normally canonical: lines, echoed, editable)
    raw,     ///< characters as typed, not echoed by the terminal; Ctrl-C still signals
};

/// Settings of a Console.
struct ConsoleOptions {
    /// Where to read and write.
    ConsoleSource source = ConsoleSource::terminal;
    /// The device, for ConsoleSource::path.
    std::string path{};
    /// Cooked or raw (terminals only; the old settings come back at close).
    ConsoleMode mode = ConsoleMode::cooked;
    /// Longest line kept whole (hio: bs, 256); the rest of a longer line is dropped and the
    /// line counted in lines_cut().
    std::size_t max_line = 4096;
    /// Complete lines held for the program; when full, input is left in the terminal (back
    /// pressure).
    std::size_t max_lines = 256;
    /// Bytes buffered each way.
    std::size_t buffer_size = 16384;
};

/// A terminal (or the standard streams) read line by line and written without blocking
/// (hio: serial.Console, with get() and put()). Readiness comes from a Reactor, so a doer
/// that reads the console sleeps until a key is pressed.
///
/// In cooked mode the terminal delivers whole lines (and echoes them); in raw mode each key
/// arrives at once and nothing is echoed unless the program writes it. Lines end at a line
/// feed, a carriage return (what Enter sends to a raw terminal) or both; the last line before
/// the end of input counts even without one. eof() tells when input ended and every line was taken.
class Console final : private ConnectionObserver {
public:
    /// A console on `reactor` (which must outlive it), not yet open. Throws ValidationError
    /// for a zero size or a path source without a path.
    explicit Console(Reactor& reactor, ConsoleOptions options = {})
        : reactor_{reactor}, options_{checked(std::move(options))} {}

    Console(const Console&) = delete;
    Console& operator=(const Console&) = delete;
    ~Console() { close(); }

    /// Opens it (hio: reopen: an open console is closed first). Throws hio::SystemError when
    /// the terminal cannot be opened (no controlling terminal: no_such_device_or_address) or
    /// set.
    void open() {
        close();
        int in = -1, out = -1;
        bool owned = false;
        std::string name;
        if (options_.source == ConsoleSource::standard) {
            in = STDIN_FILENO;
            out = STDOUT_FILENO;
            name = "stdio";
        } else {
            name = options_.source == ConsoleSource::terminal ? std::string{"/dev/tty"} : options_.path;
            in = out = ::open(name.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
            if (in < 0)
                throw SystemError{{errno, std::system_category()}, "serial::Console: cannot open " + name};
            owned = true;
        }
        auto transport = std::make_unique<detail::DescriptorTransport>(reactor_, in, out, owned, name);
        terminal_ = ::isatty(in) == 1;
        if (terminal_ && options_.mode == ConsoleMode::raw) {
            termios settings{};
            if (::tcgetattr(in, &settings) != 0)
                throw SystemError{{errno, std::system_category()}, "serial::Console: tcgetattr"};
            saved_ = settings;
            settings.c_lflag &= ~static_cast<tcflag_t>(ICANON | ECHO | ECHONL | IEXTEN);
            settings.c_iflag &= ~static_cast<tcflag_t>(ICRNL | INLCR | IXON);
            settings.c_cc[VMIN] = 1;
            settings.c_cc[VTIME] = 0;
            if (::tcsetattr(in, TCSANOW, &settings) != 0)
                throw SystemError{{errno, std::system_category()}, "serial::Console: tcsetattr"};
        }
        terminal_fd_ = in;
        connection_ = std::make_unique<Connection>(std::move(transport), RingBuffer{options_.buffer_size},
                                                   RingBuffer{options_.buffer_size}, static_cast<ConnectionObserver*>(this));
    }

    /// Writes what is still queued if the terminal takes it at once, puts the terminal's
    /// settings back, and closes (hio: close). Idempotent.
    void close() noexcept {
        if (!connection_)
            return;
        try {
            connection_->service();  // best effort: a last prompt or goodbye
        } catch (...) {
        }
        if (saved_)
            static_cast<void>(::tcsetattr(terminal_fd_, TCSANOW, &*saved_));
        saved_.reset();
        connection_.reset();
        lines_.clear();
        partial_.clear();
        skipping_ = false;
        after_cr_ = false;
        terminal_fd_ = -1;
    }

    /// True while open (hio: opened).
    [[nodiscard]] bool opened() const noexcept { return connection_ != nullptr; }
    /// True when it reads a terminal (cooked and raw mean something).
    [[nodiscard]] bool terminal() const noexcept { return terminal_; }

    /// The next complete line, without its end (hio: get), or nothing.
    std::optional<std::string> line() {
        take_lines();
        if (lines_.empty())
            return std::nullopt;
        std::string next = std::move(lines_.front());
        lines_.pop_front();
        return next;
    }

    /// Queues `text` to write (hio: put); returns how much was taken (less when the buffer
    /// is full: back pressure). It is written by service().
    std::size_t put(std::string_view text) { return connection_ ? connection_->send(text) : 0; }

    /// Moves bytes: reads what the terminal has (while there is room), writes what is queued.
    void service() {
        if (!connection_)
            return;
        connection_->service();
        take_lines();
    }

    /// True when input ended (end of the pipe or file; on a terminal, Ctrl-D at a line's
    /// start) and every line was taken; or when the terminal failed (last_error()).
    [[nodiscard]] bool eof() const noexcept {
        return connection_ == nullptr || ((connection_->peer_closed() || connection_->closed()) &&
                                          connection_->rx_buffer().empty() && lines_.empty() && partial_.empty());
    }

    /// Lines longer than max_line (kept cut).
    [[nodiscard]] std::uint64_t lines_cut() const noexcept { return lines_cut_; }
    /// Why the console failed (EIO when the terminal hung up); empty otherwise.
    [[nodiscard]] std::error_code last_error() const noexcept {
        return connection_ ? connection_->last_error() : std::error_code{};
    }
    /// Bytes queued and not yet written.
    [[nodiscard]] std::size_t pending_output() const noexcept {
        return connection_ ? connection_->tx_buffer().size() : 0;
    }
    /// True when service() has work it could do now.
    [[nodiscard]] bool busy() const noexcept { return connection_ && connection_->wants_service(); }

    /// The doer woken when input arrives or output can go (nullptr: none).
    /// Held as a Waker: destroying the doer detaches it.
    void owner(Doer* doer) { owner_ = doer != nullptr ? doer->waker() : Waker{}; }
    /// Sets the doer woken on readiness by its Waker (empty: none).
    void owner(Waker waker) noexcept { owner_ = std::move(waker); }
    /// The doer woken on readiness, or nullptr (also once that doer was destroyed).
    [[nodiscard]] Doer* owner() const noexcept { return owner_.doer(); }
    /// The Reactor its readiness comes from.
    [[nodiscard]] Reactor& reactor() const noexcept { return reactor_; }

private:
    static ConsoleOptions checked(ConsoleOptions options) {
        if (options.max_line == 0 || options.max_lines == 0 || options.buffer_size == 0)
            throw ValidationError{"serial::Console: max_line, max_lines and buffer_size must be >= 1"};
        if (options.source == ConsoleSource::path && options.path.empty())
            throw ValidationError{"serial::Console: ConsoleSource::path needs a path"};
        return options;
    }

    void on_activity(Connection&) noexcept override { owner_.wake(); }

    // Cuts the received bytes into lines while there is room for them.
    void take_lines() {
        if (!connection_)
            return;
        RingBuffer& rx = connection_->rx_buffer();
        while (lines_.size() < options_.max_lines && !rx.empty()) {
            const std::span<const std::byte> run = rx.read_span();
            std::size_t used = 0;
            for (; used < run.size() && lines_.size() < options_.max_lines; ++used) {
                const char c = static_cast<char>(run[used]);
                const bool after_cr = after_cr_;
                after_cr_ = c == '\r';
                if (c == '\n' && after_cr) {
                    continue;  // the second half of a "\r\n"
                }
                if (c == '\n' || c == '\r') {  // raw terminals send '\r' for Enter
                    lines_.push_back(std::move(partial_));
                    partial_.clear();
                    skipping_ = false;
                } else if (skipping_) {
                    continue;
                } else if (partial_.size() == options_.max_line) {
                    skipping_ = true;  // the rest of this line is dropped
                    ++lines_cut_;
                } else {
                    partial_.push_back(c);
                }
            }
            rx.consume(used);
        }
        // The end of input ends the last line too.
        if (rx.empty() && !partial_.empty() && lines_.size() < options_.max_lines &&
            (connection_->peer_closed() || connection_->closed())) {
            lines_.push_back(std::move(partial_));
            partial_.clear();
        }
        if (lines_.size() < options_.max_lines && !rx.full())
            connection_->service();  // room again: read on (the terminal may hold more)
    }

    Reactor& reactor_;
    ConsoleOptions options_;
    std::unique_ptr<Connection> connection_;
    std::deque<std::string> lines_;
    std::string partial_;
    bool skipping_ = false;
    bool after_cr_ = false;
    bool terminal_ = false;
    int terminal_fd_ = -1;
    std::optional<termios> saved_;
    std::uint64_t lines_cut_ = 0;
    Waker owner_;  // the doer that runs it
};

/// Serves a Console (hio: serial.ConsoleDoer): opens it at enter, moves its bytes each run,
/// closes it at exit; idles until the terminal is ready. Override serve() to read lines and
/// write.
class ConsoleDoer : public Doer {
public:
    /// Serves `console` (not owned; must outlive the doer).
    explicit ConsoleDoer(Console& console, double tock = 0.0) : Doer{tock}, console_{console} {}

    /// The console it serves.
    [[nodiscard]] Console& console() const noexcept { return console_; }

protected:
    void enter() override {
        hio::detail::require_waiter(tymist(), &console_.reactor(), "serial::ConsoleDoer");
        console_.owner(this);
        if (!console_.opened())
            console_.open();
    }

    bool recur(double tyme) override {
        console_.service();
        const bool finished = serve(tyme);
        console_.service();
        if (!finished && !console_.busy())
            idle();  // until a key, or room to write
        return finished;
    }

    void exit() noexcept override {
        console_.owner(Waker{});
        console_.close();
    }

    /// Handles input (console().line()) and writes (console().put()); true finishes the doer.
    virtual bool serve(double tyme) {
        static_cast<void>(tyme);
        return false;
    }

private:
    Console& console_;
};

/// hio's EchoConsoleDoer: prompts, echoes each line as "Echo: LINE", answers "h" with help,
/// and finishes on "q" (or at the end of input).
class EchoConsoleDoer : public ConsoleDoer {
public:
    using ConsoleDoer::ConsoleDoer;

    /// Lines echoed so far.
    [[nodiscard]] std::uint64_t echoed() const noexcept { return echoed_; }

protected:
    void enter() override {
        ConsoleDoer::enter();
        console().put("Cmds: q=quit, h=help otherwise echoes.\nType cmd & Enter: ");
    }

    bool serve(double) override {
        bool prompt = false;
        while (auto line = console().line()) {
            if (*line == "q") {
                console().put("Goodbye.\n");
                return true;
            }
            if (*line == "h") {
                console().put("Help: type q to quit or h for help.\n");
            } else {
                console().put("Echo: " + *line + "\n");
                ++echoed_;
            }
            prompt = true;
        }
        if (prompt)
            console().put("Type cmd & Enter: ");
        return console().eof();
    }

private:
    std::uint64_t echoed_ = 0;
};

}  // namespace hio::serial
