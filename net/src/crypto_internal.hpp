#pragma once
// Thin wrappers over libsodium and file I/O shared by key, token, handshake and the
// sealed channel. Internal: never included by public headers.

#include <tickwire/net/result.hpp>

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

namespace tickwire::net::detail {

inline constexpr std::size_t kMacSize = 16;
inline constexpr std::size_t kXNonceSize = 24;  // XChaCha20-Poly1305
inline constexpr std::size_t kNonceSize = 12;   // ChaCha20-Poly1305-IETF

/// sodium_init() once; safe to call from anywhere, returns false if libsodium is unusable.
bool ensureSodium() noexcept;

void randomBytes(std::span<std::uint8_t> out) noexcept;
void wipe(std::span<std::uint8_t> bytes) noexcept;
bool constantTimeEqual(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) noexcept;

/// XChaCha20-Poly1305: out gets plain.size() + kMacSize bytes.
void xSeal(std::span<std::uint8_t> out, std::span<const std::uint8_t> plain,
           std::span<const std::uint8_t> ad, std::span<const std::uint8_t, kXNonceSize> nonce,
           const std::uint8_t* key) noexcept;
/// Returns false when the MAC does not verify. out gets sealed.size() - kMacSize bytes.
[[nodiscard]] bool xOpen(std::span<std::uint8_t> out, std::span<const std::uint8_t> sealed,
                         std::span<const std::uint8_t> ad,
                         std::span<const std::uint8_t, kXNonceSize> nonce, const std::uint8_t* key) noexcept;

/// ChaCha20-Poly1305-IETF, in place: data holds the plaintext followed by room for the
/// kMacSize tag (data.size() = plaintext + kMacSize).
void seal(std::span<std::uint8_t> data, std::span<const std::uint8_t> ad,
          std::span<const std::uint8_t, kNonceSize> nonce, const std::uint8_t* key) noexcept;
/// In place: data holds ciphertext + tag; on success the first size-kMacSize bytes are plain.
[[nodiscard]] bool open(std::span<std::uint8_t> data, std::span<const std::uint8_t> ad,
                        std::span<const std::uint8_t, kNonceSize> nonce, const std::uint8_t* key) noexcept;

/// Keyed BLAKE2b (libsodium crypto_generichash) over the concatenation of `parts`, with a
/// 32-byte key; out.size() is 16..64. A PRF: derives session keys and server cookies.
void keyedHash(std::span<std::uint8_t> out, const std::uint8_t* key,
               std::initializer_list<std::span<const std::uint8_t>> parts) noexcept;

/// ChaCha20-Poly1305-IETF exactly as RFC 8439 (and libsodium's ietf AEAD) computes it,
/// with the Poly1305 tag truncated to its first kShortTagSize bytes: encrypts `data` in
/// place and writes the truncated tag to `tag`.
inline constexpr std::size_t kShortTagSize = 7;
void sealShort(std::span<std::uint8_t> data, std::span<const std::uint8_t> ad,
               std::span<const std::uint8_t, kNonceSize> nonce, const std::uint8_t* key,
               std::span<std::uint8_t, kShortTagSize> tag) noexcept;
/// Checks a truncated tag (in constant time) and, only when it verifies, decrypts `data`
/// in place. False leaves `data` as it was.
[[nodiscard]] bool openShort(std::span<std::uint8_t> data, std::span<const std::uint8_t> ad,
                             std::span<const std::uint8_t, kNonceSize> nonce, const std::uint8_t* key,
                             std::span<const std::uint8_t, kShortTagSize> tag) noexcept;

/// Reads a whole file, refusing files larger than maxBytes. Errors: IoError, Malformed (too big).
[[nodiscard]] Result<std::vector<std::uint8_t>> readFile(const std::string& path, std::size_t maxBytes);
/// Writes bytes to path with mode 0600 (also when the file already existed). Errors: IoError.
[[nodiscard]] Result<void> writeFileSecret(const std::string& path, std::span<const std::uint8_t> bytes);

}  // namespace tickwire::net::detail
