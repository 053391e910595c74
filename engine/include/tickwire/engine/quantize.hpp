#pragma once
/// \file quantize.hpp
/// Quantized value types for game state. Each type stores its quantized integer, so a round
/// trip through any archive is exact, and exposes the real value through get()/set().
/// Serialization hands the archive QuantizedField values (field.hpp): the snapshot codec packs
/// them at their width, any other Cereal archive stores the integers.
///
/// Loading a quantized integer outside a type's range throws cereal::Exception, which the
/// decoder of the archive (the snapshot codec, a file reader) turns into an Error at its
/// boundary; no exception leaves tickwire's public calls.

#include <tickwire/engine/field.hpp>

#include <cereal/cereal.hpp>

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <cstdint>
#include <numbers>

namespace tickwire::engine {

namespace detail {

/// 2^64 as a double: the first value that no longer converts to std::uint64_t.
inline constexpr double kTwoTo64 = 18446744073709551616.0;

/// Fewest steps of at most `resolution` that span `range` (ceil(range / resolution), at
/// least 1). A quotient a few ulps above a whole number (512 / 0.01 comes out as
/// 51200.000000000004) counts as that whole number, so ranges that are a multiple of the
/// resolution get exactly range / resolution steps.
constexpr std::uint64_t stepsFor(double range, double resolution) {
    const double x = range / resolution;
    auto n = static_cast<std::uint64_t>(x);
    if (x - static_cast<double>(n) > x * 1e-12) ++n;
    return n == 0 ? 1 : n;
}

/// Nearest integer to a non-negative t, saturating at `max`.
constexpr std::uint64_t roundToStep(double t, std::uint64_t max) {
    const double rounded = t + 0.5;
    if (!(rounded < kTwoTo64)) return max;
    return std::min(static_cast<std::uint64_t>(rounded), max);
}

/// The part every single-integer quantized type shares: the stored integer
/// 0..MaxQuantized, its accessors, equality and its Cereal form (one field of Bits bits).
template <std::uint64_t MaxQuantized, std::uint8_t Bits>
class QuantizedValue {
public:
    /// The stored integer, 0..MaxQuantized.
    [[nodiscard]] std::uint64_t quantized() const noexcept { return q_; }

    /// Sets the stored integer; false (and no change) when it exceeds MaxQuantized.
    bool setQuantized(std::uint64_t q) noexcept {
        if (q > MaxQuantized) return false;
        q_ = q;
        return true;
    }

    /// Equal when the quantized integers are equal.
    bool operator==(const QuantizedValue&) const = default;

    /// Cereal: one field of Bits bits.
    template <class Archive>
    void save(Archive& archive) const {
        archive(QuantizedField{q_, Bits});
    }

    /// Cereal: throws cereal::Exception when the stored integer exceeds MaxQuantized.
    template <class Archive>
    void load(Archive& archive) {
        QuantizedField field{0, Bits};
        archive(field);
        if (field.value > MaxQuantized) throw cereal::Exception("quantized value out of range");
        q_ = field.value;
    }

protected:
    std::uint64_t q_ = 0;
};

}  // namespace detail

/// The range and resolution of a BoundedFloat, written where the field is declared:
/// `BoundedFloat<FloatRange{-256.0, 256.0, 0.01}>` is [-256, 256] in steps of at most 0.01.
///
/// One template argument of class type rather than three of type `double`: clang accepts
/// floating-point template arguments, and class-type ones with floating-point members, only
/// from version 18 on, while g++ 10+ and clang 12+ accept class-type arguments with integer
/// members. So the three doubles are kept as their IEEE-754 bit patterns and read back
/// exactly: a BoundedFloat computes with the very doubles it was declared with, and
/// quantizes to the same integers as BoundedFloat<Min, Max, Resolution> did before (the
/// encoding pins in tests/engine/test_quantize.cpp hold it to that). Two FloatRanges of the
/// same three doubles name the same BoundedFloat type.
struct FloatRange {
    /// The range [min, max] and the largest step `resolution`, in the game's units (metres,
    /// radians...). Compile time only; BoundedFloat checks min < max and resolution > 0.
    consteval FloatRange(double min, double max, double resolution) noexcept
        : minBits(std::bit_cast<std::uint64_t>(min)),
          maxBits(std::bit_cast<std::uint64_t>(max)),
          resolutionBits(std::bit_cast<std::uint64_t>(resolution)) {}

    /// The lower bound.
    [[nodiscard]] constexpr double minValue() const noexcept { return std::bit_cast<double>(minBits); }
    /// The upper bound.
    [[nodiscard]] constexpr double maxValue() const noexcept { return std::bit_cast<double>(maxBits); }
    /// The largest step between neighbouring values.
    [[nodiscard]] constexpr double resolution() const noexcept { return std::bit_cast<double>(resolutionBits); }

    /// Equal when all three doubles have the same bits.
    bool operator==(const FloatRange&) const = default;

    // Public because a template argument's members must be; set by the constructor only.
    std::uint64_t minBits;         ///< IEEE-754 bits of the lower bound
    std::uint64_t maxBits;         ///< IEEE-754 bits of the upper bound
    std::uint64_t resolutionBits;  ///< IEEE-754 bits of the resolution
};

/// A real number in Range = [min, max] stored as an integer 0..kMaxQuantized of steps no
/// larger than the range's resolution: every value in range comes back within resolution / 2
/// (plus double rounding).
/// Example: `BoundedFloat<FloatRange{-256.0, 256.0, 0.01}>` uses 51200 steps of 0.01 in 16 bits.
template <FloatRange Range>
class BoundedFloat
    : public detail::QuantizedValue<detail::stepsFor(Range.maxValue() - Range.minValue(), Range.resolution()),
                                    bitsFor(detail::stepsFor(Range.maxValue() - Range.minValue(), Range.resolution()))> {
    static_assert(Range.minValue() < Range.maxValue(), "BoundedFloat needs min < max");
    static_assert(Range.resolution() > 0.0, "BoundedFloat needs resolution > 0");
    static_assert((Range.maxValue() - Range.minValue()) / Range.resolution() < detail::kTwoTo64,
                  "BoundedFloat: too many steps for 64 bits");

public:
    /// The range this type was declared with.
    static constexpr FloatRange kRange = Range;
    /// Lowest representable value (quantized 0).
    static constexpr double kMinValue = Range.minValue();
    /// Highest representable value (quantized kMaxQuantized).
    static constexpr double kMaxValue = Range.maxValue();
    /// The resolution asked for: the largest step allowed.
    static constexpr double kResolution = Range.resolution();
    /// Largest quantized integer. Equals (max - min) / resolution when the range is a whole
    /// number of steps; otherwise it is rounded up so the step never exceeds the resolution.
    static constexpr std::uint64_t kMaxQuantized = detail::stepsFor(kMaxValue - kMinValue, kResolution);
    /// Bits a quantized value needs on the wire.
    static constexpr std::uint8_t kBits = bitsFor(kMaxQuantized);
    /// Actual step between neighbouring values: (max - min) / kMaxQuantized <= resolution.
    static constexpr double kStep = (kMaxValue - kMinValue) / static_cast<double>(kMaxQuantized);

    /// The value nearest to 0 in range (0 itself when min <= 0 <= max, within a step).
    BoundedFloat() noexcept { set(0.0); }
    /// Same as set(value).
    explicit BoundedFloat(double value) noexcept { set(value); }

    /// Clamps `value` into [min, max] and rounds it to the nearest step; NaN becomes min.
    void set(double value) noexcept {
        if (!(value > kMinValue)) {
            this->q_ = 0;
        } else if (value >= kMaxValue) {
            this->q_ = kMaxQuantized;
        } else {
            this->q_ = detail::roundToStep(
                (value - kMinValue) / (kMaxValue - kMinValue) * static_cast<double>(kMaxQuantized), kMaxQuantized);
        }
    }

    /// The real value: min + quantized() × kStep, exactly max at the top.
    [[nodiscard]] double get() const noexcept {
        if (this->q_ >= kMaxQuantized) return kMaxValue;
        return std::min(kMinValue + static_cast<double>(this->q_) * kStep, kMaxValue);
    }

    /// Equal when the quantized integers are equal.
    bool operator==(const BoundedFloat&) const = default;
};

/// An integer in [Min, Max], stored as value - Min in kBits bits.
/// Example: `BoundedInt<0, 100>` for health uses 7 bits.
template <std::int64_t Min, std::int64_t Max>
class BoundedInt
    : public detail::QuantizedValue<static_cast<std::uint64_t>(Max) - static_cast<std::uint64_t>(Min),
                                    bitsFor(static_cast<std::uint64_t>(Max) - static_cast<std::uint64_t>(Min))> {
    static_assert(Min < Max, "BoundedInt needs Min < Max");

public:
    /// Lowest value.
    static constexpr std::int64_t kMinValue = Min;
    /// Highest value.
    static constexpr std::int64_t kMaxValue = Max;
    /// Largest quantized integer: Max - Min.
    static constexpr std::uint64_t kMaxQuantized = static_cast<std::uint64_t>(Max) - static_cast<std::uint64_t>(Min);
    /// Bits a quantized value needs on the wire.
    static constexpr std::uint8_t kBits = bitsFor(kMaxQuantized);

    /// 0 clamped into [Min, Max].
    BoundedInt() noexcept { set(0); }
    /// Same as set(value).
    explicit BoundedInt(std::int64_t value) noexcept { set(value); }

    /// Clamps `value` into [Min, Max].
    void set(std::int64_t value) noexcept {
        value = std::clamp(value, Min, Max);
        this->q_ = static_cast<std::uint64_t>(value) - static_cast<std::uint64_t>(Min);
    }

    /// The value, Min..Max.
    [[nodiscard]] std::int64_t get() const noexcept {
        return static_cast<std::int64_t>(static_cast<std::uint64_t>(Min) + this->q_);
    }

    /// Equal when the quantized integers are equal.
    bool operator==(const BoundedInt&) const = default;
};

/// Two components, serialized x then y.
template <class Component>
struct Vec2 {
    Component x{};  ///< first component
    Component y{};  ///< second component

    /// Cereal: each component in order.
    template <class Archive>
    void serialize(Archive& archive) {
        archive(x, y);
    }
    /// Component-wise equality.
    bool operator==(const Vec2&) const = default;
};

/// Three components, serialized x, y, z.
template <class Component>
struct Vec3 {
    Component x{};  ///< first component
    Component y{};  ///< second component
    Component z{};  ///< third component

    /// Cereal: each component in order.
    template <class Archive>
    void serialize(Archive& archive) {
        archive(x, y, z);
    }
    /// Component-wise equality.
    bool operator==(const Vec3&) const = default;
};

/// A 2D vector of BoundedFloat components sharing one range and resolution:
/// `BoundedVec2<FloatRange{-256.0, 256.0, 0.01}>`.
template <FloatRange Range>
using BoundedVec2 = Vec2<BoundedFloat<Range>>;

/// A 3D vector of BoundedFloat components sharing one range and resolution.
template <FloatRange Range>
using BoundedVec3 = Vec3<BoundedFloat<Range>>;

/// A 3D vector of BoundedInt components sharing one range.
template <std::int64_t Min, std::int64_t Max>
using BoundedIntVec3 = Vec3<BoundedInt<Min, Max>>;

/// A rotation as a unit quaternion in "smallest three" form: the index of the component
/// with the largest magnitude (2 bits, 0 = w, 1 = x, 2 = y, 3 = z) and the other three, in
/// w, x, y, z order, each mapped from [-1/√2, 1/√2] onto 0..2^ComponentBits - 1. The dropped
/// component is made positive (q and -q are the same rotation) and rebuilt from the unit norm.
///
/// With Δ = √2 / (2^ComponentBits - 1), each kept component is within Δ/2 and the rebuilt one
/// within 1.5·Δ to first order (its magnitude is at least 1/2), so every component of get()
/// is within 1.5·Δ of the input up to a sign (plus float rounding). 9 bits: Δ ≈ 0.0028.
template <unsigned ComponentBits>
class QuatSmallestThree {
    static_assert(ComponentBits >= 2 && ComponentBits <= 30, "QuatSmallestThree: ComponentBits must be 2..30");

public:
    /// Bits per kept component.
    static constexpr std::uint8_t kBits = ComponentBits;
    /// Largest quantized component.
    static constexpr std::uint32_t kMaxComponent = (std::uint32_t{1} << ComponentBits) - 1;

    /// The identity rotation (w = 1).
    QuatSmallestThree() noexcept { set(1.0f, 0.0f, 0.0f, 0.0f); }
    /// Same as set(w, x, y, z).
    explicit QuatSmallestThree(float w, float x, float y, float z) noexcept { set(w, x, y, z); }

    /// Normalises (w, x, y, z) and quantizes it. A zero or non-finite quaternion becomes the
    /// identity.
    void set(float w, float x, float y, float z) noexcept {
        std::array<double, 4> q{w, x, y, z};
        const double norm = std::sqrt(q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]);
        if (!(norm > 0.0) || !std::isfinite(norm)) {
            q = {1.0, 0.0, 0.0, 0.0};
        } else {
            for (double& c : q) c /= norm;
        }
        unsigned largest = 0;
        for (unsigned i = 1; i < 4; ++i) {
            if (std::abs(q[i]) > std::abs(q[largest])) largest = i;
        }
        const double sign = q[largest] < 0.0 ? -1.0 : 1.0;
        largest_ = largest;
        unsigned k = 0;
        for (unsigned i = 0; i < 4; ++i) {
            if (i == largest) continue;
            const double t = (sign * q[i] + kHalfSqrt2) / (2.0 * kHalfSqrt2) * kMaxComponent;
            c_[k++] = static_cast<std::uint32_t>(detail::roundToStep(std::max(t, 0.0), kMaxComponent));
        }
    }

    /// The rotation as {w, x, y, z}; the largest component is sqrt(1 - sum of squares of the
    /// other three), clamped at 0 (only reachable through setRaw()).
    [[nodiscard]] std::array<float, 4> get() const noexcept {
        std::array<double, 3> kept{};
        double sum = 0.0;
        for (unsigned k = 0; k < 3; ++k) {
            kept[k] = static_cast<double>(c_[k]) / kMaxComponent * (2.0 * kHalfSqrt2) - kHalfSqrt2;
            sum += kept[k] * kept[k];
        }
        std::array<float, 4> out{};
        unsigned k = 0;
        for (unsigned i = 0; i < 4; ++i) {
            if (i == largest_) out[i] = static_cast<float>(std::sqrt(std::max(0.0, 1.0 - sum)));
            else out[i] = static_cast<float>(kept[k++]);
        }
        return out;
    }

    /// Index of the dropped (largest) component: 0 = w, 1 = x, 2 = y, 3 = z.
    [[nodiscard]] unsigned largest() const noexcept { return largest_; }

    /// The three kept components, each 0..kMaxComponent, in w, x, y, z order.
    [[nodiscard]] std::array<std::uint32_t, 3> components() const noexcept { return c_; }

    /// Sets the stored integers; false (and no change) when largest > 3 or a component
    /// exceeds kMaxComponent.
    bool setRaw(unsigned largest, std::uint32_t a, std::uint32_t b, std::uint32_t c) noexcept {
        if (largest > 3 || a > kMaxComponent || b > kMaxComponent || c > kMaxComponent) return false;
        largest_ = largest;
        c_ = {a, b, c};
        return true;
    }

    /// Equal when the stored integers are equal.
    bool operator==(const QuatSmallestThree&) const = default;

    /// Cereal: {largest, 2 bits}, then the three components at ComponentBits each, marked as
    /// one rotation so that the snapshot codec can predict and code them as one.
    template <class Archive>
    void save(Archive& archive) const {
        archive(QuantizedField{largest_, 2, FieldKind::QuatLargest},
                QuantizedField{c_[0], kBits, FieldKind::QuatComponent},
                QuantizedField{c_[1], kBits, FieldKind::QuatComponent},
                QuantizedField{c_[2], kBits, FieldKind::QuatComponent});
    }

    /// Cereal: throws cereal::Exception when a stored integer is out of range.
    template <class Archive>
    void load(Archive& archive) {
        QuantizedField l{0, 2}, a{0, kBits}, b{0, kBits}, c{0, kBits};
        archive(l, a, b, c);
        if (l.value > 3 || a.value > kMaxComponent || b.value > kMaxComponent || c.value > kMaxComponent) {
            throw cereal::Exception("QuatSmallestThree: quantized value out of range");
        }
        largest_ = static_cast<unsigned>(l.value);
        c_ = {static_cast<std::uint32_t>(a.value), static_cast<std::uint32_t>(b.value),
              static_cast<std::uint32_t>(c.value)};
    }

private:
    static constexpr double kHalfSqrt2 = std::numbers::sqrt2 / 2.0;

    unsigned largest_ = 0;
    std::array<std::uint32_t, 3> c_{};
};

/// An angle in radians, wrapped into [-π, π) and stored as 0..2^Bits - 1 steps of 2π / 2^Bits
/// (quantized 0 is -π). Rounding wraps too: a value just below π becomes -π.
template <unsigned Bits>
class Angle : public detail::QuantizedValue<(std::uint64_t{1} << Bits) - 1, static_cast<std::uint8_t>(Bits)> {
    static_assert(Bits >= 2 && Bits <= 32, "Angle: Bits must be 2..32");

public:
    /// Largest quantized integer.
    static constexpr std::uint64_t kMaxQuantized = (std::uint64_t{1} << Bits) - 1;
    /// Bits a quantized value needs on the wire.
    static constexpr std::uint8_t kBits = Bits;
    /// Radians per step: 2π / 2^Bits.
    static constexpr double kStep = 2.0 * std::numbers::pi / static_cast<double>(std::uint64_t{1} << Bits);

    /// 0 radians.
    Angle() noexcept { set(0.0); }
    /// Same as set(radians).
    explicit Angle(double radians) noexcept { set(radians); }

    /// Wraps any finite angle into [-π, π) and rounds it to the nearest step; NaN and
    /// infinities become 0.
    void set(double radians) noexcept {
        if (!std::isfinite(radians)) radians = 0.0;
        const double wrapped = std::remainder(radians, 2.0 * std::numbers::pi);  // [-π, π]
        const double t = (wrapped + std::numbers::pi) / kStep;
        this->q_ = detail::roundToStep(std::max(t, 0.0), kMaxQuantized + 1) & kMaxQuantized;
    }

    /// Radians in [-π, π).
    [[nodiscard]] double get() const noexcept { return static_cast<double>(this->q_) * kStep - std::numbers::pi; }

    /// Equal when the quantized integers are equal.
    bool operator==(const Angle&) const = default;
};

/// An unbounded unsigned integer (a counter, an id): every 64-bit value is its own quantized
/// integer. Archives see a 64-bit field; the snapshot codec codes it as a wide field.
class Uint64 : public detail::QuantizedValue<~std::uint64_t{0}, 64> {
public:
    /// Widest value in bits.
    static constexpr std::uint8_t kBits = 64;

    /// 0.
    Uint64() noexcept = default;
    /// Holds `value`.
    explicit Uint64(std::uint64_t value) noexcept { q_ = value; }

    /// Replaces the value.
    void set(std::uint64_t value) noexcept { q_ = value; }
    /// The value.
    [[nodiscard]] std::uint64_t get() const noexcept { return q_; }

    /// Equal when the values are equal.
    bool operator==(const Uint64&) const = default;
};

}  // namespace tickwire::engine
