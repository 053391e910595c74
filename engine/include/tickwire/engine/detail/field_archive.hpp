#pragma once
// The two Cereal archives the snapshot codec uses to see an entity as a flat list of
// QuantizedField values: FieldWriter collects them from a state, FieldReader puts them
// back. Plain arithmetic members are fields too (bool 1 bit, integers and floats at their
// width); containers are refused, so that every entity of a type has the same layout.

#include <tickwire/engine/field.hpp>

#include <cereal/cereal.hpp>

#include <array>
#include <bit>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

namespace tickwire::engine::detail {

class FieldWriter : public cereal::OutputArchive<FieldWriter, cereal::AllowEmptyClassElision> {
public:
    FieldWriter() : OutputArchive(this) {}

    /// Appends one field. The first kInline stay in a fixed buffer: the codec reads every
    /// entity's fields several times per packet, and a vector's push_back per field cost
    /// more than the rest of the reading.
    void put(const QuantizedField& field) {
        if (count_ < kInline) {
            inline_[count_++] = field;
        } else {
            overflow_.push_back(field);
        }
    }
    /// Moves the fields collected since the last call into `out` (replacing its contents).
    void drainInto(std::vector<QuantizedField>& out) {
        out.assign(inline_.begin(), inline_.begin() + static_cast<std::ptrdiff_t>(count_));
        out.insert(out.end(), overflow_.begin(), overflow_.end());
        reset();
    }
    /// Forgets what was collected (after a type's save threw part-way).
    void reset() noexcept {
        count_ = 0;
        overflow_.clear();
    }

private:
    static constexpr std::size_t kInline = 64;
    std::array<QuantizedField, kInline> inline_{};
    std::size_t count_ = 0;
    std::vector<QuantizedField> overflow_;
};

class FieldReader : public cereal::InputArchive<FieldReader, cereal::AllowEmptyClassElision> {
public:
    explicit FieldReader(const std::vector<QuantizedField>& fields) : InputArchive(this), fields_(fields) {}

    QuantizedField next(std::uint8_t bits) {
        if (pos_ >= fields_.size() || fields_[pos_].bits != bits) {
            throw cereal::Exception("entity layout does not match its schema");
        }
        return fields_[pos_++];
    }

private:
    const std::vector<QuantizedField>& fields_;
    std::size_t pos_ = 0;
};

/// The raw bits of an arithmetic value, and its width.
template <class T>
QuantizedField toField(const T& value) noexcept {
    if constexpr (std::is_same_v<T, bool>) {
        return QuantizedField{value ? 1u : 0u, 1};
    } else {
        using U = std::make_unsigned_t<std::conditional_t<std::is_floating_point_v<T>,
                                                          std::conditional_t<sizeof(T) == 4, std::int32_t, std::int64_t>, T>>;
        U bits{};
        std::memcpy(&bits, &value, sizeof(T));
        return QuantizedField{static_cast<std::uint64_t>(bits), static_cast<std::uint8_t>(sizeof(T) * 8)};
    }
}

template <class T>
T fromField(const QuantizedField& field) noexcept {
    if constexpr (std::is_same_v<T, bool>) {
        return field.value != 0;
    } else {
        using U = std::make_unsigned_t<std::conditional_t<std::is_floating_point_v<T>,
                                                          std::conditional_t<sizeof(T) == 4, std::int32_t, std::int64_t>, T>>;
        const U bits = static_cast<U>(field.value);
        T value{};
        std::memcpy(&value, &bits, sizeof(T));
        return value;
    }
}

inline void CEREAL_SAVE_FUNCTION_NAME(FieldWriter& ar, const QuantizedField& field) { ar.put(field); }
inline void CEREAL_LOAD_FUNCTION_NAME(FieldReader& ar, QuantizedField& field) {
    const QuantizedField got = ar.next(field.bits);
    field.value = got.value;
}

template <class T>
    requires std::is_arithmetic_v<T> && (!std::is_same_v<T, long double>)
inline void CEREAL_SAVE_FUNCTION_NAME(FieldWriter& ar, const T& value) {
    ar.put(toField(value));
}
template <class T>
    requires std::is_arithmetic_v<T> && (!std::is_same_v<T, long double>)
inline void CEREAL_LOAD_FUNCTION_NAME(FieldReader& ar, T& value) {
    value = fromField<T>(ar.next(static_cast<std::uint8_t>(std::is_same_v<T, bool> ? 1 : sizeof(T) * 8)));
}

template <class T>
inline void CEREAL_SAVE_FUNCTION_NAME(FieldWriter& ar, const cereal::NameValuePair<T>& nvp) { ar(nvp.value); }
template <class T>
inline void CEREAL_LOAD_FUNCTION_NAME(FieldReader& ar, cereal::NameValuePair<T>& nvp) { ar(nvp.value); }

template <class T>
inline void CEREAL_SAVE_FUNCTION_NAME(FieldWriter&, const cereal::SizeTag<T>&) {
    throw cereal::Exception("snapshot entities must have a fixed layout: no containers");
}
template <class T>
inline void CEREAL_LOAD_FUNCTION_NAME(FieldReader&, cereal::SizeTag<T>&) {
    throw cereal::Exception("snapshot entities must have a fixed layout: no containers");
}

}  // namespace tickwire::engine::detail

namespace tickwire::engine {
template <>
struct IsFieldArchive<detail::FieldWriter> : std::true_type {};
template <>
struct IsFieldArchive<detail::FieldReader> : std::true_type {};
}  // namespace tickwire::engine

CEREAL_REGISTER_ARCHIVE(tickwire::engine::detail::FieldWriter)
CEREAL_REGISTER_ARCHIVE(tickwire::engine::detail::FieldReader)
