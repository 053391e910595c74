#pragma once
// Deterministic connect tokens for the fuzz targets and their seeds: the private part laid
// out as docs/PROTOCOL.md 1.2 says and sealed under a fixed server key, with fields the
// fuzzer chooses. (issueToken draws its keys and nonce at random; a fuzzer wants the same
// input to mean the same token every time.)

#include "crypto_internal.hpp"
#include "fuzz_input.hpp"

#include <tickwire/net/detail/wire.hpp>
#include <tickwire/net/token.hpp>

namespace tickwire::fuzz {

inline const net::Key& fuzzServerKey() {
    static const net::Key key = [] {
        std::array<std::uint8_t, net::Key::kSize> bytes{};
        for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(0x40 + i);
        return *net::Key::fromBytes(bytes);
    }();
    return key;
}

/// The address the fuzzed server answers for.
inline const net::Address kFuzzServer{0x7F000001u, 40000};

inline net::Key keyFrom(Input& in) {
    auto bytes = in.array<net::Key::kSize>();
    bytes[0] |= 1;  // never all zero
    return *net::Key::fromBytes(bytes);
}

/// The 384-byte plaintext of a private part, laid out as docs/PROTOCOL.md 1.2 says.
/// `servers` is the count written (the list may be shorter when the count is broken).
inline std::array<std::uint8_t, net::kTokenPrivateSealedSize - net::detail::kMacSize> layOutPrivate(
    std::uint64_t playerId, std::uint32_t timeout, const net::Key& c2s, const net::Key& s2c, std::size_t servers,
    const std::vector<net::Address>& list, std::vector<std::uint8_t> userData) {
    std::array<std::uint8_t, net::kTokenPrivateSealedSize - net::detail::kMacSize> plain{};
    net::detail::Writer w(plain);
    w.put(playerId);
    w.put(timeout);
    w.put(c2s.bytes());
    w.put(s2c.bytes());
    w.put(static_cast<std::uint8_t>(servers));
    for (const auto& a : list) {
        w.put(a.ipv4);
        w.put(a.port);
    }
    const std::size_t fits = plain.size() - w.position() - 2;
    userData.resize(std::min(userData.size(), fits));
    w.put(static_cast<std::uint16_t>(userData.size()));
    w.put(userData);
    return plain;
}

/// The additional data that binds a token's public fields to its private part (1.3).
inline std::array<std::uint8_t, 24> tokenAd(std::uint32_t version, std::uint64_t protocolId, std::uint64_t expireTime) {
    std::array<std::uint8_t, 24> ad{};
    net::detail::Writer w(ad);
    w.put(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>("TWTK"), 4));
    w.put(version);
    w.put(protocolId);
    w.put(expireTime);
    return ad;
}

/// A token whose fields come from `in`: mostly valid (it names kFuzzServer, has keys and
/// a sane timeout), with a choice byte letting the fuzzer break any of it.
inline net::ConnectToken tokenFrom(Input& in, std::uint64_t unixNow) {
    net::ConnectToken t;
    const std::uint8_t breaks = in.byte();  // each bit breaks one field
    t.protocolId = net::kDefaultProtocolId;
    t.createTime = unixNow;
    t.expireTime = unixNow + 1 + in.byte() % 60;
    if (breaks & 1) t.expireTime = in.integer<std::uint64_t>();
    const std::uint64_t playerId = in.integer<std::uint64_t>() % 8;
    std::uint32_t timeout = 1 + in.byte() % 30;
    if (breaks & 2) timeout = in.integer<std::uint32_t>();
    t.timeoutSeconds = timeout;
    t.clientToServerKey = keyFrom(in);
    t.serverToClientKey = keyFrom(in);
    std::size_t servers = 1 + in.byte() % net::kMaxTokenServers;
    if (breaks & 4) servers = in.byte();
    // The public list always names at least one server (a client refuses a token that does
    // not); the count written into the private part is the one the fuzzer chose.
    t.servers.assign(std::clamp<std::size_t>(servers, 1, net::kMaxTokenServers), net::Address{0x0A000001u, 1});
    if (!(breaks & 8)) t.servers[in.byte() % t.servers.size()] = kFuzzServer;
    std::vector<std::uint8_t> userData = in.bytes(net::kMaxTokenUserData + ((breaks & 16) ? 64 : 0));
    t.nonce = in.array<net::kTokenNonceSize>();

    auto plain = layOutPrivate(playerId, timeout, t.clientToServerKey, t.serverToClientKey, servers, t.servers,
                               std::move(userData));
    if (breaks & 32) plain.back() = 1;  // non-zero padding
    net::detail::xSeal(t.sealedPrivate, plain, tokenAd(t.version, t.protocolId, t.expireTime), t.nonce,
                       fuzzServerKey().data());
    net::detail::wipe(plain);
    return t;
}

}  // namespace tickwire::fuzz
