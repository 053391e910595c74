#pragma once
// The message type the messages target decodes: every kind of field the wire format has.

#include <tickwire/net/messages.hpp>

#include <cereal/types/vector.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace tickwire::fuzz {


enum class Kind : std::uint8_t { A, B, C };

template <class Archive>
std::uint8_t save_minimal(const Archive&, const Kind& k) {
    return static_cast<std::uint8_t>(k);
}
template <class Archive>
void load_minimal(const Archive&, Kind& k, const std::uint8_t& v) {
    if (v > 2) throw std::invalid_argument("kind");
    k = static_cast<Kind>(v);
}

struct Inner {
    std::int16_t dx = 0;
    std::vector<std::uint32_t> ids;
    template <class A>
    void serialize(A& a) {
        a(dx, ids);
    }
};

struct Everything {
    std::uint8_t u8 = 0;
    std::int32_t i32 = 0;
    std::uint64_t u64 = 0;
    float f = 0;
    double d = 0;
    bool flag = false;
    Kind kind = Kind::A;
    std::string text;
    std::vector<std::uint8_t> blob;
    std::optional<std::int64_t> maybe;
    std::array<std::uint16_t, 3> fixed{};
    std::vector<Inner> inners;
    template <class A>
    void serialize(A& a) {
        a(u8, i32, u64, f, d, flag, kind, text, blob, maybe, fixed, inners);
    }
};


}  // namespace tickwire::fuzz
