#include <tickwire/engine/bit_stream.hpp>

#include <doctest/doctest.h>

#include <array>
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
    w.write(1, 1);
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
    // Two bytes at the front of a larger buffer: only the reader's own bound stops a read
    // past them (and GCC 12 does not warn of the word loads it cannot prove are skipped).
    const std::array<std::uint8_t, 16> storage{0xFF, 0x01, 0xEE, 0xEE};
    BitReader r(std::span<const std::uint8_t>(storage).first(2));
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

TEST_CASE("every truncation of a written stream is Truncated at the right item") {
    std::mt19937_64 rng(9);
    for (int round = 0; round < 20; ++round) {
        const auto items = randomItems(rng, 40);
        BitWriter w;
        std::vector<std::size_t> ends;  // bit position after each item
        for (const Item& it : items) {
            w.write(it.value, it.bits);
            ends.push_back(w.bitCount());
        }
        const auto full = w.finish();
        for (std::size_t cut = 0; cut < full.size(); ++cut) {
            const std::span<const std::uint8_t> prefix(full.data(), cut);
            BitReader r(prefix);
            std::size_t i = 0;
            for (; i < items.size(); ++i) {
                const std::size_t before = r.bitPosition();
                const bool ok = r.read(items[i].bits).has_value();
                if (!ok) {
                    // The first item that fails is the first one that does not fit...
                    REQUIRE(ends[i] > cut * 8);
                    // ...and the error is Truncated, with nothing consumed.
                    const auto err = r.read(items[i].bits).error();
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
