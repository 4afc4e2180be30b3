#pragma once
/// \file
/// hio::serial::Device (hio: serial.Device and Driver): a termios serial device (baud rate,
/// 8N1, raw) read and written through ring buffers, and DeviceDoer.

#if defined(_WIN32)
#error "hio/serial: terminals and serial lines are POSIX (termios) only; there is no Windows form yet (docs/platforms.md)"
#endif

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
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

/// Settings of a Device.
struct DeviceOptions {
    /// The device ("/dev/ttyUSB0", a pty slave).
    std::string path{};
    /// Bits per second (hio: speed, 9600): one of the standard rates, 50 to 4000000.
    unsigned baud = 9600;
    /// Hardware flow control (RTS/CTS); off, as in hio.
    bool rts_cts = false;
    /// Bytes buffered each way (hio: bs, 1024, per read).
    std::size_t buffer_size = 4096;
};

/// The termios speed constant of `baud`, or nothing for a rate termios does not know.
inline std::optional<speed_t> speed_of(unsigned baud) noexcept {
    switch (baud) {
    case 50: return B50;
    case 75: return B75;
    case 110: return B110;
    case 134: return B134;
    case 150: return B150;
    case 200: return B200;
    case 300: return B300;
    case 600: return B600;
    case 1200: return B1200;
    case 1800: return B1800;
    case 2400: return B2400;
    case 4800: return B4800;
    case 9600: return B9600;
    case 19200: return B19200;
    case 38400: return B38400;
    case 57600: return B57600;
    case 115200: return B115200;
    case 230400: return B230400;
    case 460800: return B460800;
    case 500000: return B500000;
    case 576000: return B576000;
    case 921600: return B921600;
    case 1000000: return B1000000;
    case 1152000: return B1152000;
    case 1500000: return B1500000;
    case 2000000: return B2000000;
    case 2500000: return B2500000;
    case 3000000: return B3000000;
    case 3500000: return B3500000;
    case 4000000: return B4000000;
    default: return std::nullopt;
    }
}

/// A serial device in raw mode, 8 data bits, no parity, one stop bit (hio: serial.Device,
/// whose receive and send go straight to the descriptor; hio's Driver adds the buffers).
/// Bytes arrive in connection().rx_buffer() and leave from tx_buffer(): a device that is not
/// read stops being read when rx is full, and send() takes only what fits (back pressure).
/// The device's old settings come back at close.
class Device final : private ConnectionObserver {
public:
    /// A device on `reactor` (which must outlive it), not yet open. Throws ValidationError for
    /// an empty path, an unknown baud rate or a zero buffer size.
    Device(Reactor& reactor, DeviceOptions options) : reactor_{reactor}, options_{checked(std::move(options))} {}

    Device(const Device&) = delete;
    Device& operator=(const Device&) = delete;
    ~Device() { close(); }

    /// Opens and sets the device (hio: reopen). Throws hio::SystemError when it cannot be
    /// opened (no_such_file_or_directory, permission_denied) or is not a terminal device
    /// (inappropriate_io_control_operation).
    void open() {
        close();
        const int fd = ::open(options_.path.c_str(), O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
            throw SystemError{{errno, std::system_category()}, "serial::Device: cannot open " + options_.path};
        termios settings{};
        if (::tcgetattr(fd, &settings) != 0) {
            const std::error_code code{errno, std::system_category()};
            ::close(fd);
            throw SystemError{code, "serial::Device: " + options_.path + " is not a serial device"};
        }
        const termios saved = settings;
        ::cfmakeraw(&settings);  // no line discipline, no echo, 8 bits, no parity
        settings.c_cflag |= static_cast<tcflag_t>(CLOCAL | CREAD);
        settings.c_cflag &= ~static_cast<tcflag_t>(CSTOPB | PARENB);
        if (options_.rts_cts)
            settings.c_cflag |= static_cast<tcflag_t>(CRTSCTS);
        else
            settings.c_cflag &= ~static_cast<tcflag_t>(CRTSCTS);
        settings.c_cc[VMIN] = 1;
        settings.c_cc[VTIME] = 0;
        const speed_t speed = *speed_of(options_.baud);
        if (::cfsetispeed(&settings, speed) != 0 || ::cfsetospeed(&settings, speed) != 0 ||
            ::tcsetattr(fd, TCSANOW, &settings) != 0) {
            const std::error_code code{errno, std::system_category()};
            ::close(fd);
            throw SystemError{code, "serial::Device: cannot set " + options_.path};
        }
        try {
            auto transport = std::make_unique<detail::DescriptorTransport>(reactor_, fd, fd, true, options_.path);
            fd_ = fd;
            saved_ = saved;
            connection_ = std::make_unique<Connection>(std::move(transport), RingBuffer{options_.buffer_size},
                                                       RingBuffer{options_.buffer_size}, static_cast<ConnectionObserver*>(this));
        } catch (...) {
            static_cast<void>(::tcsetattr(fd, TCSANOW, &saved));
            ::close(fd);
            fd_ = -1;
            throw;
        }
    }

    /// Puts the old settings back and closes (hio: close); unsent bytes are dropped.
    /// Idempotent.
    void close() noexcept {
        if (!connection_)
            return;
        if (saved_ && fd_ >= 0)
            static_cast<void>(::tcsetattr(fd_, TCSANOW, &*saved_));
        saved_.reset();
        connection_.reset();  // closes the descriptor
        fd_ = -1;
    }

    /// True while open (hio: opened).
    [[nodiscard]] bool opened() const noexcept { return connection_ != nullptr; }

    /// The buffers and state (rx_buffer(), tx_buffer(), last_error()); the device must be open.
    [[nodiscard]] Connection& connection() const {
        if (!connection_)
            throw Error{"serial::Device: " + options_.path + " is not open"};
        return *connection_;
    }

    /// Queues bytes to send (hio: send); returns how many fit (0 when closed).
    std::size_t send(std::string_view bytes) { return connection_ ? connection_->send(bytes) : 0; }
    /// Takes every received byte (hio: receive).
    std::string receive() { return connection_ ? connection_->receive() : std::string{}; }

    /// Moves bytes both ways as far as the device and the buffers allow.
    void service() {
        if (connection_)
            connection_->service();
    }

    /// True when service() has work it could do now.
    [[nodiscard]] bool busy() const noexcept { return connection_ && connection_->wants_service(); }

    /// The baud rate the device reports now (from its settings); 0 when closed.
    [[nodiscard]] unsigned baud() const noexcept {
        termios settings{};
        if (fd_ < 0 || ::tcgetattr(fd_, &settings) != 0)
            return 0;
        return ::cfgetospeed(&settings) == *speed_of(options_.baud) ? options_.baud : 0;
    }

    /// The settings it was made with.
    [[nodiscard]] const DeviceOptions& options() const noexcept { return options_; }
    /// The doer woken when bytes arrive or can leave (nullptr: none).
    /// Held as a Waker: destroying the doer detaches it.
    void owner(Doer* doer) { owner_ = doer != nullptr ? doer->waker() : Waker{}; }
    /// Sets the doer woken on readiness by its Waker (empty: none).
    void owner(Waker waker) noexcept { owner_ = std::move(waker); }
    /// The doer woken on readiness, or nullptr (also once that doer was destroyed).
    [[nodiscard]] Doer* owner() const noexcept { return owner_.doer(); }
    /// The Reactor its readiness comes from.
    [[nodiscard]] Reactor& reactor() const noexcept { return reactor_; }

private:
    static DeviceOptions checked(DeviceOptions options) {
        if (options.path.empty())
            throw ValidationError{"serial::Device: path must not be empty"};
        if (!speed_of(options.baud))
            throw ValidationError{"serial::Device: baud " + std::to_string(options.baud) +
                                  " is not a standard rate (9600, 19200, 38400, 57600, 115200, ...)"};
        if (options.buffer_size == 0)
            throw ValidationError{"serial::Device: buffer_size must be >= 1"};
        return options;
    }

    void on_activity(Connection&) noexcept override { owner_.wake(); }

    Reactor& reactor_;
    DeviceOptions options_;
    std::unique_ptr<Connection> connection_;
    std::optional<termios> saved_;
    int fd_ = -1;
    Waker owner_;  // the doer that runs it
};

/// Serves a Device (hio: serial.Driver's doer): opens it at enter, moves bytes each run and
/// calls serve() in between, closes it at exit; idles until the device is ready.
class DeviceDoer : public Doer {
public:
    /// Serves `device` (not owned; must outlive the doer).
    explicit DeviceDoer(Device& device, double tock = 0.0) : Doer{tock}, device_{device} {}

    /// The device it serves.
    [[nodiscard]] Device& device() const noexcept { return device_; }

protected:
    void enter() override {
        hio::detail::require_waiter(tymist(), &device_.reactor(), "serial::DeviceDoer");
        device_.owner(this);
        if (!device_.opened())
            device_.open();
    }

    bool recur(double tyme) override {
        device_.service();
        const bool finished = serve(tyme);
        device_.service();
        if (!finished && !device_.busy())
            idle();
        return finished;
    }

    void exit() noexcept override {
        device_.owner(Waker{});
        device_.close();
    }

    /// Reads device().connection().rx_buffer() and writes tx_buffer() (or receive()/send());
    /// true finishes the doer. The default does nothing.
    virtual bool serve(double tyme) {
        static_cast<void>(tyme);
        return false;
    }

private:
    Device& device_;
};

/// Sends every byte that arrives back to the device, as far as tx has room (a loopback
/// test of a line, or the other end of one).
class EchoDeviceDoer : public DeviceDoer {
public:
    using DeviceDoer::DeviceDoer;

protected:
    bool serve(double) override {
        Connection& c = device().connection();
        c.tx_buffer().transfer_from(c.rx_buffer());
        c.request_service();  // tx changed behind the Connection: have it flushed
        return false;
    }
};

}  // namespace hio::serial
