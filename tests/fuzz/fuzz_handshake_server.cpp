// The server's side of the handshake (docs/PROTOCOL.md sections 2 and 3): sequences of
// REQUESTs and RESPONSEs from a few addresses, with tokens the fuzzer builds and seals
// under the server's key, cookies it copies from the CHALLENGEs or forges, raw bytes, time
// passing and connections starting and ending. Nothing may crash, and every reply must be
// smaller than the datagram that caused it.

#include "admission.hpp"
#include "fuzz_input.hpp"
#include "sealed_token.hpp"

using namespace tickwire;
using namespace tickwire::net::detail;

namespace {

struct Attempt {
    net::ConnectToken token;
    AttemptNonce nonce{};
    std::optional<Cookie> cookie;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::Input in(data, size);
    std::array<std::uint64_t, net::kRejectionCount> rejected{};
    AdmissionConfig config;
    config.key = fuzz::fuzzServerKey();
    config.publicAddresses = {fuzz::kFuzzServer};
    config.maxClients = 1 + in.byte() % 4;
    config.maxPending = 1 + in.byte() % 4;
    config.maxRememberedTokens = 1 + in.byte() % 8;
    config.handshakeTimeoutMs = 100 + in.byte() * 20u;
    config.duplicatePlayers = in.byte() & 1 ? net::DuplicatePlayerPolicy::Replace : net::DuplicatePlayerPolicy::Reject;
    Admission admission(config, rejected);
    std::uint64_t nowMs = 1'000'000;
    const std::uint64_t unix = 1'800'000'000;
    const net::Address addresses[] = {{0x0A000001u, 1000}, {0x0A000001u, 1001}, {0x0A000002u, 1000}};
    std::vector<Attempt> attempts;

    auto send = [&](const net::Address& from, std::span<const std::uint8_t> bytes) {
        const auto reply = admission.onHandshake(from, bytes, nowMs, unix);
        if (!reply.empty() && reply.size() >= bytes.size()) fuzz::broken();
        return reply;
    };

    for (int step = 0; step < 64 && !in.empty(); ++step) {
        const net::Address& from = addresses[in.choice(3)];
        switch (in.choice(7)) {
            case 0: (void)send(from, in.bytes(600)); break;
            case 1: {  // a REQUEST for a new token
                Attempt a{fuzz::tokenFrom(in, unix), in.array<kAttemptNonceSize>(), std::nullopt};
                const auto reply = send(from, writeRequest(a.token, a.nonce));
                if (handshakeType(reply) == HandshakeType::Challenge) {
                    auto cookie = readChallenge(reply, a.token.serverToClientKey, a.token.protocolId, a.nonce);
                    if (!cookie) fuzz::broken();  // a server's own challenge must open for its client
                    a.cookie = *cookie;
                }
                attempts.push_back(std::move(a));
                break;
            }
            case 2: {  // the RESPONSE of an attempt, maybe from another address, maybe tampered
                if (attempts.empty()) break;
                Attempt& a = attempts[in.choice(attempts.size())];
                Cookie cookie = a.cookie.value_or(Cookie{});
                if (in.byte() < 64) cookie.mac[in.choice(cookie.mac.size())] ^= static_cast<std::uint8_t>(1 + in.byte() % 255);
                if (in.byte() < 32) cookie.timeMs += in.integer<std::uint16_t>();
                (void)send(from, writeResponse(a.token, a.nonce, cookie));
                break;
            }
            case 3: {  // a REQUEST again for an earlier token, new nonce
                if (attempts.empty()) break;
                Attempt a = attempts[in.choice(attempts.size())];
                a.nonce = in.array<kAttemptNonceSize>();
                (void)send(from, writeRequest(a.token, a.nonce));
                break;
            }
            case 4: nowMs += in.integer<std::uint16_t>(); break;
            case 5: (void)admission.prune(nowMs, unix); break;
            case 6: {  // an allowed address completes its connection, or a connection ends
                if (auto entry = admission.take(from)) {
                    const std::uint32_t id = entry->link->connectId();
                    admission.connected(from, entry->token.playerId, *entry);
                    if (in.byte() & 1) admission.disconnected(from, entry->token.playerId, id);
                }
                break;
            }
        }
        if (admission.allowedCount() > config.maxPending) fuzz::broken();
    }
    return 0;
}
