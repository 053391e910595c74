#include "crypto_internal.hpp"

#include <tickwire/net/detail/wire.hpp>

#include <sodium.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace tickwire::net::detail {

bool ensureSodium() noexcept {
    static const bool ok = sodium_init() >= 0;
    return ok;
}

void randomBytes(std::span<std::uint8_t> out) noexcept {
    ensureSodium();
    randombytes_buf(out.data(), out.size());
}

void wipe(std::span<std::uint8_t> bytes) noexcept { sodium_memzero(bytes.data(), bytes.size()); }

bool constantTimeEqual(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept {
    return a.size() == b.size() && sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

void xSeal(std::span<std::uint8_t> out, std::span<const std::uint8_t> plain,
           std::span<const std::uint8_t> ad, std::span<const std::uint8_t, kXNonceSize> nonce,
           const std::uint8_t* key) noexcept {
    unsigned long long outLen = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(out.data(), &outLen, plain.data(), plain.size(),
                                               ad.data(), ad.size(), nullptr, nonce.data(), key);
}

bool xOpen(std::span<std::uint8_t> out, std::span<const std::uint8_t> sealed,
           std::span<const std::uint8_t> ad, std::span<const std::uint8_t, kXNonceSize> nonce,
           const std::uint8_t* key) noexcept {
    if (sealed.size() < kMacSize || out.size() < sealed.size() - kMacSize) return false;
    unsigned long long outLen = 0;
    return crypto_aead_xchacha20poly1305_ietf_decrypt(out.data(), &outLen, nullptr, sealed.data(),
                                                      sealed.size(), ad.data(), ad.size(),
                                                      nonce.data(), key) == 0;
}

void seal(std::span<std::uint8_t> data, std::span<const std::uint8_t> ad,
          std::span<const std::uint8_t, kNonceSize> nonce, const std::uint8_t* key) noexcept {
    const std::size_t plainSize = data.size() - kMacSize;
    unsigned long long macLen = 0;
    crypto_aead_chacha20poly1305_ietf_encrypt_detached(data.data(), data.data() + plainSize, &macLen,
                                                       data.data(), plainSize, ad.data(), ad.size(),
                                                       nullptr, nonce.data(), key);
}

bool open(std::span<std::uint8_t> data, std::span<const std::uint8_t> ad,
          std::span<const std::uint8_t, kNonceSize> nonce, const std::uint8_t* key) noexcept {
    if (data.size() < kMacSize) return false;
    const std::size_t plainSize = data.size() - kMacSize;
    return crypto_aead_chacha20poly1305_ietf_decrypt_detached(data.data(), nullptr, data.data(),
                                                              plainSize, data.data() + plainSize,
                                                              ad.data(), ad.size(), nonce.data(),
                                                              key) == 0;
}

void sealShort(std::span<std::uint8_t> data, std::span<const std::uint8_t> ad,
               std::span<const std::uint8_t, kNonceSize> nonce, const std::uint8_t* key,
               std::span<std::uint8_t, kShortTagSize> tag) noexcept {
    std::uint8_t mac[kMacSize];
    unsigned long long macLen = 0;
    std::uint8_t none = 0;  // libsodium's pointers may not be null, even for no bytes
    std::uint8_t* bytes = data.empty() ? &none : data.data();
    crypto_aead_chacha20poly1305_ietf_encrypt_detached(bytes, mac, &macLen, bytes, data.size(), ad.data(), ad.size(),
                                                       nullptr, nonce.data(), key);
    std::memcpy(tag.data(), mac, kShortTagSize);
}

bool openShort(std::span<std::uint8_t> data, std::span<const std::uint8_t> ad,
               std::span<const std::uint8_t, kNonceSize> nonce, const std::uint8_t* key,
               std::span<const std::uint8_t, kShortTagSize> tag) noexcept {
    // RFC 8439 section 2.8: the one-time Poly1305 key is the first half of ChaCha20 block 0;
    // the MAC covers AD, ciphertext (each zero-padded to 16 bytes) and both lengths.
    std::uint8_t block[64];
    crypto_stream_chacha20_ietf(block, sizeof block, nonce.data(), key);
    crypto_onetimeauth_poly1305_state state;
    crypto_onetimeauth_poly1305_init(&state, block);
    static const std::uint8_t zeros[16] = {};
    crypto_onetimeauth_poly1305_update(&state, ad.data(), ad.size());
    crypto_onetimeauth_poly1305_update(&state, zeros, (16 - ad.size() % 16) % 16);
    crypto_onetimeauth_poly1305_update(&state, data.data(), data.size());
    crypto_onetimeauth_poly1305_update(&state, zeros, (16 - data.size() % 16) % 16);
    std::uint8_t lengths[16];
    Writer w(lengths);
    w.put(static_cast<std::uint64_t>(ad.size()));
    w.put(static_cast<std::uint64_t>(data.size()));
    crypto_onetimeauth_poly1305_update(&state, lengths, sizeof lengths);
    std::uint8_t mac[kMacSize];
    crypto_onetimeauth_poly1305_final(&state, mac);
    const bool ok = sodium_memcmp(mac, tag.data(), kShortTagSize) == 0;
    sodium_memzero(block, sizeof block);
    sodium_memzero(&state, sizeof state);
    if (ok && !data.empty()) crypto_stream_chacha20_ietf_xor_ic(data.data(), data.data(), data.size(), nonce.data(), 1, key);
    return ok;
}

void keyedHash(std::span<std::uint8_t> out, const std::uint8_t* key,
               std::initializer_list<std::span<const std::uint8_t>> parts) noexcept {
    crypto_generichash_state state;
    crypto_generichash_init(&state, key, crypto_generichash_KEYBYTES, out.size());
    for (const auto part : parts) crypto_generichash_update(&state, part.data(), part.size());
    crypto_generichash_final(&state, out.data(), out.size());
    sodium_memzero(&state, sizeof state);
}

Result<std::vector<std::uint8_t>> readFile(const std::string& path, std::size_t maxBytes) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail(Error::IoError);
    std::vector<std::uint8_t> bytes;
    bytes.reserve(maxBytes < 4096 ? maxBytes : 4096);
    std::uint8_t chunk[4096];
    Result<std::vector<std::uint8_t>> result;
    for (;;) {
        const ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            result = fail(Error::IoError);
            break;
        }
        if (n == 0) {
            result = std::move(bytes);
            break;
        }
        if (bytes.size() + static_cast<std::size_t>(n) > maxBytes) {
            result = fail(Error::Malformed);
            break;
        }
        bytes.insert(bytes.end(), chunk, chunk + n);
    }
    ::close(fd);
    // Key files pass through here: leave no copy behind on any path.
    wipe(chunk);
    wipe(bytes);
    return result;
}

Result<void> writeFileSecret(const std::string& path, std::span<const std::uint8_t> bytes) {
    // Written beside the target and renamed over it, so a crash never leaves half a key,
    // and never through a symlink planted at the temporary name.
    const std::string temp = path + ".tmp";
    const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return fail(Error::IoError);
    bool ok = ::fchmod(fd, 0600) == 0;
    std::size_t done = 0;
    while (ok && done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            ok = false;
            break;
        }
        done += static_cast<std::size_t>(n);
    }
    ok = ok && ::fsync(fd) == 0;
    ok = (::close(fd) == 0) && ok;
    ok = ok && ::rename(temp.c_str(), path.c_str()) == 0;
    if (!ok) {
        ::unlink(temp.c_str());
        return fail(Error::IoError);
    }
    return {};
}

}  // namespace tickwire::net::detail
