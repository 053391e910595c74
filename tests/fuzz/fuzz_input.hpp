#pragma once
// Reads a fuzzer's input as a sequence of choices and byte strings. Every read succeeds:
// past the end it yields zeros and empty strings, so a target never needs to check.

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace tickwire::fuzz {

class Input {
public:
    Input(const std::uint8_t* data, std::size_t size) : bytes_(data, size) {}

    [[nodiscard]] bool empty() const noexcept { return pos_ >= bytes_.size(); }
    [[nodiscard]] std::size_t remaining() const noexcept { return bytes_.size() - std::min(pos_, bytes_.size()); }

    template <class T>
    T integer() {
        T value = 0;
        for (std::size_t i = 0; i < sizeof(T); ++i) value = static_cast<T>(value | (static_cast<T>(byte()) << (8 * i)));
        return value;
    }
    std::uint8_t byte() { return pos_ < bytes_.size() ? bytes_[pos_++] : 0; }
    /// A value in 0..n-1 (n >= 1).
    std::size_t choice(std::size_t n) { return byte() % n; }

    /// Up to `max` bytes, the count taken from the input first.
    std::vector<std::uint8_t> bytes(std::size_t max) {
        const std::size_t n = std::min<std::size_t>(integer<std::uint16_t>() % (max + 1), remaining());
        return take(n);
    }
    /// Exactly n bytes (zeros past the end).
    std::vector<std::uint8_t> exactly(std::size_t n) {
        std::vector<std::uint8_t> out = take(std::min(n, remaining()));
        out.resize(n, 0);
        return out;
    }
    template <std::size_t N>
    std::array<std::uint8_t, N> array() {
        std::array<std::uint8_t, N> out{};
        for (auto& b : out) b = byte();
        return out;
    }
    /// Everything not read yet.
    std::vector<std::uint8_t> rest() { return take(remaining()); }

private:
    std::vector<std::uint8_t> take(std::size_t n) {
        std::vector<std::uint8_t> out(bytes_.begin() + static_cast<std::ptrdiff_t>(pos_),
                                      bytes_.begin() + static_cast<std::ptrdiff_t>(pos_ + n));
        pos_ += n;
        return out;
    }

    std::span<const std::uint8_t> bytes_;
    std::size_t pos_ = 0;
};

/// Stops the fuzzer on a broken property, as a crash it saves a reproducer for.
[[noreturn]] inline void broken() { __builtin_trap(); }

}  // namespace tickwire::fuzz
