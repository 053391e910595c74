#pragma once
/// \file matchmaker_protocol.hpp
/// What the sample matchmaker and its callers exchange, shared by the matchmaker, the
/// arena's bots and arena-server's reports (docs/DEPLOY.md, "Matchmaker").
///
/// A player joins with `POST /join` and the body `{"player_id": N}` (1..2^53). The answer,
/// 200 and `application/json`:
///
///     {"server": "203.0.113.7:7777", "token": "<base64>", "expires_in": 60}
///
/// where `token` is standard base64 (RFC 4648, with padding) of the connect token's bytes
/// (`ConnectToken::serialize()`, layout in docs/PROTOCOL.md); the client decodes it with
/// `ConnectToken::parse()` and connects. Errors are a status (400 bad request, 503 no server
/// has room) and `{"error": "..."}`.
///
/// A server reports to `POST /admin/servers` with `Authorization: Bearer <admin secret>` and
/// `{"address": "HOST:PORT", "players": N, "capacity": N, "state": "ready"|"shutting_down"}`.

#include <tickwire/net/token.hpp>

#include <nlohmann/json.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace matchmaker {

inline constexpr std::string_view kAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

[[nodiscard]] inline std::string base64Encode(std::span<const std::uint8_t> bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < bytes.size(); i += 3) {
        const std::uint32_t n = (std::uint32_t{bytes[i]} << 16) | (i + 1 < bytes.size() ? std::uint32_t{bytes[i + 1]} << 8 : 0) |
                                (i + 2 < bytes.size() ? std::uint32_t{bytes[i + 2]} : 0);
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += i + 1 < bytes.size() ? kAlphabet[(n >> 6) & 63] : '=';
        out += i + 2 < bytes.size() ? kAlphabet[n & 63] : '=';
    }
    return out;
}

/// Nothing when `text` is not padded standard base64.
[[nodiscard]] inline std::optional<std::vector<std::uint8_t>> base64Decode(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::array<int, 256> value{};
    value.fill(-1);
    for (std::size_t i = 0; i < kAlphabet.size(); ++i) value[static_cast<unsigned char>(kAlphabet[i])] = static_cast<int>(i);
    std::vector<std::uint8_t> out;
    out.reserve(text.size() / 4 * 3);
    for (std::size_t i = 0; i < text.size(); i += 4) {
        const bool last = i + 4 == text.size();
        int v[4];
        std::size_t padding = 0;
        for (std::size_t k = 0; k < 4; ++k) {
            const char c = text[i + k];
            if (c == '=' && last && k >= 2) {
                v[k] = 0;
                ++padding;
                continue;
            }
            if (padding > 0) return std::nullopt;  // data after '='
            v[k] = value[static_cast<unsigned char>(c)];
            if (v[k] < 0) return std::nullopt;
        }
        const std::uint32_t n = (std::uint32_t(v[0]) << 18) | (std::uint32_t(v[1]) << 12) | (std::uint32_t(v[2]) << 6) |
                                std::uint32_t(v[3]);
        out.push_back(static_cast<std::uint8_t>(n >> 16));
        if (padding < 2) out.push_back(static_cast<std::uint8_t>(n >> 8));
        if (padding < 1) out.push_back(static_cast<std::uint8_t>(n));
    }
    return out;
}

/// The body of a join answer.
[[nodiscard]] inline std::string joinAnswer(const std::string& server, const tickwire::net::ConnectToken& token,
                                            std::uint32_t expiresIn) {
    return nlohmann::json{{"server", server}, {"token", base64Encode(token.serialize())}, {"expires_in", expiresIn}}.dump();
}

/// The token in a join answer. Failures: ParseError when the body is not a join answer or
/// its token not base64, otherwise the token's own (Truncated, Malformed, ...).
[[nodiscard]] inline tickwire::net::Result<tickwire::net::ConnectToken> parseJoinAnswer(std::string_view body) {
    using tickwire::net::Error;
    const auto j = nlohmann::json::parse(body, nullptr, false);
    if (!j.is_object() || !j.contains("token") || !j["token"].is_string()) {
        return tickwire::fail(Error::ParseError, "the answer is not {\"server\": ..., \"token\": ...}");
    }
    const auto bytes = base64Decode(j["token"].get<std::string>());
    if (!bytes) return tickwire::fail(Error::ParseError, "the token is not base64");
    auto token = tickwire::net::ConnectToken::parse(*bytes);
    if (!token) return tickwire::fail(token.error(), "the token does not parse: " + token.message());
    return *token;
}

}  // namespace matchmaker
