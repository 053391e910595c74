#include "crypto_internal.hpp"

#include <sodium.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

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

Result<std::vector<std::uint8_t>> readFile(const std::string& path, std::size_t maxBytes) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return fail(Error::IoError);
    std::vector<std::uint8_t> bytes;
    std::uint8_t chunk[4096];
    for (;;) {
        const ssize_t n = ::read(fd, chunk, sizeof chunk);
        if (n < 0) {
            if (errno == EINTR) continue;
            ::close(fd);
            return fail(Error::IoError);
        }
        if (n == 0) break;
        if (bytes.size() + static_cast<std::size_t>(n) > maxBytes) {
            ::close(fd);
            wipe(bytes);
            return fail(Error::Malformed);
        }
        bytes.insert(bytes.end(), chunk, chunk + n);
    }
    ::close(fd);
    wipe(chunk);
    return bytes;
}

Result<void> writeFileSecret(const std::string& path, std::span<const std::uint8_t> bytes) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return fail(Error::IoError);
    if (::fchmod(fd, 0600) != 0) {
        ::close(fd);
        return fail(Error::IoError);
    }
    std::size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            ::close(fd);
            return fail(Error::IoError);
        }
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) return fail(Error::IoError);
    return {};
}

}  // namespace tickwire::net::detail
