#include <tickwire/engine/session_protocol.hpp>

#include <algorithm>

namespace tickwire::engine {

SessionMismatch compareTerms(const SessionTerms& mine, const SessionTerms& theirs) noexcept {
    if (mine.schemaHash != theirs.schemaHash) return SessionMismatch::Schema;
    if (mine.tickRate != theirs.tickRate) return SessionMismatch::TickRate;
    if (mine.snapshotRate != theirs.snapshotRate) return SessionMismatch::SnapshotRate;
    return SessionMismatch::None;
}

std::string describeMismatch(SessionMismatch what, const SessionTerms& server, const SessionTerms& client) {
    auto hex = [](std::uint64_t v) {
        static const char digits[] = "0123456789abcdef";
        std::string s = "0x";
        for (int i = 60; i >= 0; i -= 4) s += digits[(v >> i) & 0xF];
        return s;
    };
    switch (what) {
        case SessionMismatch::None: return {};
        case SessionMismatch::Schema:
            return "the server's entity types (schema " + hex(server.schemaHash) + ") are not this client's (schema " +
                   hex(client.schemaHash) + ")";
        case SessionMismatch::TickRate:
            return "the server runs " + std::to_string(server.tickRate) + " ticks per second, this client " +
                   std::to_string(client.tickRate);
        case SessionMismatch::SnapshotRate:
            return "the server sends " + std::to_string(server.snapshotRate) + " snapshots per second, this client expects " +
                   std::to_string(client.snapshotRate);
    }
    return "unknown mismatch";
}

namespace detail {

ServerRoute routeToServer(std::span<const std::uint8_t> message, bool joined, SessionDropStats& drops) noexcept {
    const auto type = net::peekMessageType(message);
    if (!type) {
        ++drops.unknownType;
        return ServerRoute::Drop;
    }
    switch (*type) {
        case kHello:
            if (!joined) return ServerRoute::Hello;
            break;  // a second Hello
        case kInput:
            if (joined) return ServerRoute::Input;
            break;  // no entity and no terms agreed yet
        case kEvent:
            if (joined) return ServerRoute::Event;
            break;
        case kSnapshot:
        case kSnapshotPart:
        case kWelcome:
        case kRefused: break;  // server -> client
        default: ++drops.unknownType; return ServerRoute::Drop;
    }
    ++drops.unexpected;
    return ServerRoute::Drop;
}

ClientRoute routeToClient(std::span<const std::uint8_t> message, bool agreed, SessionDropStats& drops) noexcept {
    const auto type = net::peekMessageType(message);
    if (!type) {
        ++drops.unknownType;
        return ClientRoute::Drop;
    }
    switch (*type) {
        case kWelcome:
            if (!agreed) return ClientRoute::Welcome;
            break;  // a second Welcome
        case kRefused: return ClientRoute::Refused;
        case kEvent:
            if (agreed) return ClientRoute::Event;
            break;
        case kSnapshot:
            if (agreed) return ClientRoute::Snapshot;
            break;
        case kSnapshotPart:
            if (agreed) return ClientRoute::SnapshotPart;
            break;
        case kHello:
        case kInput: break;  // client -> server
        default: ++drops.unknownType; return ClientRoute::Drop;
    }
    ++drops.unexpected;
    return ClientRoute::Drop;
}

std::vector<std::vector<std::uint8_t>> splitSnapshot(std::uint32_t tick, std::span<const std::uint8_t> message,
                                                     std::size_t limit) {
    // A part's header, measured with the largest data a part can hold: type, tick, index,
    // count and the data's length.
    SnapshotPartMessage probe;
    probe.tick = tick;
    probe.index = kMaxSnapshotParts;
    probe.count = kMaxSnapshotParts;
    probe.data.assign(limit, 0);
    const std::size_t header = net::encodeMessage(kSnapshotPart, probe).size() - limit;
    if (limit <= header) return {};
    const std::size_t capacity = limit - header;
    const std::size_t count = (message.size() + capacity - 1) / capacity;
    if (count == 0 || count > kMaxSnapshotParts) return {};
    std::vector<std::vector<std::uint8_t>> out;
    out.reserve(count);
    for (std::size_t i = 0; i < count; ++i) {
        SnapshotPartMessage part;
        part.tick = tick;
        part.index = static_cast<std::uint16_t>(i);
        part.count = static_cast<std::uint16_t>(count);
        const std::size_t from = i * capacity;
        const std::size_t to = std::min(message.size(), from + capacity);
        part.data.assign(message.begin() + static_cast<std::ptrdiff_t>(from),
                         message.begin() + static_cast<std::ptrdiff_t>(to));
        out.push_back(net::encodeMessage(kSnapshotPart, part));
    }
    return out;
}

std::size_t unreliableWireBytes(std::size_t bytes) noexcept {
    // The batch's length varints (up to 3 bytes each for a datagram), the sealed
    // datagram's trailer (PROTOCOL.md §4.2, 6 bytes) and its ENet headers: the protocol
    // header (4) and a send-unreliable command (8).
    return bytes + 6 + 6 + 4 + 8;
}

std::optional<std::vector<std::uint8_t>> SnapshotAssembler::add(SnapshotPartMessage&& part,
                                                                std::optional<std::uint32_t> newestTick,
                                                                SessionDropStats& drops) {
    if (part.count == 0 || part.count > kMaxSnapshotParts || part.index >= part.count || part.data.empty()) {
        ++drops.partsDropped;
        return std::nullopt;
    }
    if (newestTick && part.tick <= *newestTick) {
        ++drops.partsDropped;  // a part of a snapshot older than one already held
        return std::nullopt;
    }
    auto it = assemblies_.find(part.tick);
    if (it == assemblies_.end()) {
        if (assemblies_.size() >= kMaxAssemblies) {
            // Room for a newer one: the oldest is abandoned; an older one is not started.
            if (part.tick < assemblies_.begin()->first) {
                ++drops.partsDropped;
                return std::nullopt;
            }
            drops.partsDropped += assemblies_.begin()->second.received;
            ++drops.snapshotsIncomplete;
            assemblies_.erase(assemblies_.begin());
        }
        it = assemblies_.emplace(part.tick, Assembly{}).first;
        it->second.count = part.count;
        it->second.parts.resize(part.count);
    }
    Assembly& a = it->second;
    if (a.count != part.count || !a.parts[part.index].empty() || a.bytes + part.data.size() > maxBytes_) {
        ++drops.partsDropped;
        return std::nullopt;
    }
    a.bytes += part.data.size();
    a.parts[part.index] = std::move(part.data);
    if (++a.received < a.count) return std::nullopt;
    std::vector<std::uint8_t> whole;
    whole.reserve(a.bytes);
    for (const auto& p : a.parts) whole.insert(whole.end(), p.begin(), p.end());
    // Everything older is now useless: the server codes against the newest acknowledged.
    for (auto old = assemblies_.begin(); old != it;) {
        drops.partsDropped += old->second.received;
        ++drops.snapshotsIncomplete;
        old = assemblies_.erase(old);
    }
    assemblies_.erase(it);
    return whole;
}

}  // namespace detail

}  // namespace tickwire::engine
