#include "../support/temp_dir.hpp"
#include <doctest/doctest.h>

#include <tickwire/net/token.hpp>

#include "crypto_internal.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

using namespace tickwire::net;

namespace {

// Offsets into a serialized token (docs/PROTOCOL.md, section 1).
constexpr std::size_t kVersionOffset = 4;
constexpr std::size_t kCreateTimeOffset = 16;
constexpr std::size_t kExpireTimeOffset = 24;
constexpr std::size_t kTimeoutOffset = 32;
constexpr std::size_t kServerCountOffset = 36;
constexpr std::size_t kServersOffset = 37;
constexpr std::size_t kPrivatePlainSize = kTokenPrivateSealedSize - tickwire::net::detail::kMacSize;

constexpr std::uint64_t kNow = 1'700'000'000;

std::size_t keysOffset(std::size_t serverCount) { return kServersOffset + 6 * serverCount; }

void putLe(std::vector<std::uint8_t>& bytes, std::size_t offset, std::uint64_t value, std::size_t size) {
    REQUIRE(offset + size <= bytes.size());
    for (std::size_t i = 0; i < size; ++i) bytes[offset + i] = static_cast<std::uint8_t>(value >> (8 * i));
}

TokenParams makeParams(std::size_t serverCount = 2, std::size_t userDataSize = 16) {
    TokenParams params;
    params.protocolId = 0x1122334455667788ull;
    params.playerId = 0xFEEDFACECAFEBEEFull;
    for (std::size_t i = 0; i < serverCount; ++i) {
        params.servers.push_back(Address{0x0A000001u + static_cast<std::uint32_t>(i),
                                         static_cast<std::uint16_t>(40000 + i)});
    }
    params.expiresInSeconds = 45;
    params.timeoutSeconds = 7;
    for (std::size_t i = 0; i < userDataSize; ++i) params.userData.push_back(static_cast<std::uint8_t>(i * 7 + 1));
    return params;
}

ConnectToken issue(const Key& serverKey, const TokenParams& params = makeParams()) {
    auto token = issueToken(serverKey, params, kNow);
    REQUIRE(token.has_value());
    return *token;
}

std::vector<std::uint8_t> validBytes(const Key& serverKey, std::size_t serverCount = 2) {
    return issue(serverKey, makeParams(serverCount)).serialize();
}

Result<TokenPrivate> openIssued(const Key& serverKey, const ConnectToken& token) {
    return openToken(serverKey, token.version, token.protocolId, token.expireTime, token.nonce,
                     token.sealedPrivate);
}

// Seals an arbitrary private plaintext the way issueToken does, to reach the checks
// that run after the MAC verified.
ConnectToken sealRaw(const Key& serverKey, const std::array<std::uint8_t, kPrivatePlainSize>& plain) {
    ConnectToken token = issue(serverKey);
    std::vector<std::uint8_t> ad{'T', 'W', 'T', 'K'};
    ad.resize(24);
    putLe(ad, 4, token.version, 4);
    putLe(ad, 8, token.protocolId, 8);
    putLe(ad, 16, token.expireTime, 8);
    tickwire::net::detail::xSeal(token.sealedPrivate, plain, ad, token.nonce, serverKey.data());
    return token;
}

// A well-formed private plaintext: one server, no user data.
std::array<std::uint8_t, kPrivatePlainSize> goodPlain() {
    std::vector<std::uint8_t> v(kPrivatePlainSize, 0);
    putLe(v, 0, 42, 8);                                              // client id
    putLe(v, 8, 10, 4);                                              // timeout
    std::fill(v.begin() + 12, v.begin() + 76, std::uint8_t{0xAB});  // both keys
    v[76] = 1;                                                       // server count
    putLe(v, 77, 0x7F000001, 4);
    putLe(v, 81, 4000, 2);
    putLe(v, 83, 0, 2);  // user data length; padding follows
    std::array<std::uint8_t, kPrivatePlainSize> plain{};
    std::copy(v.begin(), v.end(), plain.begin());
    return plain;
}

using tickwire::test::TempDir;

}  // namespace

namespace {

void checkRoundTrip(std::size_t serverCount, std::size_t userDataSize) {
    CAPTURE(serverCount);
    CAPTURE(userDataSize);
    const Key serverKey = Key::generate();
    const TokenParams params = makeParams(serverCount, userDataSize);

    const ConnectToken issued = issue(serverKey, params);
    const auto bytes = issued.serialize();
    CHECK(bytes.size() == 525 + 6 * serverCount);

    const auto parsed = ConnectToken::parse(bytes);
    REQUIRE(parsed.has_value());
    CHECK(parsed->version == kTokenVersion);
    CHECK(parsed->protocolId == params.protocolId);
    CHECK(parsed->createTime == kNow);
    CHECK(parsed->expireTime == kNow + params.expiresInSeconds);
    CHECK(parsed->timeoutSeconds == params.timeoutSeconds);
    CHECK(parsed->servers == params.servers);
    CHECK(parsed->clientToServerKey == issued.clientToServerKey);
    CHECK(parsed->serverToClientKey == issued.serverToClientKey);
    CHECK(parsed->nonce == issued.nonce);
    CHECK(parsed->sealedPrivate == issued.sealedPrivate);

    const auto priv = openIssued(serverKey, *parsed);
    REQUIRE(priv.has_value());
    CHECK(priv->playerId == params.playerId);
    CHECK(priv->timeoutSeconds == params.timeoutSeconds);
    CHECK(priv->clientToServerKey == issued.clientToServerKey);
    CHECK(priv->serverToClientKey == issued.serverToClientKey);
    CHECK(priv->servers == params.servers);
    CHECK(priv->userData == params.userData);
}

}  // namespace

TEST_CASE("an issued token survives serialize and parse and opens to every field it was issued with") {
    for (const std::size_t serverCount : {std::size_t{1}, std::size_t{3}, kMaxTokenServers}) {
        for (const std::size_t userDataSize : {std::size_t{0}, std::size_t{1}, kMaxTokenUserData}) {
            checkRoundTrip(serverCount, userDataSize);
        }
    }
}

TEST_CASE("each issued token has fresh session keys and nonce") {
    const Key serverKey = Key::generate();
    const ConnectToken a = issue(serverKey);
    const ConnectToken b = issue(serverKey);
    CHECK_FALSE(a.clientToServerKey.isZero());
    CHECK_FALSE(a.serverToClientKey.isZero());
    CHECK_FALSE(a.clientToServerKey == a.serverToClientKey);
    CHECK_FALSE(a.clientToServerKey == b.clientToServerKey);
    CHECK_FALSE(a.serverToClientKey == b.serverToClientKey);
    CHECK(a.nonce != b.nonce);
    CHECK(a.sealedPrivate != b.sealedPrivate);
}

TEST_CASE("a token sealed under another key does not open") {
    const ConnectToken token = issue(Key::generate());
    const auto priv = openIssued(Key::generate(), token);
    REQUIRE_FALSE(priv.has_value());
    CHECK(priv.error() == Error::DecryptFailed);
}

TEST_CASE("flipping any single byte of the sealed part or the nonce makes the token fail to open") {
    const Key serverKey = Key::generate();
    const ConnectToken token = issue(serverKey);
    REQUIRE(openIssued(serverKey, token).has_value());

    for (std::size_t i = 0; i < kTokenPrivateSealedSize; ++i) {
        ConnectToken tampered = token;
        tampered.sealedPrivate[i] ^= 0x01;
        const auto priv = openIssued(serverKey, tampered);
        REQUIRE_FALSE(priv.has_value());
        CHECK(priv.error() == Error::DecryptFailed);
    }
    for (std::size_t i = 0; i < kTokenNonceSize; ++i) {
        ConnectToken tampered = token;
        tampered.nonce[i] ^= 0x80;
        const auto priv = openIssued(serverKey, tampered);
        REQUIRE_FALSE(priv.has_value());
        CHECK(priv.error() == Error::DecryptFailed);
    }
}

TEST_CASE("altering the version, protocol id or expiry bound in the additional data breaks the seal") {
    const Key serverKey = Key::generate();
    const ConnectToken token = issue(serverKey);

    const auto check = [&](std::uint32_t version, std::uint64_t protocolId, std::uint64_t expireTime) {
        const auto priv = openToken(serverKey, version, protocolId, expireTime, token.nonce,
                                    token.sealedPrivate);
        REQUIRE_FALSE(priv.has_value());
        CHECK(priv.error() == Error::DecryptFailed);
    };
    check(token.version + 1, token.protocolId, token.expireTime);
    check(token.version, token.protocolId ^ 1, token.expireTime);
    check(token.version, kDefaultProtocolId, token.expireTime);
    check(token.version, token.protocolId, token.expireTime + 1);
    check(token.version, token.protocolId, token.expireTime + 3600);

    // The same through the token bytes: a client that pushes its expiry forward.
    auto bytes = token.serialize();
    putLe(bytes, kExpireTimeOffset, token.expireTime + 86400, 8);
    const auto extended = ConnectToken::parse(bytes);
    REQUIRE(extended.has_value());
    const auto priv = openIssued(serverKey, *extended);
    REQUIRE_FALSE(priv.has_value());
    CHECK(priv.error() == Error::DecryptFailed);
}

TEST_CASE("every truncation of a valid token is reported as truncated") {
    const auto bytes = validBytes(Key::generate(), 3);
    for (std::size_t size = 0; size < bytes.size(); ++size) {
        CAPTURE(size);
        const auto parsed = ConnectToken::parse(std::span(bytes).first(size));
        REQUIRE_FALSE(parsed.has_value());
        CHECK(parsed.error() == Error::Truncated);
    }
}

TEST_CASE("a byte after a valid token makes it malformed") {
    auto bytes = validBytes(Key::generate());
    REQUIRE(ConnectToken::parse(bytes).has_value());
    bytes.push_back(0);
    const auto parsed = ConnectToken::parse(bytes);
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error() == Error::Malformed);
}

TEST_CASE("a token that does not start with the magic is malformed") {
    const auto good = validBytes(Key::generate());
    for (std::size_t i = 0; i < 4; ++i) {
        auto bytes = good;
        bytes[i] ^= 0x20;
        const auto parsed = ConnectToken::parse(bytes);
        REQUIRE_FALSE(parsed.has_value());
        CHECK(parsed.error() == Error::Malformed);
    }
}

TEST_CASE("a token naming no server or more than eight servers is malformed") {
    const Key serverKey = Key::generate();
    SUBCASE("zero servers") {
        auto bytes = validBytes(serverKey, 1);
        bytes[kServerCountOffset] = 0;
        bytes.erase(bytes.begin() + kServersOffset, bytes.begin() + kServersOffset + 6);
        const auto parsed = ConnectToken::parse(bytes);
        REQUIRE_FALSE(parsed.has_value());
        CHECK(parsed.error() == Error::Malformed);
    }
    SUBCASE("nine servers, with the bytes for all nine present") {
        auto bytes = validBytes(serverKey, kMaxTokenServers);
        bytes[kServerCountOffset] = kMaxTokenServers + 1;
        bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(keysOffset(kMaxTokenServers)), 6, 0x11);
        const auto parsed = ConnectToken::parse(bytes);
        REQUIRE_FALSE(parsed.has_value());
        CHECK(parsed.error() == Error::Malformed);
    }
    SUBCASE("255 servers") {
        auto bytes = validBytes(serverKey, 1);
        bytes[kServerCountOffset] = 255;
        const auto parsed = ConnectToken::parse(bytes);
        REQUIRE_FALSE(parsed.has_value());
        CHECK(parsed.error() == Error::Malformed);
    }
}

TEST_CASE("a hand-built token naming nine servers serializes to bytes that parse rejects") {
    ConnectToken token = issue(Key::generate(), makeParams(kMaxTokenServers));
    token.servers.push_back(Address::loopback(9));
    const auto bytes = token.serialize();
    CHECK(bytes[kServerCountOffset] == 0);
    const auto parsed = ConnectToken::parse(bytes);
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error() == Error::Malformed);
}

TEST_CASE("a token of an unknown version is unsupported") {
    const auto good = validBytes(Key::generate());
    for (const std::uint32_t version : {0u, 2u, 0x01000000u, 0xFFFFFFFFu}) {
        CAPTURE(version);
        auto bytes = good;
        putLe(bytes, kVersionOffset, version, 4);
        const auto parsed = ConnectToken::parse(bytes);
        REQUIRE_FALSE(parsed.has_value());
        CHECK(parsed.error() == Error::UnsupportedVersion);
    }
}

TEST_CASE("a token whose public fields are out of range is malformed") {
    const auto good = validBytes(Key::generate(), 2);
    const auto expectMalformed = [](const std::vector<std::uint8_t>& bytes) {
        const auto parsed = ConnectToken::parse(bytes);
        REQUIRE_FALSE(parsed.has_value());
        CHECK(parsed.error() == Error::Malformed);
    };
    SUBCASE("expiry before creation") {
        auto bytes = good;
        putLe(bytes, kCreateTimeOffset, kNow + 1000, 8);
        expectMalformed(bytes);
    }
    SUBCASE("timeout of zero") {
        auto bytes = good;
        putLe(bytes, kTimeoutOffset, 0, 4);
        expectMalformed(bytes);
    }
    SUBCASE("timeout above an hour") {
        auto bytes = good;
        putLe(bytes, kTimeoutOffset, 3601, 4);
        expectMalformed(bytes);
    }
    SUBCASE("all-zero client-to-server key") {
        auto bytes = good;
        std::fill_n(bytes.begin() + static_cast<std::ptrdiff_t>(keysOffset(2)), 32, std::uint8_t{0});
        expectMalformed(bytes);
    }
    SUBCASE("all-zero server-to-client key") {
        auto bytes = good;
        std::fill_n(bytes.begin() + static_cast<std::ptrdiff_t>(keysOffset(2) + 32), 32, std::uint8_t{0});
        expectMalformed(bytes);
    }
}

TEST_CASE("random and mutated bytes never crash the parser and only yield documented errors") {
    std::mt19937_64 rng(20240601);
    const auto good = validBytes(Key::generate(), 3);
    const auto acceptable = [](const Result<ConnectToken>& parsed) {
        return parsed.has_value() || parsed.error() == Error::Truncated ||
               parsed.error() == Error::Malformed || parsed.error() == Error::UnsupportedVersion;
    };
    std::uniform_int_distribution<int> byte(0, 255);
    for (int round = 0; round < 20000; ++round) {
        std::vector<std::uint8_t> bytes(static_cast<std::size_t>(rng() % 700));
        for (auto& b : bytes) b = static_cast<std::uint8_t>(byte(rng));
        if (round % 2 == 0 && bytes.size() >= 8) {
            // Get past the magic and version checks so the deeper reads are exercised.
            std::copy_n(good.begin(), 8, bytes.begin());
        }
        REQUIRE(acceptable(ConnectToken::parse(bytes)));
    }
    for (int round = 0; round < 20000; ++round) {
        auto bytes = good;
        const int edits = 1 + static_cast<int>(rng() % 4);
        for (int e = 0; e < edits; ++e) bytes[rng() % bytes.size()] = static_cast<std::uint8_t>(byte(rng));
        REQUIRE(acceptable(ConnectToken::parse(bytes)));
    }
}

TEST_CASE("a private part that verifies but breaks the format is malformed") {
    const Key serverKey = Key::generate();
    REQUIRE(openIssued(serverKey, sealRaw(serverKey, goodPlain())).has_value());

    const auto expectMalformed = [&](const std::array<std::uint8_t, kPrivatePlainSize>& plain) {
        const auto priv = openIssued(serverKey, sealRaw(serverKey, plain));
        REQUIRE_FALSE(priv.has_value());
        CHECK(priv.error() == Error::Malformed);
    };
    SUBCASE("server count 0") {
        auto plain = goodPlain();
        plain[76] = 0;
        expectMalformed(plain);
    }
    SUBCASE("server count 9") {
        auto plain = goodPlain();
        plain[76] = 9;
        expectMalformed(plain);
    }
    SUBCASE("user data longer than 256 bytes") {
        auto plain = goodPlain();
        plain[83] = 0x01;  // 257, little-endian
        plain[84] = 0x01;
        expectMalformed(plain);
    }
    SUBCASE("a nonzero byte in the padding") {
        auto plain = goodPlain();
        plain[kPrivatePlainSize - 1] = 1;
        expectMalformed(plain);
    }
    SUBCASE("timeout of zero") {
        auto plain = goodPlain();
        std::fill_n(plain.begin() + 8, 4, std::uint8_t{0});
        expectMalformed(plain);
    }
    SUBCASE("an all-zero session key") {
        auto plain = goodPlain();
        std::fill_n(plain.begin() + 12, 32, std::uint8_t{0});
        expectMalformed(plain);
    }
}

TEST_CASE("token params are validated against their documented ranges") {
    const auto valid = makeParams();
    REQUIRE(valid.validate().has_value());

    const auto expectInvalid = [](const TokenParams& params) {
        const auto result = params.validate();
        REQUIRE_FALSE(result.has_value());
        CHECK(result.error() == Error::InvalidArgument);
        const auto issued = issueToken(Key::generate(), params, kNow);
        REQUIRE_FALSE(issued.has_value());
        CHECK(issued.error() == Error::InvalidArgument);
    };
    SUBCASE("no server") { expectInvalid(makeParams(0)); }
    SUBCASE("nine servers") { expectInvalid(makeParams(kMaxTokenServers + 1)); }
    SUBCASE("257 bytes of user data") { expectInvalid(makeParams(1, kMaxTokenUserData + 1)); }
    SUBCASE("expiring in zero seconds") {
        auto params = valid;
        params.expiresInSeconds = 0;
        expectInvalid(params);
    }
    SUBCASE("expiring in more than a day") {
        auto params = valid;
        params.expiresInSeconds = 86401;
        expectInvalid(params);
    }
    SUBCASE("timeout of zero") {
        auto params = valid;
        params.timeoutSeconds = 0;
        expectInvalid(params);
    }
    SUBCASE("timeout above an hour") {
        auto params = valid;
        params.timeoutSeconds = 3601;
        expectInvalid(params);
    }
    SUBCASE("the limits themselves are valid") {
        auto params = makeParams(kMaxTokenServers, kMaxTokenUserData);
        params.expiresInSeconds = 86400;
        params.timeoutSeconds = 3600;
        CHECK(params.validate().has_value());
        params.expiresInSeconds = 1;
        params.timeoutSeconds = 1;
        CHECK(params.validate().has_value());
    }
}

TEST_CASE("a token is not issued under an all-zero key or with an expiry past the end of time") {
    const auto zeroKey = issueToken(Key{}, makeParams(), kNow);
    REQUIRE_FALSE(zeroKey.has_value());
    CHECK(zeroKey.error() == Error::InvalidArgument);

    const auto overflow = issueToken(Key::generate(), makeParams(), ~std::uint64_t{0} - 10);
    REQUIRE_FALSE(overflow.has_value());
    CHECK(overflow.error() == Error::InvalidArgument);
}

TEST_CASE("a saved token is private to its owner and loads back unchanged") {
    TempDir dir;
    const auto path = dir.file("client.token");
    const ConnectToken token = issue(Key::generate());
    REQUIRE(token.save(path).has_value());

    struct stat info {};
    REQUIRE(::stat(path.c_str(), &info) == 0);
    CHECK((info.st_mode & 0777) == 0600);

    const auto loaded = ConnectToken::load(path);
    REQUIRE(loaded.has_value());
    CHECK(loaded->serialize() == token.serialize());
}

TEST_CASE("loading a token reports missing, oversized and garbage files") {
    TempDir dir;
    const auto missing = ConnectToken::load(dir.file("absent.token"));
    REQUIRE_FALSE(missing.has_value());
    CHECK(missing.error() == Error::IoError);

    const auto huge = dir.file("huge.token");
    std::ofstream(huge, std::ios::binary) << std::string(1 << 20, 'x');
    const auto tooBig = ConnectToken::load(huge);
    REQUIRE_FALSE(tooBig.has_value());
    CHECK(tooBig.error() == Error::Malformed);

    const auto text = dir.file("text.token");
    std::ofstream(text, std::ios::binary) << "hello";
    const auto garbage = ConnectToken::load(text);
    REQUIRE_FALSE(garbage.has_value());
    CHECK(garbage.error() == Error::Malformed);

}

TEST_CASE("saving a token where no file can be written is an io error") {
    TempDir dir;
    const auto saved = issue(Key::generate()).save(dir.file("no-such-dir/client.token"));
    REQUIRE_FALSE(saved.has_value());
    CHECK(saved.error() == Error::IoError);
}

TEST_CASE("the clock reads seconds since the Unix epoch") {
    const std::uint64_t now = unixNow();
    CHECK(now > 1'600'000'000);  // after September 2020
    CHECK(now < 4'000'000'000);  // before 2096
}
