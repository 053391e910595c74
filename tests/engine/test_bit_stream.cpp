#include <tickwire/engine/bit_stream.hpp>

#include <doctest/doctest.h>

#include <random>
#include <vector>

using namespace tickwire::engine;

namespace {

std::uint64_t lowBits(std::uint64_t v, unsigned bits) {
    return bits >= 64 ? v : (bits == 0 ? 0 : v & ((std::uint64_t{1} << bits) - 1));
}

struct Item {
    std::uint64_t value;
    unsigned bits;
};

std::vector<Item> randomItems(std::mt19937_64& rng, std::size_t n) {
    std::vector<Item> items;
    for (std::size_t i = 0; i < n; ++i) {
        const auto bits = static_cast<unsigned>(rng() % 65);  // 0..64
        items.push_back({rng(), bits});
    }
    return items;
}

}  // namespace

TEST_CASE("bits are packed LSB-first within each byte") {
    BitWriter w;
    w.writeBool(true);
    w.write(0, 2);
    w.write(0b101, 3);
    w.write(0xFF, 1);  // only the low bit
    CHECK(w.bitCount() == 7);
    CHECK(w.bytes() == std::vector<std::uint8_t>{0b01101001});
    w.write(0xABCD, 16);
    CHECK(w.bitCount() == 23);
    // 0xABCD starts at bit 7 of byte 0: its low bit tops byte 0, 0xABCD >> 1 = 0x55E6 follows.
    CHECK(w.bytes() == std::vector<std::uint8_t>{0b11101001, 0xE6, 0x55});
    const auto out = w.finish();
    CHECK(out == std::vector<std::uint8_t>{0b11101001, 0xE6, 0x55});
    CHECK(w.bitCount() == 0);
    CHECK(w.bytes().empty());

    // Byte-aligned multiples of 8 bits are little-endian.
    w.write(0x0102030405060708ull, 64);
    w.write(0x0A09, 16);
    CHECK(w.finish() == std::vector<std::uint8_t>{8, 7, 6, 5, 4, 3, 2, 1, 9, 10});
}

TEST_CASE("random sequences of values and widths round trip, including 0 and 64 bits") {
    std::mt19937_64 rng(1);
    for (int round = 0; round < 200; ++round) {
        const auto items = randomItems(rng, rng() % 300);
        BitWriter w;
        std::size_t total = 0;
        for (const Item& it : items) {
            w.write(it.value, it.bits);
            total += it.bits;
            REQUIRE(w.bitCount() == total);
            if (rng() % 16 == 0) REQUIRE(w.bytes().size() == (total + 7) / 8);  // a peek mid-stream changes nothing
        }
        const auto bytes = w.finish();
        REQUIRE(bytes.size() == (total + 7) / 8);
        BitReader r(bytes);
        CHECK(r.bitsLeft() == bytes.size() * 8);
        for (const Item& it : items) {
            auto v = r.read(it.bits);
            REQUIRE(v.has_value());
            REQUIRE(*v == lowBits(it.value, it.bits));
        }
        CHECK(r.bitPosition() == total);
        CHECK(r.bitsLeft() == bytes.size() * 8 - total);
        // The padding is zero bits.
        auto pad = r.read(static_cast<unsigned>(r.bitsLeft()));
        REQUIRE(pad.has_value());
        CHECK(*pad == 0);
        CHECK(r.atEnd());
    }
}

TEST_CASE("reading past the end is Truncated and consumes nothing") {
    const std::vector<std::uint8_t> bytes{0xFF, 0x01};
    BitReader r(bytes);
    auto a = r.read(12);
    REQUIRE(a.has_value());
    CHECK(*a == 0x1FF);
    auto b = r.read(5);
    REQUIRE_FALSE(b.has_value());
    CHECK(b.error() == Error::Truncated);
    CHECK(r.bitPosition() == 12);
    CHECK(r.bitsLeft() == 4);
    auto c = r.read(4);
    REQUIRE(c.has_value());
    CHECK(*c == 0);
    CHECK(r.atEnd());
    CHECK(r.read(1).error() == Error::Truncated);
    CHECK(r.readBool().error() == Error::Truncated);
    CHECK(r.readVarint().error() == Error::Truncated);
    CHECK(r.readSigned(3).error() == Error::Truncated);
    CHECK(r.read(64).error() == Error::Truncated);
    CHECK(*r.read(0) == 0);
    CHECK(r.read(65).error() == Error::InvalidArgument);

    BitReader empty(std::span<const std::uint8_t>{});
    CHECK(empty.atEnd());
    CHECK(empty.read(1).error() == Error::Truncated);
    CHECK(*empty.read(0) == 0);
}

TEST_CASE("64-bit reads at every alignment near the end of the buffer") {
    std::mt19937_64 rng(3);
    for (unsigned offset = 0; offset < 8; ++offset) {
        for (std::size_t tail = 0; tail < 3; ++tail) {
            BitWriter w;
            w.write(0, offset);
            const std::uint64_t v = rng();
            w.write(v, 64);
            w.write(0, static_cast<unsigned>(tail));
            const auto bytes = w.finish();
            BitReader r(bytes);
            REQUIRE(r.read(offset).has_value());
            auto got = r.read(64);
            REQUIRE(got.has_value());
            CHECK(*got == v);
        }
    }
}

TEST_CASE("bounded reads refuse values outside [min, max] as Malformed") {
    BitWriter w;
    w.write(5, 4);
    w.write(9, 4);
    w.write(UINT64_MAX, 64);
    const auto bytes = w.finish();
    BitReader r(bytes);
    CHECK(r.read(4, 6, 15).error() == Error::Malformed);
    CHECK(r.bitPosition() == 0);
    CHECK(r.read(4, 0, 4).error() == Error::Malformed);
    auto ok = r.read(4, 5, 5);
    REQUIRE(ok.has_value());
    CHECK(*ok == 5);
    CHECK(r.read(4, 0, 8).error() == Error::Malformed);
    CHECK(*r.read(4, 0, 9) == 9);
    CHECK(r.read(64, 0, UINT64_MAX - 1).error() == Error::Malformed);
    CHECK(*r.read(64, 0, UINT64_MAX) == UINT64_MAX);
    // Truncation is reported before the range.
    CHECK(r.read(8, 0, 0).error() == Error::Truncated);
}

TEST_CASE("varints round trip at the group boundaries") {
    const std::vector<std::uint64_t> values{0,       1,        127,        128,        16'383,     16'384,
                                            300,     1u << 21, UINT32_MAX, 1ull << 56, 1ull << 63, UINT64_MAX - 1,
                                            UINT64_MAX};
    for (const unsigned offset : {0u, 3u}) {
        BitWriter w;
        w.write(0, offset);
        for (auto v : values) w.writeVarint(v);
        const auto bytes = w.finish();
        BitReader r(bytes);
        REQUIRE(r.read(offset).has_value());
        for (auto v : values) {
            auto got = r.readVarint();
            REQUIRE(got.has_value());
            CHECK(*got == v);
        }
    }
    auto size = [](std::uint64_t v) {
        BitWriter w;
        w.writeVarint(v);
        return w.bitCount();
    };
    CHECK(size(0) == 8);
    CHECK(size(127) == 8);
    CHECK(size(128) == 16);
    CHECK(size(UINT64_MAX) == 80);

    // Byte-aligned it is LEB128.
    BitWriter w;
    w.writeVarint(300);
    CHECK(w.finish() == std::vector<std::uint8_t>{0xAC, 0x02});
}

TEST_CASE("malformed varints are refused") {
    SUBCASE("11 groups") {
        std::vector<std::uint8_t> bytes(10, 0x80);
        bytes.push_back(0x00);
        BitReader r(bytes);
        CHECK(r.readVarint().error() == Error::Malformed);
        CHECK(r.bitPosition() == 0);
    }
    SUBCASE("endless continuation") {
        std::vector<std::uint8_t> bytes(64, 0xFF);
        BitReader r(bytes);
        CHECK(r.readVarint().error() == Error::Malformed);
    }
    SUBCASE("overflow in the 10th group") {
        std::vector<std::uint8_t> bytes(9, 0xFF);
        bytes.push_back(0x02);  // bit 64
        BitReader r(bytes);
        CHECK(r.readVarint().error() == Error::Malformed);
        bytes.back() = 0x7F;
        BitReader r2(bytes);
        CHECK(r2.readVarint().error() == Error::Malformed);
        bytes.back() = 0x01;  // exactly UINT64_MAX
        BitReader r3(bytes);
        CHECK(*r3.readVarint() == UINT64_MAX);
    }
    SUBCASE("above max") {
        BitWriter w;
        w.writeVarint(1000);
        w.writeVarint(1000);
        const auto bytes = w.finish();
        BitReader r(bytes);
        CHECK(r.readVarint(999).error() == Error::Malformed);
        CHECK(r.bitPosition() == 0);
        CHECK(*r.readVarint(1000) == 1000);
        CHECK(*r.readVarint() == 1000);
        CHECK(r.atEnd());
    }
    SUBCASE("truncated inside") {
        const std::vector<std::uint8_t> bytes{0x80, 0x80};
        BitReader r(bytes);
        CHECK(r.readVarint().error() == Error::Truncated);
        CHECK(r.bitPosition() == 0);
    }
}

TEST_CASE("every truncation of a written stream is Truncated at the right item") {
    std::mt19937_64 rng(9);
    for (int round = 0; round < 20; ++round) {
        const auto items = randomItems(rng, 40);
        std::vector<bool> isVarint;
        BitWriter w;
        std::vector<std::size_t> ends;  // bit position after each item
        for (const Item& it : items) {
            const bool varint = rng() % 4 == 0;
            isVarint.push_back(varint);
            if (varint) w.writeVarint(it.value >> (rng() % 64));
            else w.write(it.value, it.bits);
            ends.push_back(w.bitCount());
        }
        const auto full = w.finish();
        for (std::size_t cut = 0; cut < full.size(); ++cut) {
            const std::span<const std::uint8_t> prefix(full.data(), cut);
            BitReader r(prefix);
            std::size_t i = 0;
            for (; i < items.size(); ++i) {
                const std::size_t before = r.bitPosition();
                const bool ok = isVarint[i] ? r.readVarint().has_value() : r.read(items[i].bits).has_value();
                if (!ok) {
                    // The first item that fails is the first one that does not fit...
                    REQUIRE(ends[i] > cut * 8);
                    // ...and the error is Truncated, with nothing consumed.
                    const auto err = isVarint[i] ? r.readVarint().error() : r.read(items[i].bits).error();
                    CHECK(err == Error::Truncated);
                    CHECK(r.bitPosition() == before);
                    break;
                }
                REQUIRE(ends[i] <= cut * 8);
            }
            // Every item that fits in the prefix was read.
            for (std::size_t k = 0; k < items.size(); ++k) {
                if (ends[k] <= cut * 8) REQUIRE(k < i);
            }
        }
    }
}

TEST_CASE("signed values round trip in two's complement") {
    struct S {
        std::int64_t value;
        unsigned bits;
    };
    const std::vector<S> cases{{-1, 1},  {0, 1},   {-1, 2},    {1, 2},      {-2, 2},     {-128, 8},
                               {127, 8}, {-5, 13}, {4095, 13}, {-4096, 13}, {INT64_MIN, 64}, {INT64_MAX, 64},
                               {-1, 64}, {0, 0}};
    BitWriter w;
    for (const S& s : cases) w.writeSigned(s.value, s.bits);
    const auto bytes = w.finish();
    BitReader r(bytes);
    for (const S& s : cases) {
        CAPTURE(s.value);
        CAPTURE(s.bits);
        auto got = r.readSigned(s.bits);
        REQUIRE(got.has_value());
        CHECK(*got == s.value);
    }
    std::mt19937_64 rng(5);
    for (int i = 0; i < 10'000; ++i) {
        const unsigned bits = 1 + static_cast<unsigned>(rng() % 64);
        const std::int64_t lo = bits == 64 ? INT64_MIN : -(std::int64_t{1} << (bits - 1));
        const std::int64_t hi = bits == 64 ? INT64_MAX : (std::int64_t{1} << (bits - 1)) - 1;
        const std::int64_t v = std::uniform_int_distribution<std::int64_t>(lo, hi)(rng);
        BitWriter one;
        one.write(rng(), static_cast<unsigned>(rng() % 8));
        const std::size_t before = one.bitCount();
        one.writeSigned(v, bits);
        const auto b = one.finish();
        BitReader rr(b);
        REQUIRE(rr.read(static_cast<unsigned>(before)).has_value());
        REQUIRE(*rr.readSigned(bits) == v);
    }
}

TEST_CASE("copies and moves of a writer carry its bits") {
    BitWriter a;
    for (int i = 0; i < 100; ++i) a.write(static_cast<std::uint64_t>(i) * 0x9E3779B97F4A7C15ull, 37);
    const auto expected = a.bytes();
    BitWriter b = a;
    CHECK(b.bytes() == expected);
    b.write(1, 1);
    CHECK(a.bytes() == expected);
    BitWriter c = std::move(b);
    CHECK(c.bitCount() == a.bitCount() + 1);
    BitWriter d;
    d.write(3, 2);
    d = a;
    CHECK(d.bytes() == expected);
    d = std::move(c);
    CHECK(d.bitCount() == a.bitCount() + 1);
    d.clear();
    CHECK(d.bitCount() == 0);
    CHECK(d.bytes().empty());
    d.write(0xFF, 8);
    CHECK(d.finish() == std::vector<std::uint8_t>{0xFF});
}
