#pragma once
/// \file
/// TLS over any Transport with OpenSSL memory BIOs. Internal: use hio::tls::Network.
///
/// The TLS engine sits between the ciphertext transport (a TCP socket) and the plaintext
/// ring buffers the application sees. It never blocks: received ciphertext is fed into the
/// read BIO, SSL_read/SSL_write run, and what OpenSSL wrote to the write BIO is sent on, all
/// inside receive()/send(). The handshake happens on the way, driven by the connection's own
/// service() calls, so the Doist never waits on it.

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <array>
#include <cstddef>
#include <memory>
#include <string>
#include <system_error>
#include <utility>

#include <hio/tls/context.hpp>
#include <hio/transport.hpp>

namespace hio::detail {

class TlsTransport final : public Transport, private TransportEvents {
public:
    /// TLS over `inner`, with `ctx`; a client sends `server_name` as SNI and checks it.
    TlsTransport(std::unique_ptr<Transport> inner, std::shared_ptr<SSL_CTX> ctx, tls::Role role,
                 const tls::Config& config, const std::string& server_name)
        : inner_{std::move(inner)}, ctx_{std::move(ctx)}, ssl_{SSL_new(ctx_.get()), &SSL_free} {
        if (!ssl_)
            throw Error{"tls: cannot create SSL: " + tls::drain_openssl_errors()};
        BIO* rbio = BIO_new(BIO_s_mem());
        BIO* wbio = BIO_new(BIO_s_mem());
        if (rbio == nullptr || wbio == nullptr) {
            BIO_free(rbio);
            BIO_free(wbio);
            throw Error{"tls: cannot create memory BIOs"};
        }
        BIO_set_mem_eof_return(rbio, -1);  // empty means "wait for more", not EOF
        SSL_set_bio(ssl_.get(), rbio, wbio);  // the SSL owns both now
        rbio_ = rbio;
        wbio_ = wbio;
        if (role == tls::Role::client) {
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

    ~TlsTransport() override { close(); }

    IoResult receive(std::span<std::byte> into) override {
        IoResult result;
        if (failed_) {
            result.error = error_;
            return result;
        }
        const IoResult fed = pump_in();
        if (fed.error) {
            return fail_with(fed.error);
        }
        std::size_t got = 0;
        ERR_clear_error();
        const int rc = SSL_read_ex(ssl_.get(), into.data(), into.size(), &got);
        flush_out();
        if (rc == 1) {
            result.bytes = got;
            // One record per call: a short read is not "drained" while OpenSSL or the BIO
            // still hold bytes, or the socket had more than we took.
            result.more = SSL_pending(ssl_.get()) > 0 || BIO_ctrl_pending(rbio_) > 0 || !fed.would_block;
            return result;
        }
        return classify(SSL_get_error(ssl_.get(), rc), fed);
    }

    IoResult send(std::span<const std::byte> from) override {
        IoResult result;
        if (failed_) {
            result.error = error_;
            return result;
        }
        if (!flush_out()) {
            result.would_block = true;  // ciphertext still waiting for the socket
            return result;
        }
        IoResult fed;
        fed.would_block = true;
        if (!handshake_done()) {
            fed = pump_in();  // the handshake needs the peer's bytes before any write
            if (fed.error)
                return fail_with(fed.error);
        }
        std::size_t written = 0;
        ERR_clear_error();
        const int rc = SSL_write_ex(ssl_.get(), from.data(), from.size(), &written);
        flush_out();
        // Ciphertext taken from the socket here is plaintext the connection has not seen,
        // and the socket's edge is spent: tell the connection to read.
        if ((BIO_ctrl_pending(rbio_) > 0 || SSL_pending(ssl_.get()) > 0) && events_ != nullptr)
            events_->on_readable();
        if (rc == 1) {
            result.bytes = written;
            return result;
        }
        IoResult failure = classify(SSL_get_error(ssl_.get(), rc), fed);
        failure.eof = false;
        if (!failure.error)
            failure.would_block = true;
        return failure;
    }

    std::error_code shutdown_send() noexcept override {
        ERR_clear_error();
        if (SSL_is_init_finished(ssl_.get()))
            SSL_shutdown(ssl_.get());  // queues close_notify
        try {
            flush_out();
        } catch (...) {
            return std::make_error_code(std::errc::not_enough_memory);
        }
        shutdown_pending_ = true;
        if (BIO_ctrl_pending(wbio_) == 0 && pending_out_.empty())
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

    /// The protocol ALPN selected, or empty.
    [[nodiscard]] std::string alpn() const {
        const unsigned char* data = nullptr;
        unsigned length = 0;
        SSL_get0_alpn_selected(ssl_.get(), &data, &length);
        return data == nullptr ? std::string{} : std::string{reinterpret_cast<const char*>(data), length};
    }

private:
    void on_readable() noexcept override {
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

    // Moves ciphertext from the socket into the read BIO until the socket would block.
    IoResult pump_in() {
        IoResult last;
        std::array<std::byte, 16 * 1024 + 512> buffer{};  // one TLS record and its overhead
        for (;;) {
            last = inner_->receive(buffer);
            if (last.bytes != 0)
                BIO_write(rbio_, buffer.data(), static_cast<int>(last.bytes));
            if (last.error || last.eof) {
                peer_eof_ = peer_eof_ || last.eof;
                return last;
            }
            if (last.would_block || (last.bytes < buffer.size() && !last.more)) {
                last.would_block = true;
                return last;
            }
        }
    }

    // Sends what OpenSSL wrote; returns true when nothing is left waiting.
    bool flush_out() {
        for (;;) {
            if (pending_out_.empty()) {
                const int pending = static_cast<int>(BIO_ctrl_pending(wbio_));
                if (pending == 0)
                    break;
                pending_out_.resize(static_cast<std::size_t>(pending));
                BIO_read(wbio_, pending_out_.data(), pending);
                sent_at_ = 0;
            }
            const std::span<const std::byte> rest{
                reinterpret_cast<const std::byte*>(pending_out_.data()) + sent_at_, pending_out_.size() - sent_at_};
            const IoResult sent = inner_->send(rest);
            if (sent.error) {
                failed_ = true;
                error_ = sent.error;
                return false;
            }
            sent_at_ += sent.bytes;
            if (sent_at_ < pending_out_.size()) {
                inner_->arm_write();
                return false;
            }
            pending_out_.clear();
        }
        if (shutdown_pending_ && !fin_sent_) {
            fin_sent_ = true;
            inner_->shutdown_send();
        }
        return true;
    }

    IoResult classify(int ssl_error, const IoResult& fed) {
        IoResult result;
        switch (ssl_error) {
        case SSL_ERROR_WANT_READ:
        case SSL_ERROR_WANT_WRITE:
            if (fed.eof) {
                // The peer closed the TCP stream mid-handshake or mid-record.
                return fail_with(std::make_error_code(std::errc::connection_aborted));
            }
            result.would_block = true;
            return result;
        case SSL_ERROR_ZERO_RETURN:
            result.eof = true;  // close_notify: an orderly TLS close
            return result;
        case SSL_ERROR_SSL: {
            const long verify = SSL_get_verify_result(ssl_.get());
            const unsigned long code = ERR_peek_error();
            reason_ = tls::drain_openssl_errors();
            if (verify != X509_V_OK)
                return fail_with(tls::verify_error(verify));
            return fail_with(std::error_code{static_cast<int>(code), tls::error_category()});
        }
        default:  // SSL_ERROR_SYSCALL: the stream ended without close_notify
            if (fed.eof) {
                result.eof = true;  // a truncation; reported as EOF, as most peers do
                return result;
            }
            return fail_with(std::make_error_code(std::errc::connection_aborted));
        }
    }

    IoResult fail_with(std::error_code error) {
        failed_ = true;
        error_ = error;
        IoResult result;
        result.error = error;
        return result;
    }

    std::unique_ptr<Transport> inner_;
    std::shared_ptr<SSL_CTX> ctx_;
    std::unique_ptr<SSL, decltype(&SSL_free)> ssl_;
    BIO* rbio_ = nullptr;  // owned by ssl_
    BIO* wbio_ = nullptr;  // owned by ssl_
    TransportEvents* events_ = nullptr;
    std::string pending_out_;
    std::size_t sent_at_ = 0;
    std::string reason_;
    std::error_code error_;
    bool failed_ = false;
    bool peer_eof_ = false;
    bool shutdown_pending_ = false;
    bool fin_sent_ = false;
};

}  // namespace hio::detail
