#pragma once
/// \file field.hpp
/// The contract between quantized types and the archives that pack them. A quantized type
/// (bounded float, bounded int, quaternion, ...) hands its state to an archive as one or
/// more QuantizedField values: an unsigned integer and how many bits it needs. The snapshot
/// codec's archives see the width and pack exactly that many bits (or less, as a delta);
/// any other Cereal archive (binary, JSON, the transport's WireArchive) just stores the
/// integer.

#include <tickwire/engine/error.hpp>

#include <cstdint>
#include <type_traits>

namespace tickwire::engine {

/// What a field's integer means to the snapshot codec, beyond its width. A quantized type
/// says so when it hands its fields to an archive; games never need to.
enum class FieldKind : std::uint8_t {
    Plain = 0,          ///< an integer: predicted and coded as one
    QuatLargest = 1,    ///< smallest-three rotation: the index of the dropped component (2 bits)
    QuatComponent = 2,  ///< smallest-three rotation: one kept component (three follow QuatLargest)
};

/// One quantized value as an archive sees it.
struct QuantizedField {
    std::uint64_t value = 0;              ///< 0 .. 2^bits - 1
    std::uint8_t bits = 0;                ///< 1..64: the width every value of this field fits in
    FieldKind kind = FieldKind::Plain;    ///< how the codec may predict it (other archives ignore it)
};

/// True for the snapshot codec's own archives, which pack QuantizedField by width.
template <class Archive>
struct IsFieldArchive : std::false_type {};

/// Any other archive stores the integer alone.
template <class Archive>
    requires(!IsFieldArchive<Archive>::value)
void serialize(Archive& archive, QuantizedField& field) {
    archive(field.value);
}

/// Bits needed to hold every value in 0..maxValue (at least 1).
[[nodiscard]] constexpr std::uint8_t bitsFor(std::uint64_t maxValue) noexcept {
    std::uint8_t bits = 1;
    while (bits < 64 && (maxValue >> bits) != 0) ++bits;
    return bits;
}

}  // namespace tickwire::engine
