// The out-of-line parts of the value types transport.hpp declares for both ends: the
// descriptions of reasons, rejections and drops, the default clock, the channel limits'
// checks and HostStats as JSON.

#include <tickwire/net/transport.hpp>

#include <chrono>
#include <string>

namespace tickwire::net {

std::string_view describe(DisconnectReason reason) noexcept {
    switch (reason) {
        case DisconnectReason::Unknown: return "unknown";
        case DisconnectReason::Requested: return "disconnect requested";
        case DisconnectReason::ServerShutdown: return "server shutting down";
        case DisconnectReason::Kicked: return "kicked by the server";
        case DisconnectReason::Timeout: return "timed out";
        case DisconnectReason::Replaced: return "replaced by a newer connection of the same client";
        case DisconnectReason::HandshakeTimeout: return "no answer from any server in the token";
        case DisconnectReason::Denied: return "denied by the server";
        case DisconnectReason::ProtocolError: return "protocol error";
        case DisconnectReason::TokenExpired: return "connect token expired";
        case DisconnectReason::ReceiveOverflow: return "sent more than the receiver's queue holds";
        case DisconnectReason::Full: return "the game is full";
    }
    return "unknown";
}

std::string_view describe(Rejection r) noexcept {
    switch (r) {
        case Rejection::Malformed: return "malformed";
        case Rejection::Expired: return "expired";
        case Rejection::WrongServer: return "wrong_server";
        case Rejection::WrongKey: return "wrong_key";
        case Rejection::TokenReused: return "token_reused";
        case Rejection::NoToken: return "no_token";
        case Rejection::PendingLimit: return "pending_limit";
        case Rejection::PlayerAlreadyConnected: return "player_already_connected";
        case Rejection::ServerFull: return "server_full";
        case Rejection::BadCookie: return "bad_cookie";
        case Rejection::AddressInUse: return "address_in_use";
    }
    return "unknown";
}

std::string_view describe(Drop d) noexcept {
    switch (d) {
        case Drop::AuthFailed: return "auth_failed";
        case Drop::Replayed: return "replayed";
        case Drop::TooOld: return "too_old";
        case Drop::Malformed: return "malformed";
        case Drop::Oversize: return "oversize";
        case Drop::QueueOverflow: return "queue_overflow";
        case Drop::BadConnect: return "bad_connect";
    }
    return "unknown";
}

std::uint64_t Clock::defaultMonotonicMs() noexcept {
    using namespace std::chrono;
    return static_cast<std::uint64_t>(duration_cast<milliseconds>(steady_clock::now().time_since_epoch()).count());
}

Result<void> ChannelLimits::validate() const {
    auto bad = [](const char* text) -> Result<void> { return fail(Error::InvalidConfig, text); };
    if (maxReliableMessage < 1 || maxReliableMessage > 16 * 1024 * 1024) {
        return bad("limits.maxReliableMessage must be 1..16 MiB");
    }
    if (maxUnreliableMessage < 1 || maxUnreliableMessage > 1200) {
        return bad("limits.maxUnreliableMessage must be 1..1200 (one datagram)");
    }
    if (maxQueuedBytes < maxReliableMessage) return bad("limits.maxQueuedBytes must hold one maximal message");
    if (maxReceiveEvents < 1) return bad("limits.maxReceiveEvents must be at least 1");
    if (maxReceiveBytes < maxReliableMessage) return bad("limits.maxReceiveBytes must hold one maximal reliable message");
    return {};
}

std::string HostStats::toJson() const {
    std::string out = "{";
    auto field = [&out](std::string_view key, std::uint64_t value) {
        if (out.size() > 1) out += ',';
        out += '"';
        out += key;
        out += "\":";
        out += std::to_string(value);
    };
    field("connected", connected);
    field("disconnected", disconnected);
    field("udp_bytes_out", udpBytesOut);
    field("udp_bytes_in", udpBytesIn);
    field("udp_packets_out", udpPacketsOut);
    field("udp_packets_in", udpPacketsIn);
    field("messages_in", messagesIn);
    field("messages_out", messagesOut);
    for (std::size_t i = 0; i < kRejectionCount; ++i) {
        field("rejected_" + std::string(describe(static_cast<Rejection>(i))), rejected[i]);
    }
    for (std::size_t i = 0; i < kDropCount; ++i) {
        field("dropped_" + std::string(describe(static_cast<Drop>(i))), dropped[i]);
    }
    field("handshake_dropped", handshakeDropped);
    out += '}';
    return out;
}

}  // namespace tickwire::net
