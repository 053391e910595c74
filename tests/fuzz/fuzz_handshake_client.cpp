// The client's side of the handshake (docs/PROTOCOL.md sections 2 and 3): whatever a
// server, or anyone spoofing one, sends back. Raw bytes, and CHALLENGEs and DENIEDs the
// fuzzer fills and seals with the token's real key and the attempt's real nonce, so the
// parsers behind the seal are reached. Nothing crashes; a denial always names a reason.

#include "client_handshake.hpp"
#include "fuzz_input.hpp"
#include "sealed_token.hpp"

using namespace tickwire;
using namespace tickwire::net::detail;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::Input in(data, size);
    const std::uint64_t unix = 1'800'000'000;
    const net::ConnectToken token = fuzz::tokenFrom(in, unix);
    ClientHandshake handshake(token, 5000, 100);
    std::uint64_t nowMs = 0;
    handshake.start(0, nowMs);
    AttemptNonce nonce{};

    for (int step = 0; step < 32 && !in.empty(); ++step) {
        if (auto due = handshake.due(nowMs)) {
            if (auto request = readRequest(*due)) nonce = request->clientNonce;  // the REQUEST carries it
        }
        ClientHandshake::Outcome outcome{};
        switch (in.choice(5)) {
            case 0: outcome = handshake.onDatagram(in.bytes(600), nowMs); break;
            case 1: {
                Cookie cookie{in.array<kAttemptNonceSize>(), in.integer<std::uint64_t>(), in.array<kCookieMacSize>()};
                const AttemptNonce forNonce = in.byte() < 200 ? nonce : in.array<kAttemptNonceSize>();
                outcome = handshake.onDatagram(writeChallenge(cookie, token.serverToClientKey, token.protocolId, forNonce),
                                               nowMs);
                break;
            }
            case 2: {
                const auto reason = static_cast<net::Rejection>(in.byte());
                outcome = handshake.onDatagram(writeDenied(reason, token.serverToClientKey, token.protocolId, nonce), nowMs);
                if (outcome == ClientHandshake::Outcome::Denied &&
                    static_cast<std::size_t>(*handshake.denial()) >= net::kRejectionCount) {
                    fuzz::broken();
                }
                break;
            }
            case 3: nowMs += in.integer<std::uint16_t>(); break;
            case 4: handshake.start(in.choice(token.servers.size()), nowMs); break;
        }
        if (outcome == ClientHandshake::Outcome::Challenged && handshake.keys().connectId == 0) fuzz::broken();
    }
    return 0;
}
