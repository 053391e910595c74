#include "connection.hpp"

#include <tickwire/net/detail/wire.hpp>

#include <doctest/doctest.h>

using namespace tickwire::net;
using namespace tickwire::net::detail;

namespace {

/// A connection without a peer, fed batches as ENet would hand them over.
struct Receiver {
    explicit Receiver(ChannelLimits limits = {})
        : conn(ConnectionId{1}, 7, nullptr, std::make_unique<SealedLink>(SessionKeys{Key::generate(), Key::generate(), 1}),
               limits, 0) {}
    Connection conn;
    HostStats host;
    std::deque<Event> events;

    Received deliver(Channel channel, const std::vector<std::uint8_t>& batch) {
        return conn.receive(channel, batch, events, host);
    }
    std::uint64_t dropped(Drop d) const { return host.dropped[static_cast<std::size_t>(d)]; }
    void pollAll() {
        while (!events.empty()) {
            conn.released(events.front());
            events.pop_front();
        }
    }
};

/// A batch in which each message carries its own length.
std::vector<std::uint8_t> batchOf(const std::vector<std::vector<std::uint8_t>>& messages) {
    std::vector<std::uint8_t> batch = {0};
    for (const auto& m : messages) {
        Writer::appendingTo(batch).putVarint(m.size());
        batch.insert(batch.end(), m.begin(), m.end());
    }
    return batch;
}

}  // namespace

TEST_CASE("a batch whose lengths do not add up is dropped whole") {
    Receiver r;
    CHECK(r.deliver(Channel::Reliable, {0, 2, 0xAA, 0xBB, 9, 0x01}) == Received::Dropped);  // a length runs past the end
    CHECK(r.deliver(Channel::Reliable, {0, 0}) == Received::Dropped);                       // a zero length
    CHECK(r.deliver(Channel::Reliable, {0}) == Received::Dropped);                          // no message
    CHECK(r.deliver(Channel::Reliable, {}) == Received::Dropped);                           // nothing at all
    CHECK(r.events.empty());
    CHECK(r.dropped(Drop::Malformed) == 4);
}

TEST_CASE("a uniform batch carries its length once and must divide evenly") {
    Receiver r;
    CHECK(r.deliver(Channel::Reliable, {2, 1, 2, 3, 4, 5, 6}) == Received::Delivered);
    REQUIRE(r.events.size() == 3);
    CHECK(r.events[2].data == std::vector<std::uint8_t>{5, 6});
    CHECK(r.deliver(Channel::Reliable, {2, 1, 2, 3}) == Received::Dropped);
    CHECK(r.deliver(Channel::Reliable, {2}) == Received::Dropped);
    CHECK(r.events.size() == 3);
}

TEST_CASE("lengths must be minimal varints") {
    Receiver r;
    // 0x81 0x00 is 1 written in two bytes: refused, so every batch has one encoding.
    CHECK(r.deliver(Channel::Reliable, {0x81, 0x00, 7}) == Received::Dropped);
    CHECK(r.deliver(Channel::Reliable, {0, 0x81, 0x00, 7}) == Received::Dropped);
    CHECK(r.dropped(Drop::Malformed) == 2);
    CHECK(r.deliver(Channel::Reliable, {1, 7}) == Received::Delivered);
}

TEST_CASE("a message over the channel's limit inside a batch is dropped as oversize") {
    Receiver r;
    const std::vector<std::uint8_t> big(1300, 1);  // above the 1200-byte unreliable limit
    CHECK(r.deliver(Channel::Unreliable, batchOf({{1}, big})) == Received::Dropped);
    std::vector<std::uint8_t> uniform;
    Writer::appendingTo(uniform).putVarint(big.size());
    uniform.insert(uniform.end(), big.begin(), big.end());
    CHECK(r.deliver(Channel::Sequenced, uniform) == Received::Dropped);
    CHECK(r.dropped(Drop::Oversize) == 2);
    CHECK(r.events.empty());
}

TEST_CASE("messages beyond a connection's receive budget are dropped whole and counted") {
    ChannelLimits limits;
    limits.maxReceiveEvents = 8;
    Receiver r(limits);
    const std::vector<std::vector<std::uint8_t>> five(5, std::vector<std::uint8_t>{1});
    CHECK(r.deliver(Channel::Unreliable, batchOf(five)) == Received::Delivered);
    CHECK(r.deliver(Channel::Unreliable, batchOf(five)) == Received::Dropped);  // 10 > 8: none of it
    CHECK(r.events.size() == 5);
    CHECK(r.dropped(Drop::QueueOverflow) == 5);
    // Reliable messages cannot be dropped quietly: the caller is told to end the connection.
    CHECK(r.deliver(Channel::Reliable, batchOf(five)) == Received::ReliableOverflow);
    CHECK(r.dropped(Drop::QueueOverflow) == 10);
    // Once the game polls, the budget is free again.
    r.pollAll();
    CHECK(r.deliver(Channel::Reliable, batchOf(five)) == Received::Delivered);
}

TEST_CASE("the receive budget counts bytes as well as messages") {
    ChannelLimits limits;
    limits.maxReliableMessage = 1000;
    limits.maxReceiveBytes = 2500;
    Receiver r(limits);
    const std::vector<std::uint8_t> kb(1000, 3);
    CHECK(r.deliver(Channel::Reliable, batchOf({kb, kb})) == Received::Delivered);
    CHECK(r.deliver(Channel::Reliable, batchOf({kb})) == Received::ReliableOverflow);
    r.pollAll();
    CHECK(r.deliver(Channel::Reliable, batchOf({kb})) == Received::Delivered);
}
