// The token's private part (docs/PROTOCOL.md 1.2), which a server reads after the AEAD
// opened: fuzzed plaintext is sealed under a fixed server key with the documented
// additional data, so every input reaches the parser behind the seal.

#include "fuzz_input.hpp"

#include "sealed_token.hpp"

using namespace tickwire;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::Input in(data, size);
    const auto version = in.byte() < 200 ? net::kTokenVersion : in.integer<std::uint32_t>();
    const auto protocolId = in.integer<std::uint64_t>();
    const auto expireTime = in.integer<std::uint64_t>();
    const auto nonce = in.array<net::kTokenNonceSize>();
    const auto plain = in.exactly(net::kTokenPrivateSealedSize - net::detail::kMacSize);

    std::array<std::uint8_t, net::kTokenPrivateSealedSize> sealed{};
    net::detail::xSeal(sealed, plain, fuzz::tokenAd(version, protocolId, expireTime), nonce, fuzz::fuzzServerKey().data());

    const auto opened = net::openToken(fuzz::fuzzServerKey(), version, protocolId, expireTime, nonce, sealed);
    if (!opened) {
        if (opened.error() != net::Error::Malformed) fuzz::broken();  // it was sealed right
        return 0;
    }
    if (opened->servers.empty() || opened->servers.size() > net::kMaxTokenServers) fuzz::broken();
    if (opened->userData.size() > net::kMaxTokenUserData) fuzz::broken();
    if (opened->timeoutSeconds < 1 || opened->timeoutSeconds > 3600) fuzz::broken();
    if (opened->clientToServerKey.isZero() || opened->serverToClientKey.isZero()) fuzz::broken();
    return 0;
}
