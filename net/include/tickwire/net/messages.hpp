#pragma once
/// \file messages.hpp
/// Typed messages: Cereal-serializable game structs, sent under a 16-bit type id,
/// encoded compactly and decoded from hostile bytes without crashing, throwing or
/// allocating without bound. Header-only.
///
/// Declaring a message and sending it:
///
///     struct Chat {
///         std::string text;
///         template <class A> void serialize(A& a) { a(text); }
///     };
///     constexpr std::uint16_t kChat = 1;          // same ids on both sides
///
///     server.send(client, Channel::Reliable, tickwire::net::encodeMessage(kChat, Chat{"hi"}));
///
/// Receiving it:
///
///     // for every received payload:
///     auto type = tickwire::net::peekMessageType(payload);
///     if (type && *type == kChat) {
///         if (auto chat = tickwire::net::decodeMessage<Chat>(kChat, payload)) show(chat->text);
///     }
///
/// Wire format of one message (see docs/PROTOCOL.md):
///
///     varint typeId | body
///
/// The body is what the type's Cereal serialize/save function writes, in order, with no
/// names and no padding:
///  - integers and enums: their own width, little-endian (uint8 = 1 byte, int64 = 8);
///  - float / double: IEEE 754 binary32 / binary64, little-endian;
///  - bool: one byte, 0 or 1 (any other value is Malformed);
///  - container lengths (Cereal size tags): unsigned LEB128 varint, minimal form
///    (1 byte below 128, 2 below 16384, ...);
///  - std::string / std::vector of arithmetic: the length, then the elements packed;
///  - std::optional: a bool "empty" flag, then the value if present;
///  - std::array and nested structs: their members, nothing else.
///
/// So `struct { std::uint8_t hp; std::string name; }` with name "bob" under id 1 is
/// 1 (id) + 1 (hp) + 1 (length) + 3 = 6 bytes.
///
/// Decoding bounds: the whole message may be at most DecodeLimits::maxBytes; every
/// container length must be at most DecodeLimits::maxElements and at most the number
/// of bytes still unread, checked before the container is resized. A container of N
/// elements therefore needs at least N bytes on the wire, and the largest allocation a
/// hostile message can cause is about maxBytes times the size of one element (keep
/// element types small, or lower maxElements, for containers of large structs). One
/// consequence: a container of elements that encode to zero bytes (empty structs)
/// cannot be longer than the bytes that follow it.
///
/// A type's load function may throw (any exception) to reject a value it does not
/// accept, e.g. an out-of-range enum; decoding reports it as Error::Malformed.

#include <tickwire/net/detail/wire.hpp>
#include <tickwire/net/result.hpp>

#include <cereal/cereal.hpp>
#include <cereal/types/array.hpp>
#include <cereal/types/optional.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>

#include <bit>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <type_traits>
#include <vector>

namespace tickwire::net {

/// Bounds applied when decoding a message from untrusted bytes.
struct DecodeLimits {
    /// Largest accepted message, in bytes, type id included. Larger input is MessageTooLarge.
    std::size_t maxBytes = 256 * 1024;
    /// Largest accepted container length (elements of a vector, characters of a string...).
    std::size_t maxElements = 65536;
};

namespace detail {

/// Thrown by WireInputArchive when the input ends early; never leaves decodeMessage.
/// Deliberately not a std::exception, so a user load function catching std::exception
/// cannot swallow it.
struct WireTruncated {};
/// Thrown by WireInputArchive when the input violates the format; never leaves decodeMessage.
struct WireMalformed {};

/// Arithmetic types that have a portable wire representation.
template <class T>
inline constexpr bool kWireArithmetic =
    std::is_arithmetic_v<T> && !std::is_same_v<std::remove_cv_t<T>, long double> &&
    (!std::is_floating_point_v<T> || std::numeric_limits<T>::is_iec559);

/// The unsigned integer as wide as T: an arithmetic value travels as its bits, so the
/// one little-endian Writer and Reader code it on any host.
template <class T>
using WireBits =
    std::conditional_t<sizeof(T) == 1, std::uint8_t,
                       std::conditional_t<sizeof(T) == 2, std::uint16_t,
                                          std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>>>;

}  // namespace detail

/// Cereal output archive writing the tickwire wire format into a byte vector (appending).
/// Used by encodeMessage; games rarely name it, except to write archive-specific code.
class WireOutputArchive : public cereal::OutputArchive<WireOutputArchive, cereal::AllowEmptyClassElision> {
public:
    /// Appends to `out`, which must outlive the archive.
    explicit WireOutputArchive(std::vector<std::uint8_t>& out)
        : cereal::OutputArchive<WireOutputArchive, cereal::AllowEmptyClassElision>(this),
          out_(detail::Writer::appendingTo(out)) {}

    /// Appends `size` raw bytes.
    void writeBytes(const void* data, std::size_t size) {
        out_.put(std::span(static_cast<const std::uint8_t*>(data), size));
    }

    /// Appends one arithmetic value, little-endian, at its own width (bool as one byte 0/1).
    template <class T>
    void writeArithmetic(const T& value) {
        static_assert(detail::kWireArithmetic<T>, "only IEEE 754 floats and integers (not long double) go on the wire");
        if constexpr (std::is_same_v<T, bool>) {
            out_.put(static_cast<std::uint8_t>(value ? 1 : 0));
        } else {
            out_.put(std::bit_cast<detail::WireBits<T>>(value));
        }
    }

    /// Appends an unsigned LEB128 varint (1 to 10 bytes).
    void writeVarint(std::uint64_t value) { out_.putVarint(value); }

private:
    detail::Writer out_;
};

/// Cereal input archive reading the tickwire wire format from untrusted bytes. Every read
/// is bounds-checked; a container length is checked against the unread byte count and
/// DecodeLimits::maxElements before Cereal resizes the container. Failures throw private
/// exception types that decodeMessage turns into Error::Truncated / Error::Malformed, so
/// use it through decodeMessage rather than directly.
class WireInputArchive : public cereal::InputArchive<WireInputArchive, cereal::AllowEmptyClassElision> {
public:
    /// Reads from `bytes`, which must outlive the archive.
    WireInputArchive(std::span<const std::uint8_t> bytes, const DecodeLimits& limits)
        : cereal::InputArchive<WireInputArchive, cereal::AllowEmptyClassElision>(this),
          in_(bytes),
          maxElements_(limits.maxElements) {}

    /// Bytes not read yet.
    [[nodiscard]] std::size_t remaining() const noexcept { return in_.remaining(); }

    /// Copies the next `size` bytes into `data`; throws (Truncated) if fewer remain.
    void readBytes(void* data, std::size_t size) {
        if (!in_.get(std::span(static_cast<std::uint8_t*>(data), size))) throw detail::WireTruncated{};
    }

    /// Reads one arithmetic value written by WireOutputArchive::writeArithmetic.
    /// A bool byte other than 0 or 1 throws (Malformed).
    template <class T>
    void readArithmetic(T& value) {
        static_assert(detail::kWireArithmetic<T>, "only IEEE 754 floats and integers (not long double) go on the wire");
        if constexpr (std::is_same_v<T, bool>) {
            std::uint8_t byte = 0;
            if (!in_.get(byte)) throw detail::WireTruncated{};
            if (byte > 1) throw detail::WireMalformed{};
            value = byte != 0;
        } else {
            detail::WireBits<T> bits = 0;
            if (!in_.get(bits)) throw detail::WireTruncated{};
            value = std::bit_cast<T>(bits);
        }
    }

    /// Reads an unsigned LEB128 varint; throws on truncation, overlong or non-minimal form.
    std::uint64_t readVarint() {
        std::uint64_t value = 0;
        switch (in_.getVarint(value)) {
            case detail::VarintStatus::Ok: return value;
            case detail::VarintStatus::Truncated: throw detail::WireTruncated{};
            case detail::VarintStatus::Malformed: break;
        }
        throw detail::WireMalformed{};
    }

    /// Reads a container length: a varint that must not exceed the unread byte count
    /// (every element costs at least one byte) nor DecodeLimits::maxElements.
    std::uint64_t readSize() {
        const std::uint64_t size = readVarint();
        if (size > remaining() || size > maxElements_) throw detail::WireMalformed{};
        return size;
    }

private:
    detail::Reader in_;
    std::size_t maxElements_;
};

// Cereal finds these through argument-dependent lookup on the archive types.

/// Cereal hook: arithmetic values (and, through Cereal, enums) as fixed-width little-endian.
template <class T>
    requires std::is_arithmetic_v<T>
inline void CEREAL_SAVE_FUNCTION_NAME(WireOutputArchive& ar, const T& value) {
    ar.writeArithmetic(value);
}

/// Cereal hook: arithmetic values, bounds-checked.
template <class T>
    requires std::is_arithmetic_v<T>
inline void CEREAL_LOAD_FUNCTION_NAME(WireInputArchive& ar, T& value) {
    ar.readArithmetic(value);
}

/// Cereal hook: names are not written; only the value is.
template <class Archive, class T>
inline CEREAL_ARCHIVE_RESTRICT(WireInputArchive, WireOutputArchive)
    CEREAL_SERIALIZE_FUNCTION_NAME(Archive& ar, cereal::NameValuePair<T>& nvp) {
    ar(nvp.value);
}

/// Cereal hook: container lengths as varints.
template <class T>
inline void CEREAL_SAVE_FUNCTION_NAME(WireOutputArchive& ar, const cereal::SizeTag<T>& tag) {
    ar.writeVarint(static_cast<std::uint64_t>(tag.size));
}

/// Cereal hook: container lengths, bounded before Cereal resizes anything.
template <class T>
inline void CEREAL_LOAD_FUNCTION_NAME(WireInputArchive& ar, cereal::SizeTag<T>& tag) {
    using Size = std::remove_reference_t<decltype(tag.size)>;
    const std::uint64_t size = ar.readSize();
    if (size > static_cast<std::uint64_t>(std::numeric_limits<Size>::max())) throw detail::WireMalformed{};
    tag.size = static_cast<Size>(size);
}

/// Cereal hook: packed arrays (strings, vectors of arithmetic); `bd.size` is in bytes.
/// Elements are written little-endian.
template <class T>
inline void CEREAL_SAVE_FUNCTION_NAME(WireOutputArchive& ar, const cereal::BinaryData<T>& bd) {
    using Element = std::remove_cv_t<std::remove_pointer_t<std::remove_reference_t<T>>>;
    if constexpr (std::is_same_v<Element, bool>) {
        const auto* elements = static_cast<const bool*>(bd.data);
        for (std::size_t i = 0; i < bd.size; ++i) ar.writeArithmetic(elements[i]);
    } else if constexpr (std::is_arithmetic_v<Element>) {
        static_assert(detail::kWireArithmetic<Element>,
                      "only IEEE 754 floats and integers (not long double) go on the wire");
        if constexpr (sizeof(Element) > 1 && std::endian::native != std::endian::little) {
            const auto* elements = static_cast<const Element*>(bd.data);
            for (std::size_t i = 0; i < bd.size / sizeof(Element); ++i) ar.writeArithmetic(elements[i]);
        } else {
            ar.writeBytes(bd.data, bd.size);
        }
    } else {
        ar.writeBytes(bd.data, bd.size);
    }
}

/// Cereal hook: packed arrays, checked against the unread bytes before anything is copied.
template <class T>
inline void CEREAL_LOAD_FUNCTION_NAME(WireInputArchive& ar, cereal::BinaryData<T>& bd) {
    using Element = std::remove_cv_t<std::remove_pointer_t<std::remove_reference_t<T>>>;
    // bd.size is a byte count computed by Cereal from a length readSize() already bounded
    // by the unread bytes; check it again so a direct binary_data() call is bounded too.
    if (bd.size > ar.remaining()) throw detail::WireMalformed{};
    if constexpr (std::is_same_v<Element, bool>) {
        auto* elements = static_cast<bool*>(bd.data);
        for (std::size_t i = 0; i < bd.size; ++i) ar.readArithmetic(elements[i]);
    } else {
        if constexpr (std::is_arithmetic_v<Element>) {
            static_assert(detail::kWireArithmetic<Element>,
                          "only IEEE 754 floats and integers (not long double) go on the wire");
            if (bd.size % sizeof(Element) != 0) throw detail::WireMalformed{};
        }
        if constexpr (std::is_arithmetic_v<Element> && sizeof(Element) > 1 &&
                      std::endian::native != std::endian::little) {
            auto* elements = static_cast<Element*>(bd.data);
            for (std::size_t i = 0; i < bd.size / sizeof(Element); ++i) ar.readArithmetic(elements[i]);
        } else {
            ar.readBytes(bd.data, bd.size);
        }
    }
}

}  // namespace tickwire::net

CEREAL_REGISTER_ARCHIVE(tickwire::net::WireOutputArchive)
CEREAL_REGISTER_ARCHIVE(tickwire::net::WireInputArchive)
CEREAL_SETUP_ARCHIVE_TRAITS(tickwire::net::WireInputArchive, tickwire::net::WireOutputArchive)

namespace tickwire::net {

/// A type that can travel as a message: default-constructible (decoding fills a
/// value-initialized T) and serializable by Cereal with the wire archives.
template <class T>
concept WireMessage = std::default_initializable<T> &&
                      cereal::traits::is_output_serializable<T, WireOutputArchive>::value &&
                      cereal::traits::is_input_serializable<T, WireInputArchive>::value;

/// Encodes `value` as one message: varint `typeId`, then the body (see the file comment).
/// Encoding cannot fail on the wire side; it throws only what the type's own save
/// functions throw (Cereal throws for e.g. an unregistered polymorphic type) or
/// std::bad_alloc. The result is not checked against any DecodeLimits: a sender whose
/// receiver lowers maxBytes compares the size itself.
template <WireMessage T>
[[nodiscard]] std::vector<std::uint8_t> encodeMessage(std::uint16_t typeId, const T& value) {
    std::vector<std::uint8_t> out;
    out.reserve(64);
    detail::Writer::appendingTo(out).putVarint(typeId);
    {
        WireOutputArchive archive(out);
        archive(value);
    }
    return out;
}

/// Reads the type id at the start of a message without decoding the body.
/// Errors: Truncated (empty, or the varint is cut), Malformed (bad varint, or an id above 65535).
[[nodiscard]] inline Result<std::uint16_t> peekMessageType(std::span<const std::uint8_t> bytes) {
    std::uint64_t id = 0;
    switch (detail::Reader(bytes).getVarint(id)) {
        case detail::VarintStatus::Ok: break;
        case detail::VarintStatus::Truncated: return fail(Error::Truncated);
        case detail::VarintStatus::Malformed: return fail(Error::Malformed);
    }
    if (id > std::numeric_limits<std::uint16_t>::max()) return fail(Error::Malformed);
    return static_cast<std::uint16_t>(id);
}

/// Decodes a message of type T, expected under `typeId`, from untrusted bytes.
/// Never throws and never reads out of bounds.
/// Errors: MessageTooLarge (bytes.size() > limits.maxBytes); Truncated (the input ends
/// inside a value); Malformed (different type id, bad varint, a container length above
/// the unread bytes or limits.maxElements, a bool other than 0/1, bytes left over after
/// the body, or any exception from Cereal or the type's own load functions, including
/// std::bad_alloc).
template <WireMessage T>
[[nodiscard]] Result<T> decodeMessage(std::uint16_t typeId, std::span<const std::uint8_t> bytes,
                                      const DecodeLimits& limits = {}) noexcept {
    if (bytes.size() > limits.maxBytes) return fail(Error::MessageTooLarge);
    try {
        WireInputArchive archive(bytes, limits);
        const std::uint64_t id = archive.readVarint();
        if (id != typeId) return fail(Error::Malformed);
        T value{};
        archive(value);
        if (archive.remaining() != 0) return fail(Error::Malformed);
        return value;
    } catch (const detail::WireTruncated&) {
        return fail(Error::Truncated);
    } catch (const detail::WireMalformed&) {
        return fail(Error::Malformed);
    } catch (...) {
        // cereal::Exception (bad variant index, unknown polymorphic name...), std::bad_alloc,
        // or a load function rejecting a value: the bytes are not a message we accept.
        return fail(Error::Malformed);
    }
}

}  // namespace tickwire::net
