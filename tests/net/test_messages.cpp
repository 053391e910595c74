#include <doctest/doctest.h>

#include <tickwire/net/messages.hpp>

#include <cereal/types/variant.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <limits>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

using namespace tickwire::net;

// Containers in some test messages allocate through this, so a test can assert that
// decoding hostile bytes never asked for a large block.
namespace {
std::atomic<std::size_t> gLargestAllocation{0};

template <class T>
struct CountingAllocator {
    using value_type = T;
    CountingAllocator() = default;
    template <class U>
    CountingAllocator(const CountingAllocator<U>&) noexcept {}
    T* allocate(std::size_t n) {
        const std::size_t bytes = n * sizeof(T);
        std::size_t largest = gLargestAllocation.load();
        while (bytes > largest && !gLargestAllocation.compare_exchange_weak(largest, bytes)) {
        }
        return std::allocator<T>{}.allocate(n);
    }
    void deallocate(T* p, std::size_t n) noexcept { std::allocator<T>{}.deallocate(p, n); }
    template <class U>
    bool operator==(const CountingAllocator<U>&) const noexcept {
        return true;
    }
};

using CountedString = std::basic_string<char, std::char_traits<char>, CountingAllocator<char>>;
template <class T>
using CountedVector = std::vector<T, CountingAllocator<T>>;

struct Counted {
    CountedVector<std::uint8_t> bytes;
    CountedVector<CountedString> words;
    CountedVector<std::array<std::uint64_t, 4>> blocks;
    template <class A>
    void serialize(A& a) {
        a(bytes, words, blocks);
    }
};
}  // namespace

namespace {

enum class Team : std::uint8_t { Red = 1, Blue = 2 };

struct Inner {
    std::int16_t x = 0;
    std::string tag;
    bool operator==(const Inner&) const = default;
    template <class A>
    void serialize(A& a) {
        a(x, tag);
    }
};

struct Everything {
    std::uint8_t u8 = 0;
    std::int8_t i8 = 0;
    std::uint16_t u16 = 0;
    std::int16_t i16 = 0;
    std::uint32_t u32 = 0;
    std::int32_t i32 = 0;
    std::uint64_t u64 = 0;
    std::int64_t i64 = 0;
    float f = 0;
    double d = 0;
    bool yes = false;
    bool no = true;
    Team team = Team::Red;
    std::string text;
    std::vector<std::int32_t> ints;
    std::vector<std::string> words;
    std::array<std::uint16_t, 3> triple{};
    std::optional<std::int32_t> some;
    std::optional<std::string> none;
    Inner inner;
    std::vector<Inner> inners;
    bool operator==(const Everything&) const = default;
    template <class A>
    void serialize(A& a) {
        a(u8, i8, u16, i16, u32, i32, u64, i64, f, d, yes, no, team, text, ints, words, triple, some, none, inner,
          inners);
    }
};

Everything sample() {
    Everything e;
    e.u8 = 0xAB;
    e.i8 = -5;
    e.u16 = 0xBEEF;
    e.i16 = -12345;
    e.u32 = 0xDEADBEEF;
    e.i32 = std::numeric_limits<std::int32_t>::min();
    e.u64 = 0x0123456789ABCDEFull;
    e.i64 = -1;
    e.f = 3.5f;
    e.d = -0.125;
    e.yes = true;
    e.no = false;
    e.team = Team::Blue;
    e.text = "hello, arena";
    e.ints = {1, -2, 300000, std::numeric_limits<std::int32_t>::max()};
    e.words = {"alpha", "", "gamma"};
    e.triple = {7, 8, 9};
    e.some = 42;
    e.none = std::nullopt;
    e.inner = {-7, "in"};
    e.inners = {{1, "a"}, {2, "bb"}};
    return e;
}

struct Small {
    std::uint8_t hp = 0;
    std::string name;
    template <class A>
    void serialize(A& a) {
        a(hp, name);
    }
};

struct Bytes {
    std::vector<std::uint8_t> data;
    template <class A>
    void serialize(A& a) {
        a(data);
    }
};

struct Words {
    std::vector<std::string> list;
    template <class A>
    void serialize(A& a) {
        a(list);
    }
};

struct Chat {
    std::string text;
    template <class A>
    void serialize(A& a) {
        a(text);
    }
};

struct Move {
    float dx = 0;
    float dy = 0;
    template <class A>
    void serialize(A& a) {
        a(dx, dy);
    }
};

struct Percent {
    std::uint8_t value = 0;
    template <class A>
    void save(A& a) const {
        a(value);
    }
    template <class A>
    void load(A& a) {
        a(value);
        if (value > 100) throw std::out_of_range("percent above 100");
    }
};

struct Choice {
    std::variant<std::int32_t, std::string> value;
    template <class A>
    void serialize(A& a) {
        a(value);
    }
};

struct Wide {
    std::uint32_t v = 0x01020304;
    std::vector<std::int16_t> list = std::vector<std::int16_t>(200, 0x0102);
    template <class A>
    void serialize(A& a) {
        a(v, list);
    }
};

struct Flag {
    bool on = false;
    template <class A>
    void serialize(A& a) {
        a(on);
    }
};

bool isTruncatedOrMalformed(Error e) { return e == Error::Truncated || e == Error::Malformed; }

}  // namespace

TEST_CASE("a struct with every kind of field round-trips unchanged") {
    const Everything original = sample();
    const auto bytes = encodeMessage(7, original);
    const auto decoded = decodeMessage<Everything>(7, bytes);
    REQUIRE(decoded.has_value());
    CHECK(*decoded == original);
}

TEST_CASE("the encoding is compact and its size follows from the format") {
    // varint id (1) + uint8 (1) + varint length (1) + 3 characters
    const auto bytes = encodeMessage(1, Small{.hp = 90, .name = "bob"});
    CHECK(bytes == std::vector<std::uint8_t>{0x01, 90, 0x03, 'b', 'o', 'b'});

    // ids above 127 take a second varint byte
    CHECK(encodeMessage(300, Small{.hp = 1, .name = ""}) == std::vector<std::uint8_t>{0xAC, 0x02, 1, 0x00});

    // integers are little-endian at their own width; lengths are varints
    const auto wide = encodeMessage(2, Wide{});
    REQUIRE(wide.size() == 1 + 4 + 2 + 200 * 2);
    CHECK(wide[1] == 0x04);
    CHECK(wide[4] == 0x01);
    CHECK(wide[5] == 0xC8);  // 200 = 0b1'1001000 -> 0xC8 0x01
    CHECK(wide[6] == 0x01);
    CHECK(wide[7] == 0x02);
    CHECK(wide[8] == 0x01);

    // the everything-struct, field by field
    const auto all = encodeMessage(7, sample());
    const std::size_t expected = 1                                    // id
                                 + 1 + 1 + 2 + 2 + 4 + 4 + 8 + 8      // integers
                                 + 4 + 8                              // float, double
                                 + 1 + 1 + 1                          // two bools, enum
                                 + 1 + 12                             // text
                                 + 1 + 4 * 4                          // ints
                                 + 1 + (1 + 5) + 1 + (1 + 5)          // words
                                 + 3 * 2                              // triple
                                 + 1 + 4                              // some
                                 + 1                                  // none
                                 + 2 + 1 + 2                          // inner
                                 + 1 + (2 + 1 + 1) + (2 + 1 + 2);     // inners
    CHECK(all.size() == expected);
}

TEST_CASE("every truncation of a valid message is Truncated or Malformed") {
    const auto bytes = encodeMessage(7, sample());
    for (std::size_t n = 0; n < bytes.size(); ++n) {
        const auto decoded = decodeMessage<Everything>(7, std::span(bytes.data(), n));
        REQUIRE_FALSE(decoded.has_value());
        CHECK(isTruncatedOrMalformed(decoded.error()));
    }
}

TEST_CASE("a length claiming 2^40 elements is rejected before anything is allocated") {
    // id 1, varint 2^40 (6 bytes), three filler bytes: 10 bytes claiming a terabyte
    const std::vector<std::uint8_t> bytes{0x01, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 0xAA, 0xBB, 0xCC};
    REQUIRE(bytes.size() == 10);
    gLargestAllocation = 0;
    const auto asBytes = decodeMessage<Bytes>(1, bytes);
    REQUIRE_FALSE(asBytes.has_value());
    CHECK(asBytes.error() == Error::Malformed);
    const auto asWords = decodeMessage<Words>(1, bytes);
    REQUIRE_FALSE(asWords.has_value());
    CHECK(asWords.error() == Error::Malformed);
    const auto asEverything = decodeMessage<std::vector<Everything>>(1, bytes);
    REQUIRE_FALSE(asEverything.has_value());
    CHECK(asEverything.error() == Error::Malformed);

    // the same through containers that record their largest allocation
    gLargestAllocation = 0;
    for (std::size_t field = 0; field < 3; ++field) {
        std::vector<std::uint8_t> claim{0x01};
        claim.insert(claim.end(), field, 0x00);  // earlier containers empty
        claim.insert(claim.end(), {0x80, 0x80, 0x80, 0x80, 0x80, 0x20, 0xAA, 0xBB, 0xCC});
        const auto counted = decodeMessage<Counted>(1, claim);
        REQUIRE_FALSE(counted.has_value());
        CHECK(counted.error() == Error::Malformed);
    }
    CHECK(gLargestAllocation.load() < 1024);
}

TEST_CASE("a length above the unread bytes or maxElements is Malformed") {
    // claims 5 elements with 4 bytes following
    const std::vector<std::uint8_t> shortBody{0x01, 0x05, 1, 2, 3, 4};
    const auto claimed = decodeMessage<Bytes>(1, shortBody);
    REQUIRE_FALSE(claimed.has_value());
    CHECK(claimed.error() == Error::Malformed);

    const auto five = encodeMessage(1, Bytes{{1, 2, 3, 4, 5}});
    CHECK(decodeMessage<Bytes>(1, five, DecodeLimits{.maxElements = 5}).has_value());
    const auto limited = decodeMessage<Bytes>(1, five, DecodeLimits{.maxElements = 4});
    REQUIRE_FALSE(limited.has_value());
    CHECK(limited.error() == Error::Malformed);
}

TEST_CASE("bad varints are Malformed or Truncated") {
    SUBCASE("longer than ten bytes") {
        std::vector<std::uint8_t> bytes{0x01};
        bytes.insert(bytes.end(), 10, 0xFF);
        bytes.push_back(0x01);
        const auto decoded = decodeMessage<Bytes>(1, bytes);
        REQUIRE_FALSE(decoded.has_value());
        CHECK(decoded.error() == Error::Malformed);
    }
    SUBCASE("overflowing 64 bits in the tenth byte") {
        std::vector<std::uint8_t> bytes{0x01};
        bytes.insert(bytes.end(), 9, 0xFF);
        bytes.push_back(0x02);
        const auto decoded = decodeMessage<Bytes>(1, bytes);
        REQUIRE_FALSE(decoded.has_value());
        CHECK(decoded.error() == Error::Malformed);
    }
    SUBCASE("non-minimal encoding") {
        const std::vector<std::uint8_t> bytes{0x81, 0x00, 0x00};
        CHECK(peekMessageType(bytes).error() == Error::Malformed);
    }
    SUBCASE("cut in the middle") {
        const std::vector<std::uint8_t> bytes{0x01, 0x80};
        const auto decoded = decodeMessage<Bytes>(1, bytes);
        REQUIRE_FALSE(decoded.has_value());
        CHECK(decoded.error() == Error::Truncated);
    }
}

TEST_CASE("peekMessageType reads the id and rejects bad ones") {
    CHECK(peekMessageType(encodeMessage(1, Chat{"x"})).value() == 1);
    CHECK(peekMessageType(encodeMessage(65535, Chat{"x"})).value() == 65535);
    CHECK(peekMessageType(std::span<const std::uint8_t>{}).error() == Error::Truncated);
    CHECK(peekMessageType(std::vector<std::uint8_t>{0x80}).error() == Error::Truncated);
    // 65536 = 0x80 0x80 0x04
    CHECK(peekMessageType(std::vector<std::uint8_t>{0x80, 0x80, 0x04}).error() == Error::Malformed);
}

TEST_CASE("thousands of random buffers never throw or crash") {
    std::mt19937 rng(20240611);
    std::uniform_int_distribution<int> byte(0, 255);
    std::uniform_int_distribution<std::size_t> length(0, 96);
    std::size_t accepted = 0;
    gLargestAllocation = 0;
    for (int i = 0; i < 4000; ++i) {
        std::vector<std::uint8_t> bytes(length(rng));
        for (auto& b : bytes) b = static_cast<std::uint8_t>(byte(rng));
        if (!bytes.empty() && i % 2 == 0) bytes[0] = 7;  // half of them reach the body
        accepted += decodeMessage<Everything>(7, bytes).has_value() ? 1 : 0;
        accepted += decodeMessage<Words>(7, bytes).has_value() ? 1 : 0;
        accepted += decodeMessage<Choice>(7, bytes).has_value() ? 1 : 0;
        accepted += decodeMessage<Counted>(7, bytes).has_value() ? 1 : 0;
        (void)peekMessageType(bytes);
    }
    // Mutations of a valid message get past the first fields and exercise every decoder.
    const auto valid = encodeMessage(7, sample());
    std::uniform_int_distribution<std::size_t> position(0, valid.size() - 1);
    for (int i = 0; i < 4000; ++i) {
        auto bytes = valid;
        for (int flips = 1 + i % 4; flips > 0; --flips) bytes[position(rng)] = static_cast<std::uint8_t>(byte(rng));
        const auto decoded = decodeMessage<Everything>(7, bytes);
        if (!decoded) CHECK(isTruncatedOrMalformed(decoded.error()));
    }
    CHECK(accepted < 4 * 4000);
    // a container length is bounded by the bytes that follow it: no allocation is
    // larger than the input times the element size (32 bytes for a block)
    CHECK(gLargestAllocation.load() <= 96 * 32);
}

TEST_CASE("bytes left after the body are Malformed") {
    auto bytes = encodeMessage(1, Chat{"hi"});
    bytes.push_back(0);
    const auto decoded = decodeMessage<Chat>(1, bytes);
    REQUIRE_FALSE(decoded.has_value());
    CHECK(decoded.error() == Error::Malformed);
}

TEST_CASE("a message under another type id is Malformed") {
    const auto bytes = encodeMessage(2, Chat{"hi"});
    const auto decoded = decodeMessage<Chat>(1, bytes);
    REQUIRE_FALSE(decoded.has_value());
    CHECK(decoded.error() == Error::Malformed);
}

TEST_CASE("a message over maxBytes is MessageTooLarge") {
    const auto bytes = encodeMessage(1, Chat{std::string(100, 'x')});
    CHECK(decodeMessage<Chat>(1, bytes, DecodeLimits{.maxBytes = bytes.size()}).has_value());
    const auto decoded = decodeMessage<Chat>(1, bytes, DecodeLimits{.maxBytes = bytes.size() - 1});
    REQUIRE_FALSE(decoded.has_value());
    CHECK(decoded.error() == Error::MessageTooLarge);
}

TEST_CASE("a bool byte other than 0 or 1 is Malformed") {
    CHECK(decodeMessage<Flag>(1, std::vector<std::uint8_t>{0x01, 0x01}).value().on);
    const auto decoded = decodeMessage<Flag>(1, std::vector<std::uint8_t>{0x01, 0x02});
    REQUIRE_FALSE(decoded.has_value());
    CHECK(decoded.error() == Error::Malformed);
}

TEST_CASE("a value rejected by the type's load function or by Cereal is Malformed") {
    CHECK(decodeMessage<Percent>(1, encodeMessage(1, Percent{100})).value().value == 100);
    const auto tooMuch = decodeMessage<Percent>(1, encodeMessage(1, Percent{101}));
    REQUIRE_FALSE(tooMuch.has_value());
    CHECK(tooMuch.error() == Error::Malformed);

    const auto choice = encodeMessage(1, Choice{std::string("two")});
    CHECK(std::get<std::string>(decodeMessage<Choice>(1, choice).value().value) == "two");
    // variant index 9 does not exist: Cereal throws, decode reports Malformed
    const std::vector<std::uint8_t> badIndex{0x01, 9, 0, 0, 0, 1, 2, 3, 4};
    const auto decoded = decodeMessage<Choice>(1, badIndex);
    REQUIRE_FALSE(decoded.has_value());
    CHECK(decoded.error() == Error::Malformed);
}
