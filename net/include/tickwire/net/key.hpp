#pragma once
/// \file key.hpp
/// Fixed-size secret keys: wiped on destruction, compared in constant time.

#include <tickwire/net/result.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace tickwire::net {

/// A 32-byte symmetric key (server key, or a per-direction session key).
class Key {
public:
    static constexpr std::size_t kSize = 32;

    /// An all-zero key (never valid for use; see isZero()).
    Key() noexcept = default;
    /// Copies exactly kSize bytes. Errors: InvalidArgument if bytes.size() != kSize.
    [[nodiscard]] static Result<Key> fromBytes(std::span<const std::uint8_t> bytes);
    /// A fresh key from the operating system's CSPRNG (libsodium randombytes).
    [[nodiscard]] static Key generate();

    /// Reads a key file written by save(): exactly 32 raw bytes.
    /// Errors: IoError (unreadable), Malformed (wrong size).
    [[nodiscard]] static Result<Key> load(const std::string& path);
    /// Writes 32 raw bytes to path with file mode 0600 (created or truncated).
    /// Errors: IoError.
    [[nodiscard]] Result<void> save(const std::string& path) const;

    Key(const Key& other) noexcept;
    Key& operator=(const Key& other) noexcept;
    ~Key();

    [[nodiscard]] const std::uint8_t* data() const noexcept { return bytes_.data(); }
    [[nodiscard]] std::span<const std::uint8_t, kSize> bytes() const noexcept { return bytes_; }
    [[nodiscard]] bool isZero() const noexcept;

    /// Constant-time comparison (sodium_memcmp).
    friend bool operator==(const Key& a, const Key& b) noexcept;

private:
    std::array<std::uint8_t, kSize> bytes_{};
};

}  // namespace tickwire::net
