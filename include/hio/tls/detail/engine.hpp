#pragma once
/// \file
/// The TLS engine: TLS over any Transport with OpenSSL. Internal: use hio::tls::Network.
///
/// The TLS engine sits between the ciphertext transport (a TCP socket) and the plaintext
/// ring buffers the application sees. It never blocks. OpenSSL talks to the socket through a
/// small BIO of ours: its reads go straight to the inner transport (read-ahead on, so one
/// receive takes several records), and its writes collect in one outgoing buffer that is sent
/// with one system call once SSL_write/SSL_read returns. The handshake happens on the way,
/// driven by the connection's own service() calls, so the Doist never waits on it.

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cstddef>
#include <memory>
#include <string>
#include <system_error>
#include <utility>

#include <hio/tls/context.hpp>
#include <hio/io/transport.hpp>

namespace hio::tls::detail {

class TlsTransport final : public Transport, private TransportEvents {
public:
    /// TLS over `inner`, with `ctx`; a client sends `server_name` as SNI and checks it.
    TlsTransport(std::unique_ptr<Transport> inner, std::shared_ptr<SSL_CTX> ctx, Role role,
                 const Config& config, const std::string& server_name)
        : inner_{std::move(inner)}, ctx_{std::move(ctx)}, ssl_{SSL_new(ctx_.get()), &SSL_free} {
        if (!ssl_)
            throw Error{"tls: cannot create SSL: " + drain_openssl_errors()};
        BIO* bio = BIO_new(bio_method());
        if (bio == nullptr)
            throw Error{"tls: cannot create the transport BIO: " + drain_openssl_errors()};
        BIO_set_data(bio, this);
        BIO_set_init(bio, 1);
        SSL_set_bio(ssl_.get(), bio, bio);  // the SSL owns it now
        // Read-ahead lets one receive take every record the socket holds (up to the buffer),
        // instead of a header read and a body read per record.
        SSL_set_read_ahead(ssl_.get(), 1);
        SSL_set_default_read_buffer_len(ssl_.get(), read_buffer_length);
        if (role == Role::client) {
            SSL_set_connect_state(ssl_.get());
            if (!server_name.empty()) {
                // SSL_set_tlsext_host_name is a macro with a C cast; this is what it expands to.
                SSL_ctrl(ssl_.get(), SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                         const_cast<char*>(server_name.c_str()));
                if (config.verify_peer && config.verify_host_name) {
                    X509_VERIFY_PARAM* param = SSL_get0_param(ssl_.get());
                    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
                    // An address is matched against IP SANs, a name against DNS names.
                    if (X509_VERIFY_PARAM_set1_ip_asc(param, server_name.c_str()) != 1) {
                        ERR_clear_error();
                        X509_VERIFY_PARAM_set1_host(param, server_name.c_str(), 0);
                    }
                }
            }
        } else {
            SSL_set_accept_state(ssl_.get());
        }
        inner_->watch(this);
    }

    TlsTransport(const TlsTransport&) = delete;
    TlsTransport& operator=(const TlsTransport&) = delete;

    ~TlsTransport() override { close(); }

    IoResult receive(std::span<std::byte> into) override {
        if (failed_)
            return failure();
        std::size_t got = 0;
        ERR_clear_error();
        const int rc = SSL_read_ex(ssl_.get(), into.data(), into.size(), &got);
        const int ssl_error = rc == 1 ? SSL_ERROR_NONE : SSL_get_error(ssl_.get(), rc);
        flush_out();  // handshake flights, alerts, session tickets
        was_established_ = was_established_ || handshake_done();
        if (rc == 1) {
            IoResult result;
            result.bytes = got;
            // One record per call: a short read is not "drained" while OpenSSL still holds
            // bytes, or the socket had more than OpenSSL took.
            result.more = SSL_has_pending(ssl_.get()) == 1 || !inner_drained_;
            return result;
        }
        return classify(ssl_error);
    }

    IoResult send(std::span<const std::byte> from) override {
        if (failed_)
            return failure();
        if (!flush_out()) {
            IoResult result;
            result.would_block = true;  // ciphertext still waiting for the socket
            return result;
        }
        // One buffer for every record of this call: one allocation, one send.
        const std::size_t records = from.size() / record_size + 1;
        out_.reserve(from.size() + records * record_overhead);
        read_during_send_ = false;
        std::size_t total = 0;
        int ssl_error = SSL_ERROR_NONE;
        while (total < from.size()) {
            std::size_t written = 0;
            ERR_clear_error();
            const int rc = SSL_write_ex(ssl_.get(), from.data() + total, from.size() - total, &written);
            if (rc != 1) {
                ssl_error = SSL_get_error(ssl_.get(), rc);
                break;
            }
            total += written;
            was_established_ = true;
        }
        flush_out();
        // Ciphertext the handshake took from the socket is plaintext the connection has not
        // seen, and the socket's edge is spent: tell the connection to read.
        if ((read_during_send_ || SSL_has_pending(ssl_.get()) == 1) && events_ != nullptr)
            events_->on_readable();
        if (total != 0 || ssl_error == SSL_ERROR_NONE) {
            IoResult result;
            result.bytes = total;
            return result;
        }
        IoResult result = classify(ssl_error);
        result.eof = false;
        if (!result.error)
            result.would_block = true;
        return result;
    }

    std::error_code shutdown_send() noexcept override {
        ERR_clear_error();
        try {
            if (SSL_is_init_finished(ssl_.get()))
                SSL_shutdown(ssl_.get());  // queues close_notify
            flush_out();
        } catch (...) {
            return std::make_error_code(std::errc::not_enough_memory);
        }
        shutdown_pending_ = true;
        if (out_.empty())
            return inner_->shutdown_send();
        return {};  // FIN follows once close_notify has left (see flush_out)
    }

    void close() noexcept override {
        inner_->watch(nullptr);
        inner_->close();
    }

    void watch(TransportEvents* events) noexcept override { events_ = events; }

    void arm_read() override { inner_->arm_read(); }

    void arm_write() override { inner_->arm_write(); }

    std::error_code finish_connect() noexcept override { return inner_->finish_connect(); }

    [[nodiscard]] std::string remote_endpoint() const override { return inner_->remote_endpoint(); }
    [[nodiscard]] std::string local_endpoint() const override { return inner_->local_endpoint(); }

    /// True once the handshake is complete.
    [[nodiscard]] bool handshake_done() const noexcept { return SSL_is_init_finished(ssl_.get()) == 1; }
    [[nodiscard]] bool established() const noexcept override { return handshake_done(); }
    bool limit_send_buffer(std::size_t bytes) noexcept override { return inner_->limit_send_buffer(bytes); }

    [[nodiscard]] std::string alpn() const override {
        const unsigned char* data = nullptr;
        unsigned length = 0;
        SSL_get0_alpn_selected(ssl_.get(), &data, &length);
        return data == nullptr ? std::string{} : std::string{reinterpret_cast<const char*>(data), length};
    }

private:
    static constexpr std::size_t record_size = 16 * 1024;
    static constexpr std::size_t record_overhead = 64;  // header, tag, padding: generous
    static constexpr std::size_t read_buffer_length = 4 * (record_size + record_overhead);
    static constexpr std::size_t kept_out_capacity = 2 * record_size;  // more is freed when idle

    void on_readable() noexcept override {
        // Bytes arrived after OpenSSL's last read: "drained" is stale (it may have taken a
        // short read long ago, while back pressure kept the plaintext in OpenSSL).
        inner_drained_ = false;
        if (events_ != nullptr)
            events_->on_readable();
    }

    void on_writable() noexcept override {
        // Ciphertext may have been waiting: move it on before telling the connection.
        try {
            flush_out();
        } catch (...) {  // out of memory: the connection's next send() retries
        }
        if (events_ != nullptr) {
            events_->on_writable();
            if (!handshake_done())
                events_->on_readable();  // the handshake continues through receive()
        }
    }

    // The BIO OpenSSL reads and writes through: one method table for the process.
    static BIO_METHOD* bio_method() {
        static const std::unique_ptr<BIO_METHOD, decltype(&BIO_meth_free)> method = [] {
            std::unique_ptr<BIO_METHOD, decltype(&BIO_meth_free)> made{
                BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "hio transport"), &BIO_meth_free};
            if (!made || BIO_meth_set_read(made.get(), &bio_read) != 1 ||
                BIO_meth_set_write(made.get(), &bio_write) != 1 || BIO_meth_set_ctrl(made.get(), &bio_ctrl) != 1)
                throw Error{"tls: cannot create the transport BIO method: " + drain_openssl_errors()};
            return made;
        }();
        return method.get();
    }

    // OpenSSL wants ciphertext: take it from the socket, or say "retry" when there is none.
    static int bio_read(BIO* bio, char* data, int size) noexcept {
        auto* self = static_cast<TlsTransport*>(BIO_get_data(bio));
        BIO_clear_retry_flags(bio);
        if (size <= 0)
            return 0;
        IoResult got;
        try {
            got = self->inner_->receive({reinterpret_cast<std::byte*>(data), static_cast<std::size_t>(size)});
        } catch (...) {
            self->inner_error_ = std::make_error_code(std::errc::io_error);
            return -1;
        }
        if (got.error) {
            self->inner_error_ = got.error;
            return -1;
        }
        self->peer_eof_ = self->peer_eof_ || got.eof;
        if (got.bytes != 0) {
            self->read_during_send_ = true;
            self->inner_drained_ = got.bytes < static_cast<std::size_t>(size) && !got.more;
            return static_cast<int>(got.bytes);
        }
        if (got.eof)
            return 0;
        self->inner_drained_ = true;
        BIO_set_retry_read(bio);
        return -1;
    }

    // OpenSSL wrote ciphertext: collect it; flush_out() sends it after the SSL call.
    static int bio_write(BIO* bio, const char* data, int size) noexcept {
        auto* self = static_cast<TlsTransport*>(BIO_get_data(bio));
        BIO_clear_retry_flags(bio);
        try {
            self->out_.append(data, static_cast<std::size_t>(size));
        } catch (...) {
            self->inner_error_ = std::make_error_code(std::errc::not_enough_memory);
            return -1;
        }
        return size;
    }

    static long bio_ctrl(BIO* bio, int command, long, void*) noexcept {
        const auto* self = static_cast<const TlsTransport*>(BIO_get_data(bio));
        switch (command) {
        case BIO_CTRL_FLUSH:
            return 1;  // sent by flush_out() once the SSL call returns
        case BIO_CTRL_WPENDING:
            return static_cast<long>(self->out_.size() - self->sent_at_);
        case BIO_CTRL_EOF:
            return self->peer_eof_ ? 1 : 0;
        default:
            return 0;
        }
    }

    // Sends what OpenSSL wrote; returns true when nothing is left waiting.
    bool flush_out() {
        if (sent_at_ < out_.size()) {
            const std::span<const std::byte> rest{reinterpret_cast<const std::byte*>(out_.data()) + sent_at_,
                                                  out_.size() - sent_at_};
            const IoResult sent = inner_->send(rest);
            if (sent.error) {
                failed_ = true;
                error_ = sent.error;
                return false;
            }
            sent_at_ += sent.bytes;
            if (sent_at_ < out_.size()) {
                inner_->arm_write();
                return false;
            }
        }
        sent_at_ = 0;
        if (out_.capacity() > kept_out_capacity)
            std::string{}.swap(out_);  // a burst's buffer is not kept by an idle connection
        else
            out_.clear();
        if (shutdown_pending_ && !fin_sent_) {
            fin_sent_ = true;
            inner_->shutdown_send();
        }
        return true;
    }

    // Maps a failed SSL call to an IoResult.
    IoResult classify(int ssl_error) {
        if (inner_error_)
            return fail_with(inner_error_);  // the socket failed under OpenSSL
        switch (ssl_error) {
        case SSL_ERROR_WANT_READ:
        case SSL_ERROR_WANT_WRITE: {
            IoResult result;
            result.would_block = true;
            return result;
        }
        case SSL_ERROR_ZERO_RETURN: {
            IoResult result;
            result.eof = true;  // close_notify: an orderly TLS close
            return result;
        }
        case SSL_ERROR_SSL: {
            const long verify = SSL_get_verify_result(ssl_.get());
            const unsigned long code = ERR_peek_error();
#ifdef SSL_R_UNEXPECTED_EOF_WHILE_READING  // OpenSSL 3: an EOF without close_notify
            if (peer_eof_ && ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
                ERR_clear_error();
                return peer_closed();
            }
#endif
            ERR_clear_error();  // the code above names the reason
            if (verify != X509_V_OK)
                return fail_with(verify_error(verify));
            return fail_with(std::error_code{static_cast<int>(code), error_category()});
        }
        default:  // SSL_ERROR_SYSCALL
            if (peer_eof_)
                return peer_closed();
            return fail_with(std::make_error_code(std::errc::connection_aborted));
        }
    }

    // The TCP stream ended without close_notify: within a record or the handshake that is an
    // abort; between records it is a truncation, reported as EOF as most peers do.
    IoResult peer_closed() {
        if (!was_established_ || SSL_has_pending(ssl_.get()) == 1)
            return fail_with(std::make_error_code(std::errc::connection_aborted));
        IoResult result;
        result.eof = true;
        return result;
    }

    IoResult fail_with(std::error_code error) {
        failed_ = true;
        error_ = error;
        return failure();
    }

    [[nodiscard]] IoResult failure() const {
        IoResult result;
        result.error = error_;
        return result;
    }

    std::unique_ptr<Transport> inner_;
    std::shared_ptr<SSL_CTX> ctx_;
    std::unique_ptr<SSL, decltype(&SSL_free)> ssl_;
    TransportEvents* events_ = nullptr;
    std::string out_;  // ciphertext OpenSSL wrote, from sent_at_ on not yet sent
    std::size_t sent_at_ = 0;
    std::error_code error_;
    std::error_code inner_error_;
    bool failed_ = false;
    bool peer_eof_ = false;
    bool was_established_ = false;  // the handshake completed (a failure resets OpenSSL's state)
    bool inner_drained_ = false;
    bool read_during_send_ = false;
    bool shutdown_pending_ = false;
    bool fin_sent_ = false;
};

}  // namespace hio::tls::detail
