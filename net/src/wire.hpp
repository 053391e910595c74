#pragma once
// The one little-endian writer and bounded reader of net/src: tokens, handshake
// datagrams and sealed datagrams are written and read with these.

#include <algorithm>
#include <cassert>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <span>

namespace tickwire::net::detail {

/// Little-endian writer into a buffer whose size the caller computed beforehand; running
/// past the end is a bug in the caller, not bad input (asserted in debug builds).
class Writer {
public:
    explicit Writer(std::span<std::uint8_t> out) noexcept : out_(out) {}

    template <std::unsigned_integral T>
    void put(T value) noexcept {
        assert(pos_ + sizeof(T) <= out_.size());
        for (std::size_t i = 0; i < sizeof(T); ++i) {
            out_[pos_++] = static_cast<std::uint8_t>(value >> (8 * i));
        }
    }

    void put(std::span<const std::uint8_t> bytes) noexcept {
        assert(pos_ + bytes.size() <= out_.size());
        std::copy(bytes.begin(), bytes.end(), out_.begin() + static_cast<std::ptrdiff_t>(pos_));
        pos_ += bytes.size();
    }

    [[nodiscard]] std::size_t position() const noexcept { return pos_; }

private:
    std::span<std::uint8_t> out_;
    std::size_t pos_ = 0;
};

/// Little-endian reader over untrusted bytes: every read says whether the bytes were there.
class Reader {
public:
    explicit Reader(std::span<const std::uint8_t> in) noexcept : in_(in) {}

    template <std::unsigned_integral T>
    [[nodiscard]] bool get(T& value) noexcept {
        if (remaining() < sizeof(T)) return false;
        T result = 0;
        for (std::size_t i = 0; i < sizeof(T); ++i) {
            result = static_cast<T>(result | (static_cast<T>(in_[pos_++]) << (8 * i)));
        }
        value = result;
        return true;
    }

    [[nodiscard]] bool get(std::span<std::uint8_t> out) noexcept {
        if (remaining() < out.size()) return false;
        std::copy_n(in_.begin() + static_cast<std::ptrdiff_t>(pos_), out.size(), out.begin());
        pos_ += out.size();
        return true;
    }

    [[nodiscard]] std::size_t remaining() const noexcept { return in_.size() - pos_; }
    [[nodiscard]] std::span<const std::uint8_t> rest() const noexcept { return in_.subspan(pos_); }

private:
    std::span<const std::uint8_t> in_;
    std::size_t pos_ = 0;
};

/// Reads a little-endian unsigned integer of sizeof(T) bytes at `at` (the caller has
/// checked the bounds).
template <std::unsigned_integral T>
[[nodiscard]] T loadLe(const std::uint8_t* at) noexcept {
    T value = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) value = static_cast<T>(value | (static_cast<T>(at[i]) << (8 * i)));
    return value;
}

/// Writes value little-endian at `at` (the caller has checked the bounds).
template <std::unsigned_integral T>
void storeLe(std::uint8_t* at, T value) noexcept {
    for (std::size_t i = 0; i < sizeof(T); ++i) at[i] = static_cast<std::uint8_t>(value >> (8 * i));
}

}  // namespace tickwire::net::detail
