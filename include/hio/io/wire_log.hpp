#pragma once
/// \file
/// WireLog: a capture of every byte and event on a Network's connections, with its tyme
/// (hio: WireLog, made useful), and WireLogNetwork, the decorator that records it.

#include <cstddef>
#include <cstdint>
#include <fstream>
#include <istream>
#include <memory>
#include <ostream>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include <hio/detail/ascii.hpp>
#include <hio/detail/validate.hpp>
#include <hio/error.hpp>
#include <hio/io/transport.hpp>
#include <hio/tymist.hpp>

namespace hio {

/// One event of a capture.
struct WireRecord {
    /// What happened.
    enum class Kind : std::uint8_t {
        accept,     ///< a listener accepted the connection; text: "local remote"
        connect,    ///< a connect was started; text: the "host:port" asked for
        connected,  ///< the connect ended well; text: "local remote"
        rx,         ///< bytes received; data: them
        tx,         ///< bytes sent; data: them
        eof,        ///< the peer ended its side
        shutdown,   ///< this side ended its sending side
        error,      ///< a receive, send or connect failed; text: "category:value message"
        close,      ///< this side closed
    };

    double tyme;              ///< the clock's tyme when it happened
    std::uint64_t connection; ///< 1, 2, ... in the order connections appeared
    Kind kind;                ///< what happened
    std::string data;         ///< the bytes (rx, tx) or the text (see Kind)

    /// Field by field.
    friend bool operator==(const WireRecord&, const WireRecord&) = default;
};

/// A capture of connections: accept, connect and close events and every byte received and
/// sent, each with its tyme, in memory and, when given a stream, also written as it happens.
///
/// The text format (version 1) is one header line `hio-wirelog 1`, one line `epoch E` (the
/// wall-clock time of tyme 0, so a replay can give the server the same clock), then one line
/// per record: `TYME CONNECTION KIND [PAYLOAD]`, TYME with 17 significant digits (it reads back
/// bit for bit), KIND one of accept connect connected rx tx eof shutdown error close, PAYLOAD
/// the bytes in lowercase hex for rx and tx, the text otherwise (no line breaks). Lines
/// starting with `#` are comments. read() reads what write() and a streaming log wrote.
class WireLog {
public:
    /// A log kept in memory only.
    WireLog() = default;
    /// A log kept in memory and also written to `out` (not owned), line by line as it goes,
    /// flushed after each line so that a crash loses nothing written before it.
    explicit WireLog(std::ostream& out) : out_{&out} {}

    WireLog(const WireLog&) = delete;
    WireLog& operator=(const WireLog&) = delete;
    /// Moves the records (and the stream, if any).
    WireLog(WireLog&&) noexcept = default;
    /// Moves the records (and the stream, if any).
    WireLog& operator=(WireLog&&) noexcept = default;
    ~WireLog() = default;

    /// The records, in order.
    [[nodiscard]] const std::vector<WireRecord>& records() const noexcept { return records_; }
    /// The wall-clock time of tyme 0 of the run captured (taken from the clock with the first
    /// record, so a real-time Doist's run has begun).
    [[nodiscard]] double epoch() const noexcept { return epoch_; }
    /// True once an epoch is known.
    [[nodiscard]] bool has_epoch() const noexcept { return has_epoch_; }

    /// Sets the epoch (WireLogNetwork does, from its clock, before its first record).
    void epoch(double value) {
        epoch_ = detail::require_finite("WireLog", "epoch", value);
        has_epoch_ = true;
    }

    /// A number for a new connection.
    std::uint64_t next_connection() noexcept { return ++connections_; }

    /// Appends a record (and writes it, for a streaming log).
    void add(WireRecord record) {
        if (out_ != nullptr) {
            if (!header_written_)
                write_header(*out_);
            write_record(*out_, record);
            out_->flush();
        }
        records_.push_back(std::move(record));
    }

    /// Writes the whole log in the text format.
    void write(std::ostream& out) const {
        write_header(out);
        for (const WireRecord& record : records_)
            write_record(out, record);
    }

    /// Reads a log in the text format. Throws ValidationError naming the line for anything
    /// it cannot read (another version, a bad tyme, an unknown kind, odd hex).
    static WireLog read(std::istream& in) {
        WireLog log;
        std::string line;
        std::size_t number = 0;
        bool header = false;
        while (std::getline(in, line)) {
            ++number;
            if (line.empty() || line[0] == '#')
                continue;
            const auto bad = [&](const std::string& why) {
                return ValidationError{"WireLog: line " + std::to_string(number) + ": " + why};
            };
            if (!header) {
                if (line != "hio-wirelog 1")
                    throw bad("not a version 1 wire log (expected \"hio-wirelog 1\", got \"" + line.substr(0, 40) + "\")");
                header = true;
                continue;
            }
            std::istringstream fields{line};
            if (line.rfind("epoch ", 0) == 0) {
                std::string word;
                double value = 0.0;
                if (!(fields >> word >> value))
                    throw bad("the epoch is not a number");
                log.epoch(value);
                continue;
            }
            WireRecord record{};
            std::string kind;
            if (!(fields >> record.tyme >> record.connection >> kind))
                throw bad("expected TYME CONNECTION KIND");
            record.kind = parse_kind(kind, bad);
            std::string payload;
            fields.get();  // the space before the payload
            std::getline(fields, payload);
            if (record.kind == WireRecord::Kind::rx || record.kind == WireRecord::Kind::tx) {
                if (payload.size() % 2 != 0)
                    throw bad("odd hex payload");
                record.data.reserve(payload.size() / 2);
                for (std::size_t at = 0; at < payload.size(); at += 2) {
                    const int high = hio::detail::hex_value(payload[at]);
                    const int low = hio::detail::hex_value(payload[at + 1]);
                    if (high < 0 || low < 0)
                        throw bad("bad hex digit");
                    record.data += static_cast<char>(high * 16 + low);
                }
            } else {
                record.data = std::move(payload);
            }
            if (record.connection > log.connections_)
                log.connections_ = record.connection;
            log.records_.push_back(std::move(record));
        }
        if (!header)
            throw ValidationError{"WireLog: empty input, no \"hio-wirelog 1\" header"};
        return log;
    }

    /// Reads the log in file `path`. Throws hio::Error when it cannot be opened, and
    /// ValidationError as read().
    static WireLog load(const std::string& path) {
        std::ifstream in{path};
        if (!in)
            throw Error{"WireLog: cannot open " + path};
        return read(in);
    }

    /// The name of `kind` in the text format.
    [[nodiscard]] static const char* kind_name(WireRecord::Kind kind) noexcept {
        switch (kind) {
        case WireRecord::Kind::accept: return "accept";
        case WireRecord::Kind::connect: return "connect";
        case WireRecord::Kind::connected: return "connected";
        case WireRecord::Kind::rx: return "rx";
        case WireRecord::Kind::tx: return "tx";
        case WireRecord::Kind::eof: return "eof";
        case WireRecord::Kind::shutdown: return "shutdown";
        case WireRecord::Kind::error: return "error";
        case WireRecord::Kind::close: return "close";
        }
        return "?";
    }

private:
    template <class Bad>
    static WireRecord::Kind parse_kind(const std::string& name, const Bad& bad) {
        for (int k = 0; k <= static_cast<int>(WireRecord::Kind::close); ++k)
            if (name == kind_name(static_cast<WireRecord::Kind>(k)))
                return static_cast<WireRecord::Kind>(k);
        throw bad("unknown record kind \"" + name + "\"");
    }

    void write_header(std::ostream& out) const {
        out << "hio-wirelog 1\n";
        if (has_epoch_)
            out << "epoch " << detail::format_number(epoch_) << '\n';
        if (&out == out_)
            header_written_ = true;
    }

    static void write_record(std::ostream& out, const WireRecord& record) {
        out << detail::format_number(record.tyme) << ' ' << record.connection << ' ' << kind_name(record.kind);
        if (record.kind == WireRecord::Kind::rx || record.kind == WireRecord::Kind::tx) {
            out << ' ';
            for (const char c : record.data) {
                const auto byte = static_cast<unsigned char>(c);
                out << "0123456789abcdef"[byte >> 4] << "0123456789abcdef"[byte & 15U];
            }
        } else if (!record.data.empty()) {
            out << ' ' << record.data;
        }
        out << '\n';
    }

    std::vector<WireRecord> records_;
    std::ostream* out_ = nullptr;
    std::uint64_t connections_ = 0;
    double epoch_ = Tymist::virtual_epoch;
    bool has_epoch_ = false;
    mutable bool header_written_ = false;
};

namespace detail {

// Records what passes through one transport into a WireLog.
class LoggedTransport final : public Transport {
public:
    LoggedTransport(std::unique_ptr<Transport> inner, WireLog& log, const Tymist& clock, std::uint64_t id)
        : inner_{std::move(inner)}, log_{log}, clock_{clock}, id_{id} {}

    IoResult receive(std::span<std::byte> into) override {
        const IoResult result = inner_->receive(into);
        if (result.bytes != 0)
            add(WireRecord::Kind::rx, {reinterpret_cast<const char*>(into.data()), result.bytes});
        if (result.eof)
            add(WireRecord::Kind::eof, {});
        if (result.error)
            add(WireRecord::Kind::error, describe(result.error));
        return result;
    }

    IoResult send(std::span<const std::byte> from) override {
        const IoResult result = inner_->send(from);
        if (result.bytes != 0)
            add(WireRecord::Kind::tx, {reinterpret_cast<const char*>(from.data()), result.bytes});
        if (result.error)
            add(WireRecord::Kind::error, describe(result.error));
        return result;
    }

    std::error_code shutdown_send() noexcept override {
        try_add(WireRecord::Kind::shutdown, {});
        return inner_->shutdown_send();
    }

    void close() noexcept override {
        if (!closed_) {
            closed_ = true;
            try_add(WireRecord::Kind::close, {});
        }
        inner_->close();
    }

    void watch(TransportEvents* events) noexcept override { inner_->watch(events); }
    void arm_read() override { inner_->arm_read(); }
    void arm_write() override { inner_->arm_write(); }

    std::error_code finish_connect() noexcept override {
        const std::error_code error = inner_->finish_connect();
        try {
            if (error)
                add(WireRecord::Kind::error, describe(error));
            else
                add(WireRecord::Kind::connected, inner_->local_endpoint() + " " + inner_->remote_endpoint());
        } catch (...) {
            // out of memory while logging: the connection itself goes on
        }
        return error;
    }

    [[nodiscard]] std::string remote_endpoint() const override { return inner_->remote_endpoint(); }
    [[nodiscard]] std::string local_endpoint() const override { return inner_->local_endpoint(); }
    [[nodiscard]] bool established() const noexcept override { return inner_->established(); }
    bool limit_send_buffer(std::size_t bytes) noexcept override { return inner_->limit_send_buffer(bytes); }
    [[nodiscard]] std::string alpn() const override { return inner_->alpn(); }

    void add(WireRecord::Kind kind, std::string_view data) {
        if (!log_.has_epoch())
            log_.epoch(clock_.epoch());
        log_.add({clock_.tyme(), id_, kind, std::string{data}});
    }

private:
    void try_add(WireRecord::Kind kind, std::string_view data) noexcept {
        try {
            add(kind, data);
        } catch (...) {
            // out of memory while logging: the connection itself goes on
        }
    }

    static std::string describe(const std::error_code& error) {
        return std::string{error.category().name()} + ":" + std::to_string(error.value()) + " " + error.message();
    }

    std::unique_ptr<Transport> inner_;
    WireLog& log_;
    const Tymist& clock_;
    std::uint64_t id_;
    bool closed_ = false;
};

class LoggedListener final : public Listener {
public:
    LoggedListener(std::unique_ptr<Listener> inner, WireLog& log, const Tymist& clock)
        : inner_{std::move(inner)}, log_{log}, clock_{clock} {}

    std::unique_ptr<Transport> accept(std::error_code& error) override {
        std::unique_ptr<Transport> accepted = inner_->accept(error);
        if (!accepted)
            return nullptr;
        const std::uint64_t id = log_.next_connection();
        auto logged = std::make_unique<LoggedTransport>(std::move(accepted), log_, clock_, id);
        logged->add(WireRecord::Kind::accept, logged->local_endpoint() + " " + logged->remote_endpoint());
        return logged;
    }

    void watch(TransportEvents* events) noexcept override { inner_->watch(events); }
    void arm_accept() override { inner_->arm_accept(); }
    [[nodiscard]] std::string local_endpoint() const override { return inner_->local_endpoint(); }
    [[nodiscard]] std::uint16_t port() const override { return inner_->port(); }
    void close() noexcept override { inner_->close(); }

private:
    std::unique_ptr<Listener> inner_;
    WireLog& log_;
    const Tymist& clock_;
};

}  // namespace detail

/// A Network that records every connection of `inner` into a WireLog: over real sockets
/// (tcp::Network), over TLS (wrap the tls::Network to log plaintext, or wrap the tcp::Network
/// under it to log ciphertext), or over the simulation. The doers on it run unchanged.
///
/// ```
/// hio::WireLog log{file};                          // or WireLog{} to keep it in memory
/// hio::WireLogNetwork logged{network, log, doist}; // doist: the clock of the records
/// hio::StreamServer server{logged, {.port = 8080}};
/// ```
/// A capture of a server replays through the simulation into the same server doers
/// (hio::sim::Replay), which then send the same bytes: a production incident becomes a test.
class WireLogNetwork final : public Network {
public:
    /// Records `inner`'s connections into `log`, timed by `clock` (normally the Doist). None
    /// is owned; all must outlive this and every transport it makes.
    WireLogNetwork(Network& inner, WireLog& log, const Tymist& clock) noexcept
        : inner_{inner}, log_{log}, clock_{clock} {}

    [[nodiscard]] Waiter* waiter() const noexcept override { return inner_.waiter(); }

    std::unique_ptr<Listener> listen(const std::string& host, std::uint16_t port, int backlog) override {
        return std::make_unique<detail::LoggedListener>(inner_.listen(host, port, backlog), log_, clock_);
    }

    std::unique_ptr<Transport> connect(const std::string& host, std::uint16_t port, std::error_code& error) override {
        std::unique_ptr<Transport> transport = inner_.connect(host, port, error);
        if (!transport)
            return nullptr;
        const std::uint64_t id = log_.next_connection();
        auto logged = std::make_unique<detail::LoggedTransport>(std::move(transport), log_, clock_, id);
        logged->add(WireRecord::Kind::connect, host + ":" + std::to_string(port));
        return logged;
    }

private:
    Network& inner_;
    WireLog& log_;
    const Tymist& clock_;
};

}  // namespace hio
