#include "client_handshake.hpp"

#include "crypto_internal.hpp"

namespace tickwire::net::detail {

void ClientHandshake::start(std::size_t index, std::uint64_t nowMs) {
    index_ = index;
    state_ = State::SendingRequest;
    randomBytes(nonce_);  // fresh for every attempt: nothing of an earlier one opens for it
    keys_ = SessionKeys{};
    denial_.reset();
    deadlineMs_ = nowMs + timeoutMs_;
    nextSendMs_ = nowMs;
}

std::optional<std::vector<std::uint8_t>> ClientHandshake::due(std::uint64_t nowMs) {
    if (state_ == State::Idle || nowMs < nextSendMs_) return std::nullopt;
    nextSendMs_ = nowMs + resendMs_;
    if (state_ == State::SendingRequest) return writeRequest(token_, nonce_);
    return writeResponse(token_, nonce_, cookie_);
}

ClientHandshake::Outcome ClientHandshake::onDatagram(std::span<const std::uint8_t> bytes, std::uint64_t nowMs) {
    const auto type = handshakeType(bytes);
    if (state_ == State::Idle) return Outcome::Ignored;
    if (type == HandshakeType::Challenge) {
        if (state_ != State::SendingRequest) return Outcome::Ignored;  // an answer to a resent REQUEST
        auto cookie = readChallenge(bytes, token_.serverToClientKey, token_.protocolId, nonce_);
        if (!cookie) return Outcome::Dropped;
        cookie_ = *cookie;
        keys_ = deriveSessionKeys(token_.clientToServerKey, token_.serverToClientKey, token_.protocolId, nonce_,
                                  cookie_.serverNonce, /*forServer=*/false);
        state_ = State::SendingResponse;
        nextSendMs_ = nowMs;
        return Outcome::Challenged;
    }
    if (type == HandshakeType::Denied) {
        auto why = readDenied(bytes, token_.serverToClientKey, token_.protocolId, nonce_);
        if (!why) return Outcome::Dropped;
        denial_ = *why;
        state_ = State::Idle;
        return Outcome::Denied;
    }
    return Outcome::Dropped;  // a server never sends REQUEST or RESPONSE
}

}  // namespace tickwire::net::detail
