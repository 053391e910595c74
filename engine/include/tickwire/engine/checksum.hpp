#pragma once
/// \file checksum.hpp
/// CRC-32 (the IEEE 802.3 / zlib / PNG polynomial, reflected, 0xEDB88320): the checksum of
/// replay files and PNG chunks. Detects accidental damage, not tampering.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace tickwire::engine {

namespace detail {
inline constexpr std::array<std::uint32_t, 256> kCrc32Table = [] {
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t n = 0; n < 256; ++n) {
        std::uint32_t c = n;
        for (int k = 0; k < 8; ++k) c = (c & 1u) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[n] = c;
    }
    return table;
}();
}  // namespace detail

/// Continues a CRC-32: pass the previous result as `crc` (0 to start). crc32("123456789")
/// is 0xCBF43926.
[[nodiscard]] constexpr std::uint32_t crc32(std::span<const std::uint8_t> bytes, std::uint32_t crc = 0) noexcept {
    std::uint32_t c = crc ^ 0xFFFFFFFFu;
    for (const std::uint8_t b : bytes) c = detail::kCrc32Table[(c ^ b) & 0xFFu] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

}  // namespace tickwire::engine
