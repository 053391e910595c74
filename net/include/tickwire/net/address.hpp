#pragma once
/// \file address.hpp
/// IPv4 endpoint (ENet 1.3 is IPv4 only).

#include <tickwire/net/result.hpp>

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace tickwire::net {

/// An IPv4 address and UDP port, both in host byte order.
struct Address {
    std::uint32_t ipv4 = 0;  ///< host byte order; 0 means "any" when binding
    std::uint16_t port = 0;  ///< host byte order; 0 means "any" when binding

    /// Parses "A.B.C.D:PORT" or "hostname:PORT" (resolved to its first IPv4 address).
    /// Errors: ParseError (no port, bad number), ResolveFailed (unknown host).
    [[nodiscard]] static Result<Address> parse(std::string_view text);

    /// "A.B.C.D:PORT".
    [[nodiscard]] std::string toString() const;

    /// 127.0.0.1 with the given port.
    [[nodiscard]] static constexpr Address loopback(std::uint16_t port) noexcept {
        return Address{0x7F000001u, port};
    }

    friend constexpr auto operator<=>(const Address&, const Address&) = default;
};

/// Hash for unordered containers.
struct AddressHash {
    std::size_t operator()(const Address& a) const noexcept {
        return std::hash<std::uint64_t>{}((std::uint64_t{a.ipv4} << 16) | a.port);
    }
};

}  // namespace tickwire::net
