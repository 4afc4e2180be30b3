#pragma once
/// \file
/// Query strings and form bodies (hio: parseQuery, updateQargsQuery): percent-decoding and
/// -encoding, QueryParams (an ordered, case-sensitive multimap), and merging parameters into a
/// URL.

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <hio/error.hpp>
#include <hio/http/detail/grammar.hpp>

namespace hio::http {

/// `text` with %XX escapes decoded; nothing when an escape is malformed or decodes to NUL
/// (a path holding either is better refused than guessed at). '+' stays '+' unless
/// `plus_is_space` (it means a space in queries and form bodies, not in paths).
inline std::optional<std::string> percent_decode(std::string_view text, bool plus_is_space = false) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '+' && plus_is_space) {
            out += ' ';
            continue;
        }
        if (text[i] != '%') {
            out += text[i];
            continue;
        }
        if (i + 2 >= text.size())
            return std::nullopt;
        const int high = detail::hex_value(text[i + 1]);
        const int low = detail::hex_value(text[i + 2]);
        if (high < 0 || low < 0 || (high == 0 && low == 0))
            return std::nullopt;
        out += static_cast<char>(high * 16 + low);
        i += 2;
    }
    return out;
}

/// `text` percent-encoded for a query or form value: unreserved characters (RFC 3986
/// ALPHA DIGIT - . _ ~) stay, a space becomes '+', everything else %XX.
inline std::string percent_encode(std::string_view text) {
    static constexpr char digits[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (detail::is_unreserved(c)) {
            out += c;
        } else if (c == ' ') {
            out += '+';
        } else {
            out += '%';
            out += digits[byte >> 4];
            out += digits[byte & 15];
        }
    }
    return out;
}

/// Query parameters or form fields: (name, value) pairs in order, names case-sensitive, a
/// name may repeat (hio: parseQuery's dict keeps the last; here every value is kept).
class QueryParams {
public:
    /// One parameter.
    using Param = std::pair<std::string, std::string>;

    /// None.
    QueryParams() = default;
    /// `params`, in order.
    QueryParams(std::initializer_list<Param> params) : params_{params} {}

    /// Decodes `text` ("a=1&b=x+y&c", no leading '?'): '&' (and ';', as hio) separate
    /// parameters, '=' a name from its value (none: an empty value), '+' is a space. Throws
    /// ValidationError for a malformed %-escape, naming it.
    static QueryParams parse(std::string_view text) {
        QueryParams out;
        while (!text.empty()) {
            const std::size_t end = text.find_first_of("&;");
            const std::string_view item = text.substr(0, end);
            if (!item.empty()) {
                const std::size_t equals = item.find('=');
                const std::string_view name = item.substr(0, equals);
                const std::string_view value = equals == std::string_view::npos ? std::string_view{}
                                                                                : item.substr(equals + 1);
                auto decoded_name = percent_decode(name, true);
                auto decoded_value = percent_decode(value, true);
                if (!decoded_name || !decoded_value)
                    throw ValidationError{"http::QueryParams: bad percent-encoding in '" + std::string{item} + "'"};
                out.params_.emplace_back(std::move(*decoded_name), std::move(*decoded_value));
            }
            if (end == std::string_view::npos)
                break;
            text.remove_prefix(end + 1);
        }
        return out;
    }

    /// The first value of `name`, or nothing.
    [[nodiscard]] std::optional<std::string_view> get(std::string_view name) const {
        for (const Param& param : params_)
            if (param.first == name)
                return std::string_view{param.second};
        return std::nullopt;
    }
    /// The first value of `name`, or `fallback`.
    [[nodiscard]] std::string value(std::string_view name, std::string_view fallback = {}) const {
        const auto found = get(name);
        return std::string{found ? *found : fallback};
    }
    /// Every value of `name`, in order.
    [[nodiscard]] std::vector<std::string_view> get_all(std::string_view name) const {
        std::vector<std::string_view> out;
        for (const Param& param : params_)
            if (param.first == name)
                out.emplace_back(param.second);
        return out;
    }
    /// True when `name` is present.
    [[nodiscard]] bool has(std::string_view name) const { return get(name).has_value(); }

    /// Appends a parameter (a name may repeat).
    void add(std::string name, std::string value) { params_.emplace_back(std::move(name), std::move(value)); }
    /// Replaces every parameter of `name` with one, where the first was (at the end if none).
    void set(std::string name, std::string value) {
        bool placed = false;
        std::vector<Param> kept;
        for (Param& param : params_) {
            if (param.first != name) {
                kept.push_back(std::move(param));
            } else if (!placed) {
                kept.emplace_back(name, value);
                placed = true;
            }
        }
        if (!placed)
            kept.emplace_back(std::move(name), std::move(value));
        params_ = std::move(kept);
    }
    /// Removes every parameter of `name`.
    void remove(std::string_view name) {
        std::erase_if(params_, [&](const Param& param) { return param.first == name; });
    }

    /// Encodes them: "a=1&b=x+y" (for a query after '?', or a form body).
    [[nodiscard]] std::string encode() const {
        std::string out;
        for (const Param& param : params_) {
            if (!out.empty())
                out += '&';
            out += percent_encode(param.first);
            out += '=';
            out += percent_encode(param.second);
        }
        return out;
    }

    /// Every parameter, in order.
    [[nodiscard]] const std::vector<Param>& params() const noexcept { return params_; }
    /// How many.
    [[nodiscard]] std::size_t size() const noexcept { return params_.size(); }
    /// True when there are none.
    [[nodiscard]] bool empty() const noexcept { return params_.empty(); }
    /// The first, for iteration in order.
    [[nodiscard]] auto begin() const noexcept { return params_.begin(); }
    /// Past the last.
    [[nodiscard]] auto end() const noexcept { return params_.end(); }

    /// Same parameters in the same order.
    friend bool operator==(const QueryParams&, const QueryParams&) = default;

private:
    std::vector<Param> params_;
};

/// `url` with `params` merged into its query (hio: updateQargsQuery): a parameter named in
/// `params` replaces the URL's (every value of that name), the others stay in order, the new
/// ones follow; a fragment stays last. Throws ValidationError for a malformed query in `url`.
inline std::string with_query(std::string_view url, const QueryParams& params) {
    std::string_view fragment;
    if (const std::size_t hash = url.find('#'); hash != std::string_view::npos) {
        fragment = url.substr(hash);
        url = url.substr(0, hash);
    }
    std::string_view base = url;
    QueryParams merged;
    if (const std::size_t question = url.find('?'); question != std::string_view::npos) {
        base = url.substr(0, question);
        merged = QueryParams::parse(url.substr(question + 1));
    }
    for (const auto& [name, value] : params)
        merged.remove(name);
    for (const auto& [name, value] : params)
        merged.add(name, value);
    std::string out{base};
    if (!merged.empty())
        out += "?" + merged.encode();
    out += fragment;
    return out;
}

}  // namespace hio::http
