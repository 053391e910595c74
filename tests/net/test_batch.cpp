#include "batch.hpp"

#include <doctest/doctest.h>

#include <cstdint>
#include <optional>
#include <random>
#include <vector>

using namespace tickwire::net;
using namespace tickwire::net::detail;

namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes encoded(const Batch& batch) {
    Bytes out(batch.encodedSize());
    batch.writeTo(out);
    return out;
}

Batch batchOf(const std::vector<Bytes>& messages) {
    Batch batch;
    for (const auto& m : messages) batch.add(m);
    return batch;
}

/// The messages of a batch readBatch() accepted, in the order forEachMessage() gives them.
std::vector<Bytes> messagesOf(const ReceivedBatch& batch) {
    std::vector<Bytes> out;
    forEachMessage(batch, [&](std::span<const std::uint8_t> m) { out.emplace_back(m.begin(), m.end()); });
    return out;
}

}  // namespace

TEST_CASE("messages of one length travel with that length written once") {
    const std::vector<Bytes> sent = {{1, 2}, {3, 4}, {5, 6}};
    const Batch batch = batchOf(sent);
    CHECK(batch.uniformLength == 2);
    const Bytes wire = encoded(batch);
    CHECK(wire == Bytes{2, 1, 2, 3, 4, 5, 6});

    ReceivedBatch got;
    REQUIRE_FALSE(readBatch(wire, 1200, got));
    CHECK(got.uniformLength == 2);
    CHECK(got.count == 3);
    CHECK(messagesOf(got) == sent);
}

TEST_CASE("messages of different lengths each carry their own, in order") {
    const std::vector<Bytes> sent = {{1}, Bytes(200, 7), {2, 3}};  // 200 takes a two-byte varint
    const Batch batch = batchOf(sent);
    CHECK(batch.uniformLength == 0);
    const Bytes wire = encoded(batch);
    CHECK(wire.size() == 1 + (1 + 1) + (2 + 200) + (1 + 2));
    CHECK(wire.front() == 0);

    ReceivedBatch got;
    REQUIRE_FALSE(readBatch(wire, 1200, got));
    CHECK(got.count == 3);
    CHECK(messagesOf(got) == sent);
}

TEST_CASE("encodedSizeWith() is the size the batch has after add()") {
    std::mt19937 random(7);
    Batch batch;
    for (int i = 0; i < 500; ++i) {
        // Mostly equal lengths with a few odd ones, so batches turn from uniform to mixed.
        const std::size_t length = random() % 4 == 0 ? 1 + random() % 300 : 24;
        const std::size_t predicted = batch.encodedSizeWith(length);
        batch.add(Bytes(length, static_cast<std::uint8_t>(i)));
        REQUIRE(batch.encodedSize() == predicted);
        REQUIRE(encoded(batch).size() == predicted);
        if (random() % 16 == 0) batch.clear();
    }
}

TEST_CASE("a cleared batch starts over, uniform again") {
    Batch batch = batchOf({{1}, {2, 3}});
    CHECK(batch.uniformLength == 0);
    batch.clear();
    CHECK(batch.messages == 0);
    batch.add(Bytes{9, 9, 9});
    batch.add(Bytes{8, 8, 8});
    CHECK(encoded(batch) == Bytes{3, 9, 9, 9, 8, 8, 8});
}

TEST_CASE("a cut batch is refused, or read as the whole messages before the cut") {
    const std::vector<Bytes> sent = {{1}, Bytes(130, 2), {3, 4}, Bytes(5, 6)};
    for (const Bytes& wire : {encoded(batchOf(sent)), encoded(batchOf({{1, 2}, {3, 4}, {5, 6}}))}) {
        for (std::size_t cut = 0; cut < wire.size(); ++cut) {
            const Bytes prefix(wire.begin(), wire.begin() + static_cast<std::ptrdiff_t>(cut));
            ReceivedBatch got;
            const auto refused = readBatch(prefix, 1200, got);
            if (refused) {
                CHECK(*refused == Drop::Malformed);
                continue;
            }
            // A cut at a message boundary is a shorter batch, never a changed message.
            const auto messages = messagesOf(got);
            REQUIRE(messages.size() == got.count);
            REQUIRE(!messages.empty());
            for (std::size_t i = 0; i < messages.size(); ++i) {
                if (got.uniformLength == 0) CHECK(messages[i] == sent[i]);
                else CHECK(messages[i].size() == got.uniformLength);
            }
        }
    }
}

TEST_CASE("a message longer than the receiver's limit is refused as oversize") {
    ReceivedBatch got;
    CHECK(readBatch(encoded(batchOf({Bytes(101, 1)})), 100, got) == Drop::Oversize);               // uniform
    CHECK(readBatch(encoded(batchOf({{1}, Bytes(101, 1)})), 100, got) == Drop::Oversize);          // mixed
    CHECK_FALSE(readBatch(encoded(batchOf({{1}, Bytes(100, 1)})), 100, got));
}

TEST_CASE("lengths are minimal varints, never zero, never past the end") {
    ReceivedBatch got;
    CHECK(readBatch(Bytes{0x81, 0x00, 7}, 1200, got) == Drop::Malformed);   // 1 in two bytes
    CHECK(readBatch(Bytes{0, 0x81, 0x00, 7}, 1200, got) == Drop::Malformed);
    CHECK(readBatch(Bytes{0, 0}, 1200, got) == Drop::Malformed);            // a zero length
    CHECK(readBatch(Bytes{0, 3, 1, 2}, 1200, got) == Drop::Malformed);      // runs past the end
    CHECK(readBatch(Bytes{0}, 1200, got) == Drop::Malformed);               // no message
    CHECK(readBatch(Bytes{2, 1, 2, 3}, 1200, got) == Drop::Malformed);      // 3 bytes of 2-byte messages
    CHECK(readBatch(Bytes{}, 1200, got) == Drop::Malformed);
}
