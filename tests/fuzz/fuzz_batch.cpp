// The batch inside an ENet packet (docs/PROTOCOL.md 4.3), as a connection splits it into
// messages: any bytes, on any channel, within small receive budgets. Properties: a batch
// is delivered whole or not at all; every message is non-empty and within the channel's
// limit; the budget is never exceeded; taking the events frees it exactly.

#include "connection.hpp"
#include "fuzz_input.hpp"

using namespace tickwire;
using namespace tickwire::net::detail;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::Input in(data, size);
    net::ChannelLimits limits;
    limits.maxReliableMessage = 1 + in.integer<std::uint16_t>() % 4096;
    limits.maxUnreliableMessage = 1 + in.integer<std::uint16_t>() % 1200;
    limits.maxReceiveEvents = 1 + in.byte();
    limits.maxReceiveBytes = limits.maxReliableMessage + in.integer<std::uint16_t>();
    Connection conn(net::ConnectionId{1}, 1, nullptr,
                    std::make_unique<SealedLink>(SessionKeys{net::Key::generate(), net::Key::generate(), 1}), limits, 0);
    net::HostStats host;
    std::deque<net::Event> events;
    std::size_t pendingEvents = 0, pendingBytes = 0;

    for (int step = 0; step < 16 && !in.empty(); ++step) {
        if (in.byte() < 64 && !events.empty()) {  // the game polls some
            for (std::size_t n = in.choice(events.size() + 1); n > 0; --n) {
                pendingBytes -= events.front().data.size();
                --pendingEvents;
                conn.released(events.front());
                events.pop_front();
            }
            continue;
        }
        const auto channel = static_cast<net::Channel>(in.choice(net::kChannelCount));
        const auto batch = in.bytes(8192);
        const std::size_t before = events.size();
        const auto got = conn.receive(channel, batch, events, host);
        const std::size_t added = events.size() - before;
        if (got != Received::Delivered && added != 0) fuzz::broken();  // whole or nothing
        if (got == Received::Delivered && added == 0) fuzz::broken();
        const std::size_t limit =
            channel == net::Channel::Reliable ? limits.maxReliableMessage : limits.maxUnreliableMessage;
        std::size_t bytes = 0;
        for (std::size_t i = before; i < events.size(); ++i) {
            const auto& m = events[i].data;
            if (m.empty() || m.size() > limit || events[i].channel != channel) fuzz::broken();
            bytes += m.size();
        }
        if (bytes > batch.size()) fuzz::broken();
        pendingEvents += added;
        pendingBytes += bytes;
        if (pendingEvents > limits.maxReceiveEvents || pendingBytes > limits.maxReceiveBytes) fuzz::broken();
        if (got == Received::ReliableOverflow && channel != net::Channel::Reliable) fuzz::broken();
    }
    return 0;
}
