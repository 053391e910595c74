#include <doctest/doctest.h>

#include <tickwire/net/address.hpp>

#include <unordered_set>

using namespace tickwire::net;

namespace {

void expectError(std::string_view text, Error expected) {
    CAPTURE(text);
    const auto parsed = Address::parse(text);
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error() == expected);
}

}  // namespace

TEST_CASE("a dotted IPv4 address with a port parses to host byte order") {
    const auto parsed = Address::parse("127.0.0.1:4000");
    REQUIRE(parsed.has_value());
    CHECK(parsed->ipv4 == 0x7F000001u);
    CHECK(parsed->port == 4000);
    CHECK(*parsed == Address::loopback(4000));

    const auto extremes = Address::parse("255.254.1.0:65535");
    REQUIRE(extremes.has_value());
    CHECK(extremes->ipv4 == 0xFFFE0100u);
    CHECK(extremes->port == 65535);
}

TEST_CASE("a host name resolves to its IPv4 address") {
    const auto parsed = Address::parse("localhost:5");
    REQUIRE(parsed.has_value());
    CHECK((parsed->ipv4 >> 24) == 127);
    CHECK(parsed->port == 5);
}

TEST_CASE("text without a valid port is a parse error") {
    expectError("nohost", Error::ParseError);
    expectError("1.2.3.4:", Error::ParseError);
    expectError("1.2.3.4:70000", Error::ParseError);
    expectError("1.2.3.4:65536", Error::ParseError);
    expectError("1.2.3.4:12x", Error::ParseError);
    expectError("1.2.3.4:-1", Error::ParseError);
    expectError("1.2.3.4: 80", Error::ParseError);
    expectError(":80", Error::ParseError);
    expectError("", Error::ParseError);
    expectError("1.2.3.4:99999999999999999999", Error::ParseError);
}

TEST_CASE("a host name that does not resolve is reported as such") {
    expectError("no-such-host.invalid:80", Error::ResolveFailed);
}

TEST_CASE("toString writes what parse reads") {
    for (const Address address : {Address{0, 0}, Address::loopback(4000), Address{0x0A000102u, 1},
                                  Address{0xFFFFFFFFu, 65535}, Address{0xC0A80001u, 27015}}) {
        const std::string text = address.toString();
        CAPTURE(text);
        const auto parsed = Address::parse(text);
        REQUIRE(parsed.has_value());
        CHECK(*parsed == address);
    }
    CHECK(Address{0xC0A80001u, 27015}.toString() == "192.168.0.1:27015");
    CHECK(Address{}.toString() == "0.0.0.0:0");
}

TEST_CASE("addresses order and hash by ip then port") {
    CHECK(Address{1, 9} < Address{2, 0});
    CHECK(Address{1, 1} < Address{1, 2});
    std::unordered_set<Address, AddressHash> set{Address::loopback(1), Address::loopback(1),
                                                 Address::loopback(2)};
    CHECK(set.size() == 2);
}
