#include <tickwire/net/detail/wire.hpp>

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <limits>
#include <vector>

using namespace tickwire::net::detail;

namespace {

using Bytes = std::vector<std::uint8_t>;

template <class T>
void roundTripsAtEveryWidth(T value) {
    for (std::size_t width = 1; width <= sizeof(T); ++width) {
        CAPTURE(width);
        Bytes bytes;
        Writer::appendingTo(bytes).put(value, width);
        REQUIRE(bytes.size() == width);
        for (std::size_t i = 0; i < width; ++i) CHECK(bytes[i] == static_cast<std::uint8_t>(value >> (8 * i)));
        Reader in(bytes);
        T got = 0;
        REQUIRE(in.get(got, width));
        const T mask = width == sizeof(T) ? std::numeric_limits<T>::max() : static_cast<T>((T{1} << (8 * width)) - 1);
        CHECK(got == static_cast<T>(value & mask));
        CHECK(in.remaining() == 0);
    }
}

Bytes varint(std::uint64_t value) {
    Bytes bytes;
    Writer::appendingTo(bytes).putVarint(value);
    return bytes;
}

VarintStatus readVarint(const Bytes& bytes, std::uint64_t& value) {
    Reader in(bytes);
    const VarintStatus status = in.getVarint(value);
    if (status == VarintStatus::Ok) {
        CHECK(in.position() == bytes.size());
    } else {
        CHECK(in.position() == 0);  // a failed read consumes nothing
    }
    return status;
}

}  // namespace

TEST_CASE("integers of every width round trip little-endian") {
    roundTripsAtEveryWidth<std::uint8_t>(0xA5);
    roundTripsAtEveryWidth<std::uint16_t>(0xBEEF);
    roundTripsAtEveryWidth<std::uint32_t>(0xDEADBEEF);
    roundTripsAtEveryWidth<std::uint64_t>(0x0123456789ABCDEF);
    roundTripsAtEveryWidth<std::uint64_t>(std::numeric_limits<std::uint64_t>::max());
    roundTripsAtEveryWidth<std::uint32_t>(0);
}

TEST_CASE("a fixed writer fills its buffer in order and an appending one grows its vector") {
    std::array<std::uint8_t, 1 + 2 + 4 + 3> fixed{};
    Writer w(fixed);
    w.put(std::uint8_t{0x01});
    w.put(std::uint16_t{0x0302});
    w.put(std::uint32_t{0x07060504});
    w.put(std::array<std::uint8_t, 3>{8, 9, 10});
    CHECK(w.position() == fixed.size());
    CHECK(fixed == std::array<std::uint8_t, 10>{1, 2, 3, 4, 5, 6, 7, 8, 9, 10});

    Bytes grown = {0xFF};
    Writer more = Writer::appendingTo(grown);
    more.put(std::uint16_t{0x0201});
    more.putVarint(300);
    CHECK(more.position() == 4);
    CHECK(grown == Bytes{0xFF, 0x01, 0x02, 0xAC, 0x02});
}

TEST_CASE("reading past the end fails, leaves the value alone and consumes nothing") {
    // Three bytes at the front of a larger buffer: a read past them would still land in
    // memory, so only the reader's own bound stops it.
    const std::array<std::uint8_t, 8> storage{1, 2, 3, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE};
    Reader in{std::span<const std::uint8_t>(storage).first(3)};
    std::uint32_t wide = 77;
    CHECK_FALSE(in.get(wide));
    CHECK(wide == 77);
    CHECK(in.position() == 0);

    std::array<std::uint8_t, 4> copy{};
    CHECK_FALSE(in.get(copy));
    std::span<const std::uint8_t> view;
    CHECK_FALSE(in.view(4, view));
    CHECK(view.empty());
    CHECK_FALSE(in.skip(4));
    CHECK(in.remaining() == 3);

    std::uint16_t narrow = 0;
    REQUIRE(in.get(narrow));
    CHECK(narrow == 0x0201);
    CHECK_FALSE(in.get(narrow));
    CHECK_FALSE(in.skip(2));
    REQUIRE(in.view(1, view));
    CHECK(view.size() == 1);
    CHECK(view[0] == 3);
    CHECK(in.remaining() == 0);
    CHECK(in.rest().empty());
    std::uint8_t byte = 0;
    CHECK_FALSE(in.get(byte));
    CHECK(in.skip(0));

    Reader empty{std::span<const std::uint8_t>{}};
    std::uint64_t value = 5;
    CHECK(empty.getVarint(value) == VarintStatus::Truncated);
    CHECK_FALSE(empty.get(byte));
    CHECK(value == 5);
}

TEST_CASE("varints round trip in their minimal length, at most ten bytes") {
    const std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
    for (const std::uint64_t value :
         {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{127}, std::uint64_t{128}, std::uint64_t{300},
          std::uint64_t{16383}, std::uint64_t{16384}, std::uint64_t{UINT32_MAX}, std::uint64_t{1} << 56,
          (std::uint64_t{1} << 63) - 1, std::uint64_t{1} << 63, max}) {
        CAPTURE(value);
        const Bytes bytes = varint(value);
        CHECK(bytes.size() == varintSize(value));
        std::uint64_t got = 0;
        REQUIRE(readVarint(bytes, got) == VarintStatus::Ok);
        CHECK(got == value);
    }
    CHECK(varint(0) == Bytes{0x00});
    CHECK(varint(127) == Bytes{0x7F});
    CHECK(varint(128) == Bytes{0x80, 0x01});
    CHECK(varint(300) == Bytes{0xAC, 0x02});
    CHECK(varintSize(max) == kMaxVarintBytes);
    CHECK(varint(max) == Bytes{0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01});
    CHECK(varintSize((std::uint64_t{1} << 63) - 1) == 9);
}

TEST_CASE("a varint with a shorter form is refused") {
    std::uint64_t value = 0;
    CHECK(readVarint({0x80, 0x00}, value) == VarintStatus::Malformed);  // 0
    CHECK(readVarint({0x81, 0x00}, value) == VarintStatus::Malformed);  // 1
    CHECK(readVarint({0xFF, 0x80, 0x00}, value) == VarintStatus::Malformed);  // 127
    CHECK(readVarint({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00}, value) == VarintStatus::Malformed);
    // The same values in their one form.
    CHECK(readVarint({0x00}, value) == VarintStatus::Ok);
    CHECK(readVarint({0x7F}, value) == VarintStatus::Ok);
    CHECK(value == 127);
}

TEST_CASE("a varint longer than ten bytes or above 2^64 - 1 is refused") {
    std::uint64_t value = 0;
    // Ten bytes whose last carries more than bit 63.
    CHECK(readVarint({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x02}, value) == VarintStatus::Malformed);
    CHECK(readVarint({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F}, value) == VarintStatus::Malformed);
    // A tenth byte announcing an eleventh.
    CHECK(readVarint({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x81, 0x01}, value) ==
          VarintStatus::Malformed);
    CHECK(readVarint({0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, value) ==
          VarintStatus::Malformed);
}

TEST_CASE("a varint cut short is truncated, not malformed") {
    std::uint64_t value = 9;
    CHECK(readVarint({0x80}, value) == VarintStatus::Truncated);
    CHECK(readVarint({0xFF, 0xFF, 0xFF}, value) == VarintStatus::Truncated);
    CHECK(readVarint({0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}, value) == VarintStatus::Truncated);
    CHECK(value == 9);
}

TEST_CASE("reads continue after a varint") {
    Bytes bytes = varint(16384);
    Writer::appendingTo(bytes).put(std::uint16_t{0xCAFE});
    Reader in(bytes);
    std::uint64_t value = 0;
    REQUIRE(in.getVarint(value) == VarintStatus::Ok);
    CHECK(value == 16384);
    CHECK(in.position() == 3);
    std::uint16_t tail = 0;
    REQUIRE(in.get(tail));
    CHECK(tail == 0xCAFE);
}
