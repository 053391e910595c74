// The game-independent half of the sessions' protocol (session_protocol.hpp): routing of
// every message by type and state, each dropped one counted under exactly one reason.

#include <tickwire/engine/session_protocol.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <vector>

using namespace tickwire;
using namespace tickwire::engine;

namespace {

std::vector<std::uint8_t> ofType(std::uint16_t type) {
    // A message whose body is empty: routing looks at the type id alone.
    return net::encodeMessage(type, detail::EventMessage{});
}

}  // namespace

TEST_CASE("a server routes a client's messages by type and by whether the client has joined") {
    SessionDropStats drops;
    CHECK(detail::routeToServer(ofType(detail::kHello), false, drops) == detail::ServerRoute::Hello);
    CHECK(detail::routeToServer(ofType(detail::kInput), true, drops) == detail::ServerRoute::Input);
    CHECK(detail::routeToServer(ofType(detail::kEvent), true, drops) == detail::ServerRoute::Event);
    CHECK(drops.total() == 0);
}

TEST_CASE("every message a server does not route is counted once, under its reason") {
    SessionDropStats drops;
    // Nothing readable as a type id, then a type this version does not know.
    CHECK(detail::routeToServer(std::vector<std::uint8_t>{}, true, drops) == detail::ServerRoute::Drop);
    CHECK(detail::routeToServer(std::vector<std::uint8_t>{0xFF, 0xFF, 0xFF, 0xFF}, true, drops) ==
          detail::ServerRoute::Drop);
    CHECK(detail::routeToServer(ofType(999), true, drops) == detail::ServerRoute::Drop);
    CHECK(drops.unknownType == 3);
    // Out of place: inputs and events before the Hello, a second Hello, and messages that
    // only a server sends.
    CHECK(detail::routeToServer(ofType(detail::kInput), false, drops) == detail::ServerRoute::Drop);
    CHECK(detail::routeToServer(ofType(detail::kEvent), false, drops) == detail::ServerRoute::Drop);
    CHECK(detail::routeToServer(ofType(detail::kHello), true, drops) == detail::ServerRoute::Drop);
    for (const std::uint16_t t : {detail::kWelcome, detail::kRefused, detail::kSnapshot, detail::kSnapshotPart}) {
        CHECK(detail::routeToServer(ofType(t), true, drops) == detail::ServerRoute::Drop);
    }
    CHECK(drops.unexpected == 7);
    CHECK(drops.total() == 10);
}

TEST_CASE("a client routes the server's messages by type and by whether the terms were agreed") {
    SessionDropStats drops;
    CHECK(detail::routeToClient(ofType(detail::kWelcome), false, drops) == detail::ClientRoute::Welcome);
    CHECK(detail::routeToClient(ofType(detail::kRefused), false, drops) == detail::ClientRoute::Refused);
    CHECK(detail::routeToClient(ofType(detail::kRefused), true, drops) == detail::ClientRoute::Refused);
    CHECK(detail::routeToClient(ofType(detail::kEvent), true, drops) == detail::ClientRoute::Event);
    CHECK(detail::routeToClient(ofType(detail::kSnapshot), true, drops) == detail::ClientRoute::Snapshot);
    CHECK(detail::routeToClient(ofType(detail::kSnapshotPart), true, drops) == detail::ClientRoute::SnapshotPart);
    CHECK(drops.total() == 0);
}

TEST_CASE("every message a client does not route is counted once, under its reason") {
    SessionDropStats drops;
    CHECK(detail::routeToClient(std::vector<std::uint8_t>{}, true, drops) == detail::ClientRoute::Drop);
    CHECK(detail::routeToClient(ofType(4000), true, drops) == detail::ClientRoute::Drop);
    CHECK(drops.unknownType == 2);
    // A second Welcome; events and snapshots before the Welcome agreed; client messages.
    CHECK(detail::routeToClient(ofType(detail::kWelcome), true, drops) == detail::ClientRoute::Drop);
    CHECK(detail::routeToClient(ofType(detail::kEvent), false, drops) == detail::ClientRoute::Drop);
    CHECK(detail::routeToClient(ofType(detail::kSnapshot), false, drops) == detail::ClientRoute::Drop);
    CHECK(detail::routeToClient(ofType(detail::kSnapshotPart), false, drops) == detail::ClientRoute::Drop);
    CHECK(detail::routeToClient(ofType(detail::kHello), true, drops) == detail::ClientRoute::Drop);
    CHECK(detail::routeToClient(ofType(detail::kInput), true, drops) == detail::ClientRoute::Drop);
    CHECK(drops.unexpected == 6);
    CHECK(drops.total() == 8);
}

TEST_CASE("parts of a snapshot that cannot be used are counted, and a whole one comes back") {
    const std::vector<std::uint8_t> message(1000, 7);
    const auto parts = detail::splitSnapshot(50, message, 300);
    REQUIRE(parts.size() >= 4);
    SessionDropStats drops;
    detail::SnapshotAssembler assembler(1 << 20);
    std::optional<std::vector<std::uint8_t>> whole;
    for (std::size_t i = 0; i < parts.size(); ++i) {
        auto part = net::decodeMessage<detail::SnapshotPartMessage>(detail::kSnapshotPart, parts[i]);
        REQUIRE(part);
        if (i == 1) {
            auto copy = *part;
            CHECK_FALSE(assembler.add(std::move(copy), std::nullopt, drops));
        }
        whole = assembler.add(std::move(*part), std::nullopt, drops);  // part 1 a second time: dropped
    }
    REQUIRE(whole);
    CHECK(*whole == message);
    CHECK(drops.partsDropped == 1);
    // A part of a snapshot older than the newest one held is late.
    auto late = net::decodeMessage<detail::SnapshotPartMessage>(detail::kSnapshotPart, parts[0]);
    REQUIRE(late);
    CHECK_FALSE(assembler.add(std::move(*late), 50, drops));
    CHECK(drops.partsDropped == 2);
    CHECK(drops.total() == 2);
}
