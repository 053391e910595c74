// Attacks on a live connection by an off-path attacker who can send UDP datagrams with a
// connected peer's source address (its own or the server's), and who knows ENet's wire
// format but none of the connection's keys.
//
// ENet authenticates none of its framing: peer id, session id and sequence numbers are
// small and guessable, so such an attacker can make ENet disconnect a peer, skip ahead
// in a channel, throttle a peer, or keep a silent peer alive. Every datagram ENet accepts
// must therefore carry the connection's authenticator, checked before ENet parses it; a
// forged one is dropped and counted as auth_failed. Each test here states that: the
// attacked connection carries on undisturbed and the attacked host counts the forgeries.
//
// An attacker does not know whether the host expects ENet's 4-byte checksum slot after
// the header, so every forged command is sent in both layouts. Every peer id and session
// id it cannot know is swept.

#include "enet_forge.hpp"
#include "harness.hpp"
#include "spoof.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <array>
#include <functional>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

using namespace tickwire::net;
using namespace tickwire::net::test;
namespace forge = tickwire::net::test::enet_forge;

// ---------------------------------------------------------------------------------------
// The attacker's tools work: without these, a passing attack test could mean a broken
// spoofer or forger rather than a defended transport.

namespace {

bool canSpoof() {
    if (SpoofSocket::available()) return true;
    MESSAGE("skipped: spoofing needs root (CAP_NET_RAW)");
    return false;
}

/// A plain UDP socket on 127.0.0.1 that reports where a datagram came from.
class UdpSocket {
public:
    UdpSocket() : fd_(::socket(AF_INET, SOCK_DGRAM, 0)) {
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(0x7F000001u);
        ::bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a);
        socklen_t length = sizeof a;
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &length);
        address_ = Address{ntohl(a.sin_addr.s_addr), ntohs(a.sin_port)};
    }
    ~UdpSocket() { ::close(fd_); }
    UdpSocket(const UdpSocket&) = delete;
    UdpSocket& operator=(const UdpSocket&) = delete;

    [[nodiscard]] Address address() const { return address_; }

    std::optional<std::pair<Address, std::vector<std::uint8_t>>> receive(int timeoutMs) const {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, timeoutMs) <= 0) return std::nullopt;
        std::vector<std::uint8_t> buf(2048);
        sockaddr_in from{};
        socklen_t length = sizeof from;
        const auto n = ::recvfrom(fd_, buf.data(), buf.size(), 0, reinterpret_cast<sockaddr*>(&from), &length);
        if (n < 0) return std::nullopt;
        buf.resize(static_cast<std::size_t>(n));
        return std::make_pair(Address{ntohl(from.sin_addr.s_addr), ntohs(from.sin_port)}, buf);
    }

private:
    int fd_ = -1;
    Address address_;
};

}  // namespace

TEST_CASE("a spoofed datagram arrives with the source address it claims") {
    if (!canSpoof()) return;
    UdpSocket claimed;  // A: whose address the datagram claims
    UdpSocket target;   // B: where it goes
    SpoofSocket spoof;
    REQUIRE(spoof.open());
    const std::vector<std::uint8_t> payload = {'s', 'p', 'o', 'o', 'f', 0, 1, 2, 0xFF};
    REQUIRE(spoof.send(claimed.address(), target.address(), payload));
    const auto got = target.receive(1000);
    REQUIRE(got.has_value());
    CHECK(got->first == claimed.address());
    CHECK(got->second == payload);
    CHECK_FALSE(claimed.receive(0).has_value());  // nothing went to the address it claims
}

namespace {

enet_uint32 ENET_CALLBACK zeroChecksum(const ENetBuffer* /*buffers*/, size_t /*count*/) { return 0; }

/// Two bare ENet hosts on loopback (no tickwire), one connected to the other. With
/// `slot`, both use a checksum callback that is always 0, so their datagrams carry the
/// 4-byte slot and a forged datagram is accepted when its slot is zero.
class PlainEnetPair {
public:
    explicit PlainEnetPair(bool slot) {
        REQUIRE(enet_initialize() == 0);
        ENetAddress local{};
        local.host = htonl(0x7F000001u);
        local.port = 0;
        server_ = enet_host_create(&local, 4, 3, 0, 0);
        client_ = enet_host_create(&local, 1, 3, 0, 0);
        REQUIRE(server_ != nullptr);
        REQUIRE(client_ != nullptr);
        if (slot) {
            server_->checksum = &zeroChecksum;
            client_->checksum = &zeroChecksum;
        }
        REQUIRE(enet_host_connect(client_, &server_->address, 3, 0) != nullptr);
        bool clientUp = false;
        REQUIRE(pumpUntil(
            [&] {
                ENetEvent ev;
                while (enet_host_service(client_, &ev, 1) > 0) {
                    if (ev.type == ENET_EVENT_TYPE_CONNECT) clientUp = true;
                }
                serviceServer();
            },
            [&] { return clientUp && peer_ != nullptr; }));
    }
    ~PlainEnetPair() {
        enet_host_destroy(client_);
        enet_host_destroy(server_);
    }
    PlainEnetPair(const PlainEnetPair&) = delete;
    PlainEnetPair& operator=(const PlainEnetPair&) = delete;

    /// The server's view of the client.
    [[nodiscard]] ENetPeer* peer() const { return peer_; }
    [[nodiscard]] Address serverAddress() const { return Address{ntohl(server_->address.host), server_->address.port}; }
    [[nodiscard]] Address clientAddress() const { return Address{ntohl(client_->address.host), client_->address.port}; }

    /// Services both hosts for `ms` (the server never reports an event of type NONE).
    void serviceFor(std::uint32_t ms) { (void)next(ENET_EVENT_TYPE_NONE, ms); }

    /// Services both hosts until the server reports an event of `type`; returns its
    /// channel and data (packet bytes, or the disconnect's data as 4 bytes).
    std::optional<std::pair<std::uint8_t, std::vector<std::uint8_t>>> next(ENetEventType type,
                                                                          std::uint32_t timeoutMs = 2000) {
        std::optional<std::pair<std::uint8_t, std::vector<std::uint8_t>>> got;
        pumpUntil(
            [&] {
                ENetEvent ev;
                while (enet_host_service(client_, &ev, 0) > 0) {
                    if (ev.type == ENET_EVENT_TYPE_RECEIVE) enet_packet_destroy(ev.packet);
                }
                for (auto& [t, channel, data] : serviceServer()) {
                    if (t == type && !got) got = std::make_pair(channel, data);
                }
            },
            [&] { return got.has_value(); }, timeoutMs);
        return got;
    }

private:
    std::vector<std::tuple<ENetEventType, std::uint8_t, std::vector<std::uint8_t>>> serviceServer() {
        std::vector<std::tuple<ENetEventType, std::uint8_t, std::vector<std::uint8_t>>> events;
        ENetEvent ev;
        while (enet_host_service(server_, &ev, 1) > 0) {
            if (ev.type == ENET_EVENT_TYPE_CONNECT) peer_ = ev.peer;
            if (ev.type == ENET_EVENT_TYPE_RECEIVE) {
                const std::uint8_t* data = ev.packet->data;
                std::vector<std::uint8_t> bytes(data, data + ev.packet->dataLength);
                events.emplace_back(ev.type, ev.channelID, std::move(bytes));
                enet_packet_destroy(ev.packet);
            }
            if (ev.type == ENET_EVENT_TYPE_DISCONNECT) {
                std::vector<std::uint8_t> data(4);
                for (std::size_t i = 0; i < 4; ++i) data[i] = static_cast<std::uint8_t>(ev.data >> (8 * i));
                events.emplace_back(ev.type, 0, data);
            }
        }
        return events;
    }

    ENetHost* server_ = nullptr;
    ENetHost* client_ = nullptr;
    ENetPeer* peer_ = nullptr;
};

}  // namespace

TEST_CASE("forged ENet commands are sized as ENet reads them") {
    const auto sizeOf = [](const forge::Commands& c) { return c.bytes().size(); };
    const auto commandOf = [](const forge::Commands& c) { return c.bytes()[0]; };
    const std::vector<forge::Commands> each = {
        forge::Commands().acknowledge(0, 1, 2),
        forge::Commands().disconnect(3),
        forge::Commands().ping(4),
        forge::Commands().sendReliable(0, 5, {}),
        forge::Commands().sendUnreliable(1, 0, 6, {}),
        forge::Commands().sendUnsequenced(2, 7, {}),
        forge::Commands().bandwidthLimit(8, 1, 1),
        forge::Commands().throttleConfigure(9, 1, 2, 3),
    };
    for (const auto& c : each) {
        CAPTURE(int{commandOf(c)});
        CHECK(sizeOf(c) == enet_protocol_command_size(commandOf(c)));
    }
    forge::Header h{0x123, 2, 0xBEEF, 0x01020304};
    const auto d = forge::datagram(h, forge::Commands().ping(1));
    REQUIRE(d.size() == 2 + 2 + 4 + 4);
    CHECK(d[0] == (0x80 | 0x20 | 0x01));  // SENT_TIME, session 2, peer 0x123
    CHECK(d[1] == 0x23);
    CHECK(d[2] == 0xBE);
    CHECK(d[3] == 0xEF);
    CHECK(d[8] == (forge::kPing | forge::kFlagAcknowledge));
    CHECK(d[9] == forge::kNoChannel);
}

TEST_CASE("forged ENet commands are understood by a plain ENet host, with and without a checksum slot") {
    if (!canSpoof()) return;
    for (const bool slot : {false, true}) {
        CAPTURE(slot);
        PlainEnetPair pair(slot);
        // The attacker's best case: it knows the peer id and session id exactly.
        forge::Header h;
        h.peerId = pair.peer()->incomingPeerID;
        h.sessionId = pair.peer()->incomingSessionID;
        h.sentTime = 0;
        if (slot) h.slot = 0;
        SpoofSocket spoof;
        REQUIRE(spoof.open());
        const auto send = [&](const forge::Commands& c) {
            REQUIRE(spoof.send(pair.clientAddress(), pair.serverAddress(), forge::datagram(h, c)));
        };
        const std::vector<std::uint8_t> reliable = {'r', 'e', 'l'};
        const std::vector<std::uint8_t> sequenced = {'s', 'e', 'q'};
        const std::vector<std::uint8_t> unsequenced = {'u', 'n', 's'};

        send(forge::Commands().sendReliable(0, 1, reliable));  // the client sent no reliable one yet
        auto got = pair.next(ENET_EVENT_TYPE_RECEIVE);
        REQUIRE(got);
        CHECK(got->first == 0);
        CHECK(got->second == reliable);

        send(forge::Commands().sendUnreliable(1, 0, 1, sequenced));
        got = pair.next(ENET_EVENT_TYPE_RECEIVE);
        REQUIRE(got);
        CHECK(got->first == 1);
        CHECK(got->second == sequenced);

        send(forge::Commands().sendUnsequenced(2, 1, unsequenced));
        got = pair.next(ENET_EVENT_TYPE_RECEIVE);
        REQUIRE(got);
        CHECK(got->first == 2);
        CHECK(got->second == unsequenced);

        send(forge::Commands().throttleConfigure(0x7FF0, 12345, 6, 7).bandwidthLimit(0x7FF1, 4321, 8765));
        pair.serviceFor(200);
        CHECK(pair.peer()->packetThrottleInterval == 12345);
        CHECK(pair.peer()->packetThrottleAcceleration == 6);
        CHECK(pair.peer()->packetThrottleDeceleration == 7);
        CHECK(pair.peer()->incomingBandwidth == 4321);
        CHECK(pair.peer()->outgoingBandwidth == 8765);

        send(forge::Commands().disconnect(0x01020304));
        got = pair.next(ENET_EVENT_TYPE_DISCONNECT);
        REQUIRE(got);
        CHECK(got->second == std::vector<std::uint8_t>{4, 3, 2, 1});
    }
}

// ---------------------------------------------------------------------------------------
// The attacks.

namespace {

constexpr auto kAuthFailed = static_cast<std::size_t>(Drop::AuthFailed);
/// How long both hosts are serviced after an attack before anything is checked.
constexpr std::uint32_t kSettleMs = 500;
/// Peer ids tried where the attack is not about sweeping them: the first slots of a
/// server, where a victim of a small match sits (the test's victim is peer 0).
constexpr std::uint16_t kLowPeerIds = 8;
constexpr std::size_t kMessageSize = 40;
/// Payload of forged sends: what the attacker cannot seal, so anything.
const std::vector<std::uint8_t> kJunk(24, 0xA5);

std::size_t at(Channel channel) { return static_cast<std::size_t>(channel); }

const char* nameOf(Channel channel) {
    switch (channel) {
        case Channel::Reliable: return "Reliable";
        case Channel::Sequenced: return "Sequenced";
        case Channel::Unreliable: return "Unreliable";
    }
    return "?";
}

/// Message number `index` of a channel: the index (u32 little-endian), then bytes that
/// depend on index and channel, so a message that arrives damaged is told apart.
std::vector<std::uint8_t> numbered(Channel channel, std::uint32_t index, std::size_t size = kMessageSize) {
    std::vector<std::uint8_t> m(std::max<std::size_t>(size, 4));
    for (std::size_t i = 0; i < 4; ++i) m[i] = static_cast<std::uint8_t>(index >> (8 * i));
    for (std::size_t i = 4; i < m.size(); ++i) {
        m[i] = static_cast<std::uint8_t>(index * 131 + i * 7 + static_cast<std::size_t>(channel) * 29);
    }
    return m;
}

/// Stands for a message that is not one of ours, intact.
constexpr std::uint32_t kDamaged = 0xFFFFFFFF;

std::uint32_t indexOf(Channel channel, const std::vector<std::uint8_t>& data) {
    if (data.size() < 4) return kDamaged;
    std::uint32_t index = 0;
    for (std::size_t i = 0; i < 4; ++i) index |= std::uint32_t{data[i]} << (8 * i);
    return data == numbered(channel, index, data.size()) ? index : kDamaged;
}

/// Empty when `got` holds exactly messages first..first+count-1 (in that order when
/// `ordered`); otherwise one line saying what went wrong.
std::string deliveryProblem(const std::string& what, const std::vector<std::uint32_t>& got, std::uint32_t first,
                            std::uint32_t count, bool ordered) {
    std::vector<std::uint32_t> expected(count);
    std::iota(expected.begin(), expected.end(), first);
    std::vector<std::uint32_t> sorted = got;
    std::sort(sorted.begin(), sorted.end());
    if (ordered ? got == expected : sorted == expected) return {};
    std::size_t arrived = 0;
    std::optional<std::uint32_t> firstMissing;
    for (const std::uint32_t i : expected) {
        if (std::binary_search(sorted.begin(), sorted.end(), i)) ++arrived;
        else if (!firstMissing) firstMissing = i;
    }
    std::string line = what + ": " + std::to_string(arrived) + " of " + std::to_string(count) +
                       " fresh messages arrived";
    if (firstMissing) line += " (first missing: #" + std::to_string(*firstMissing - first + 1) + ")";
    if (got.size() > arrived) line += ", plus " + std::to_string(got.size() - arrived) + " damaged or repeated";
    if (!firstMissing && got.size() == arrived) line += ", out of order";
    return line;
}

/// A server on loopback with one connected client, and what each side delivered.
class Session {
public:
    explicit Session(std::uint32_t timeoutSeconds = 10) {
        client = f.client(*f.token(7, timeoutSeconds));
        auto connected = f.connect(*client);
        REQUIRE(connected);
        id = *connected;
    }

    Fixture f;
    std::unique_ptr<Client> client;
    ConnectionId id;
    std::optional<Event> serverGone, clientGone;  // the first Disconnected each side reported

    void pumpServer() {
        f.pumpServer();
        for (auto& ev : f.serverEvents) {
            if (ev.type == Event::Type::Message) atServer_[at(ev.channel)].push_back(indexOf(ev.channel, ev.data));
            if (ev.type == Event::Type::Disconnected && !serverGone) serverGone = ev;
        }
        f.serverEvents.clear();
    }
    void pumpClient() {
        client->update(1);
        while (auto ev = client->poll()) {
            if (ev->type == Event::Type::Message) atClient_[at(ev->channel)].push_back(indexOf(ev->channel, ev->data));
            if (ev->type == Event::Type::Disconnected && !clientGone) clientGone = ev;
        }
    }
    void pump() {
        pumpServer();
        pumpClient();
    }
    [[nodiscard]] bool gone() const { return serverGone.has_value() || clientGone.has_value(); }

    /// Services both hosts for `ms`, or until either side reports the connection gone.
    void settle(std::uint32_t ms = kSettleMs) {
        pumpUntil([&] { pump(); }, [&] { return gone(); }, ms);
    }

    /// One line naming who reported the connection gone and why.
    [[nodiscard]] std::string whoLeft() const {
        std::string line;
        if (serverGone) {
            line += "the server reported the client disconnected (" + std::string(describe(serverGone->reason)) + ")";
        }
        if (clientGone) {
            if (!line.empty()) line += "; ";
            line += "the client reported itself disconnected (" + std::string(describe(clientGone->reason)) + ")";
        }
        return line;
    }

    /// Sends `count` fresh numbered messages of `size` bytes from the client on `channel`,
    /// one per update so that each travels in its own ENet packet, and services both
    /// hosts until the server delivered that many, the connection ends, or timeoutMs
    /// passes. Returns the indices the server delivered, in order of arrival, and the
    /// first index sent.
    std::pair<std::vector<std::uint32_t>, std::uint32_t> up(Channel channel, std::uint32_t count,
                                                            std::size_t size = kMessageSize,
                                                            std::uint32_t timeoutMs = 3000) {
        return transfer(true, channel, count, size, timeoutMs);
    }
    /// As up(), from the server to the client.
    std::pair<std::vector<std::uint32_t>, std::uint32_t> down(Channel channel, std::uint32_t count,
                                                              std::size_t size = kMessageSize,
                                                              std::uint32_t timeoutMs = 3000) {
        return transfer(false, channel, count, size, timeoutMs);
    }

    /// Messages the client sent on `channel` so far; each was one ENet packet, so on
    /// Reliable this is the client's last reliable sequence number on ENet channel 0,
    /// and on Unreliable its last unsequenced group.
    [[nodiscard]] std::uint32_t sentUp(Channel channel) const { return sentUp_[at(channel)]; }

    /// Checks that `count` fresh messages cross on `channel` in both directions, all of
    /// them, in order where the channel promises order.
    void checkDelivery(Channel channel, std::uint32_t count) {
        const bool ordered = channel != Channel::Unreliable;
        const auto [upGot, upFirst] = up(channel, count);
        const std::string upProblem = deliveryProblem(std::string(nameOf(channel)) + " client->server", upGot,
                                                      upFirst, count, ordered);
        CHECK_MESSAGE(upProblem.empty(), upProblem);
        const auto [downGot, downFirst] = down(channel, count);
        const std::string downProblem = deliveryProblem(std::string(nameOf(channel)) + " server->client", downGot,
                                                        downFirst, count, ordered);
        CHECK_MESSAGE(downProblem.empty(), downProblem);
    }

    /// One message each way on every channel: the connection works before the attack.
    void warmUp() {
        for (const Channel channel : {Channel::Reliable, Channel::Sequenced, Channel::Unreliable}) {
            const auto [upGot, upFirst] = up(channel, 1);
            REQUIRE(deliveryProblem("warm-up up", upGot, upFirst, 1, true).empty());
            const auto [downGot, downFirst] = down(channel, 1);
            REQUIRE(deliveryProblem("warm-up down", downGot, downFirst, 1, true).empty());
        }
    }

private:
    std::pair<std::vector<std::uint32_t>, std::uint32_t> transfer(bool upwards, Channel channel, std::uint32_t count,
                                                                  std::size_t size, std::uint32_t timeoutMs) {
        auto& sent = upwards ? sentUp_[at(channel)] : sentDown_[at(channel)];
        auto& received = upwards ? atServer_[at(channel)] : atClient_[at(channel)];
        const std::uint32_t first = sent;
        const std::size_t before = received.size();
        std::uint32_t queued = 0;
        pumpUntil(
            [&] {
                if (queued < count && !gone()) {
                    const auto message = numbered(channel, first + queued, size);
                    const bool ok = upwards ? client->send(channel, message).has_value()
                                            : f.server->send(id, channel, message).has_value();
                    if (ok) {
                        ++queued;
                        ++sent;
                    }
                }
                // The sender's update flushes what was just queued into its own packet.
                if (upwards) {
                    pumpClient();
                    pumpServer();
                } else {
                    pumpServer();
                    pumpClient();
                }
            },
            [&] { return received.size() - before >= count || gone(); }, timeoutMs);
        return {std::vector<std::uint32_t>(received.begin() + static_cast<std::ptrdiff_t>(before), received.end()),
                first};
    }

    std::array<std::vector<std::uint32_t>, kChannelCount> atServer_, atClient_;
    std::array<std::uint32_t, kChannelCount> sentUp_{}, sentDown_{};
};

/// Every header an attacker has to try against one host for peer ids 0..peers-1: each
/// session id, without and with the 4-byte checksum slot. `sentTime` is set for commands
/// that ask for an acknowledgement, as ENet itself does.
std::vector<forge::Header> guesses(std::uint16_t peers, std::optional<std::uint16_t> sentTime) {
    std::mt19937 rng(0x7717);  // fixed: a failing run repeats exactly
    std::vector<forge::Header> out;
    for (std::uint16_t peer = 0; peer < peers; ++peer) {
        for (std::uint8_t session = 0; session < 4; ++session) {
            out.push_back({peer, session, sentTime, std::nullopt});
            // A random slot, except that its first byte is never a valid command number
            // (low nibble 15): a host that expects no slot then stops parsing there rather
            // than reading it as a command, so each layout acts only as itself.
            out.push_back({peer, session, sentTime, static_cast<std::uint32_t>(rng()) | 0x0F000000u});
        }
    }
    return out;
}

std::vector<std::vector<std::uint8_t>> forged(const std::vector<forge::Header>& headers,
                                              const forge::Commands& commands) {
    std::vector<std::vector<std::uint8_t>> out;
    out.reserve(headers.size());
    for (const auto& h : headers) out.push_back(forge::datagram(h, commands));
    return out;
}

/// Sends every datagram from `from` to `to`, calling `pump` after every `burst` of them so
/// the victim's socket buffer never overflows (a datagram lost there would be an attack
/// that was never made).
void spoofAll(const Address& from, const Address& to, const std::vector<std::vector<std::uint8_t>>& datagrams,
              const std::function<void()>& pump, std::size_t burst = 32) {
    SpoofSocket raw;
    REQUIRE(raw.open());
    std::size_t sent = 0;
    for (std::size_t i = 0; i < datagrams.size(); ++i) {
        if (raw.send(from, to, datagrams[i])) ++sent;
        if ((i + 1) % burst == 0) pump();
    }
    pump();
    REQUIRE(sent == datagrams.size());
}

/// Spoofs datagrams at the server from the client's address.
void spoofAtServer(Session& s, const std::vector<std::vector<std::uint8_t>>& datagrams) {
    spoofAll(s.client->address(), s.f.server->address(), datagrams, [&] { s.pump(); });
}

/// Spoofs datagrams at the client from the server's address.
void spoofAtClient(Session& s, const std::vector<std::vector<std::uint8_t>>& datagrams) {
    spoofAll(s.f.server->address(), s.client->address(), datagrams, [&] { s.pump(); });
}

struct AuthFailures {
    std::uint64_t host = 0;
    std::uint64_t connection = 0;
};

AuthFailures authFailuresAtServer(const Session& s) {
    AuthFailures n;
    n.host = s.f.server->hostStats().dropped[kAuthFailed];
    if (auto stats = s.f.server->stats(s.id)) n.connection = stats->dropped[kAuthFailed];
    return n;
}

AuthFailures authFailuresAtClient(const Session& s) {
    AuthFailures n;
    n.host = s.client->hostStats().dropped[kAuthFailed];
    if (auto stats = s.client->stats()) n.connection = stats->dropped[kAuthFailed];
    return n;
}

void checkCounted(const std::string& host, const AuthFailures& before, const AuthFailures& after) {
    CHECK_MESSAGE(after.host > before.host,
                  "the " << host << " counted no forged datagram in hostStats().dropped[auth_failed]");
    CHECK_MESSAGE(after.connection > before.connection,
                  "the " << host << " counted no forged datagram in the connection's dropped[auth_failed]");
}

/// The attacked connection is still up, and fresh messages on every channel still arrive.
void checkUndisturbed(Session& s) {
    REQUIRE_MESSAGE(!s.gone(), s.whoLeft());
    for (const Channel channel : {Channel::Reliable, Channel::Sequenced, Channel::Unreliable}) {
        s.checkDelivery(channel, 20);
    }
    CHECK_MESSAGE(!s.gone(), s.whoLeft());  // nor later, while the checks ran
}

}  // namespace

TEST_CASE("an unattacked connection passes every delivery check the attack tests make") {
    // The control: the checks below hold on a quiet loopback connection, so an attack
    // test that fails them failed because of its attack.
    Session s;
    s.warmUp();
    s.settle(1200);
    REQUIRE_MESSAGE(!s.gone(), s.whoLeft());
    for (const Channel channel : {Channel::Reliable, Channel::Sequenced, Channel::Unreliable}) {
        s.checkDelivery(channel, 20);
    }
    {
        const auto [got, first] = s.down(Channel::Sequenced, 64);
        const std::string problem = deliveryProblem("Sequenced server->client", got, first, 64, true);
        CHECK_MESSAGE(problem.empty(), problem);
    }
    {
        const auto [got, first] = s.down(Channel::Reliable, 50, 4096, 10000);
        const std::string problem = deliveryProblem("Reliable server->client (50 x 4 KiB)", got, first, 50, true);
        CHECK_MESSAGE(problem.empty(), problem);
    }
    {
        const auto [got, first] = s.up(Channel::Reliable, 100, kMessageSize, 5000);
        const std::string problem = deliveryProblem("Reliable client->server", got, first, 100, true);
        CHECK_MESSAGE(problem.empty(), problem);
    }
}

TEST_CASE("a spoofed ENet disconnect sent to the server from a client's address does not tear the client down") {
    if (!canSpoof()) return;
    Session s;
    s.warmUp();
    const auto before = authFailuresAtServer(s);

    // Every peer id of a 64-slot server, every session id, both layouts.
    forge::Commands bye;
    bye.disconnect(static_cast<std::uint32_t>(DisconnectReason::Requested));
    spoofAtServer(s, forged(guesses(64, std::nullopt), bye));
    s.settle();

    checkCounted("server", before, authFailuresAtServer(s));
    checkUndisturbed(s);
}

TEST_CASE("spoofed ENet disconnects sent to a client from the server's address do not disconnect it") {
    if (!canSpoof()) return;
    Session s;
    s.warmUp();
    const auto before = authFailuresAtClient(s);

    // A client host has one peer, id 0: all four session ids, both layouts.
    forge::Commands bye;
    bye.disconnect(static_cast<std::uint32_t>(DisconnectReason::Kicked));
    spoofAtClient(s, forged(guesses(1, std::nullopt), bye));
    s.settle();

    checkCounted("client", before, authFailuresAtClient(s));
    checkUndisturbed(s);
}

TEST_CASE("a spoofed unsequenced send far ahead does not blind the server to the client's Unreliable messages") {
    if (!canSpoof()) return;
    Session s;
    s.warmUp();
    const auto before = authFailuresAtServer(s);

    // ENet accepts an unsequenced group up to 32768 ahead of its window and moves the
    // window there, after which the sender's real groups look old and are dropped until
    // its counter catches up. Several steps walk the window as far as ENet allows.
    const std::uint16_t current = static_cast<std::uint16_t>(s.sentUp(Channel::Unreliable));
    std::vector<std::vector<std::uint8_t>> datagrams;
    for (const std::uint16_t ahead : {0x1000, 0x4000, 0x7000, 0x7FFF, 0x8000}) {
        forge::Commands c;
        const auto group = static_cast<std::uint16_t>(current + ahead);
        c.sendUnsequenced(static_cast<std::uint8_t>(Channel::Unreliable), group, kJunk);
        const auto some = forged(guesses(kLowPeerIds, std::nullopt), c);
        datagrams.insert(datagrams.end(), some.begin(), some.end());
    }
    spoofAtServer(s, datagrams);
    s.settle();

    checkCounted("server", before, authFailuresAtServer(s));
    REQUIRE_MESSAGE(!s.gone(), s.whoLeft());
    const auto [got, first] = s.up(Channel::Unreliable, 20);
    const std::string problem = deliveryProblem("Unreliable client->server", got, first, 20, false);
    CHECK_MESSAGE(problem.empty(), problem);
    CHECK_MESSAGE(!s.gone(), s.whoLeft());  // nor later, while the checks ran
}

TEST_CASE("a spoofed unreliable send numbered 0xFFFF does not blind the server to the client's Sequenced messages") {
    if (!canSpoof()) return;
    Session s;
    s.warmUp();
    const auto before = authFailuresAtServer(s);

    // ENet drops every unreliable send numbered at or below the newest it delivered, so
    // one forged 0xFFFF hides the sender's next 65535 packets on that channel. The
    // channel carried no reliable send, so its reliable sequence number is 0.
    forge::Commands c;
    c.sendUnreliable(static_cast<std::uint8_t>(Channel::Sequenced), 0, 0xFFFF, kJunk);
    spoofAtServer(s, forged(guesses(kLowPeerIds, std::nullopt), c));
    s.settle();

    checkCounted("server", before, authFailuresAtServer(s));
    REQUIRE_MESSAGE(!s.gone(), s.whoLeft());
    const auto [got, first] = s.up(Channel::Sequenced, 20);
    const std::string problem = deliveryProblem("Sequenced client->server", got, first, 20, true);
    CHECK_MESSAGE(problem.empty(), problem);
    CHECK_MESSAGE(!s.gone(), s.whoLeft());  // nor later, while the checks ran
}

TEST_CASE("spoofed throttle and bandwidth commands do not choke the server's traffic to the client") {
    if (!canSpoof()) return;
    Session s;
    s.warmUp();
    const auto before = authFailuresAtServer(s);

    // A throttle that never re-measures, never recovers and falls all the way at the
    // first slow round trip; and a claimed receive bandwidth of 1 byte/s, from which
    // ENet's once-a-second bandwidth pass derives a packet throttle of 1/32: most
    // unreliable packets are then dropped at the sender and reliable data trickles out
    // one datagram per round trip.
    forge::Commands c;
    c.throttleConfigure(0x7FF0, 0xFFFFFFFF, 0, 32).bandwidthLimit(0x7FF1, 1, 1);
    spoofAtServer(s, forged(guesses(kLowPeerIds, 0), c));
    // Long enough for ENet's bandwidth pass (every second) to have run.
    s.settle(1200);

    checkCounted("server", before, authFailuresAtServer(s));
    REQUIRE_MESSAGE(!s.gone(), s.whoLeft());
    // Snapshots, sent one per update, all reach the client, newest last.
    {
        const auto [got, first] = s.down(Channel::Sequenced, 64);
        const std::string problem = deliveryProblem("Sequenced server->client", got, first, 64, true);
        CHECK_MESSAGE(problem.empty(), problem);
    }
    // 200 KiB of reliable events all arrive, in order, intact.
    {
        const auto [got, first] = s.down(Channel::Reliable, 50, 4096, 10000);
        const std::string problem = deliveryProblem("Reliable server->client (50 x 4 KiB)", got, first, 50, true);
        CHECK_MESSAGE(problem.empty(), problem);
    }
    CHECK_MESSAGE(!s.gone(), s.whoLeft());  // nor later, while the checks ran
}

TEST_CASE("spoofed reliable sends ahead of the sequence do not desynchronise the Reliable channel") {
    if (!canSpoof()) return;
    Session s;
    s.warmUp();
    const auto before = authFailuresAtServer(s);

    // ENet delivers a forged reliable send numbered next in line (and holds later ones
    // until the gap fills), then drops the sender's real command with that number as a
    // duplicate and acknowledges it, so the sender never resends. 65 in a row swallow
    // more than half of the 128 packets that the Reliable channel's 1-byte packet
    // numbers tell apart; a few more at larger offsets stand for an attacker who does not
    // know where the sequence is.
    const std::uint32_t next = s.sentUp(Channel::Reliable) + 1;
    std::vector<std::uint32_t> offsets(65);
    std::iota(offsets.begin(), offsets.end(), 0u);
    for (const std::uint32_t far : {128u, 1024u, 4096u, 16384u}) offsets.push_back(far);
    std::vector<std::vector<std::uint8_t>> datagrams;
    for (const std::uint32_t offset : offsets) {
        forge::Commands c;
        c.sendReliable(static_cast<std::uint8_t>(Channel::Reliable), static_cast<std::uint16_t>(next + offset), kJunk);
        const auto some = forged(guesses(kLowPeerIds, 0), c);
        datagrams.insert(datagrams.end(), some.begin(), some.end());
    }
    spoofAtServer(s, datagrams);
    s.settle();

    checkCounted("server", before, authFailuresAtServer(s));
    REQUIRE_MESSAGE(!s.gone(), s.whoLeft());
    const auto [got, first] = s.up(Channel::Reliable, 100, kMessageSize, 5000);
    const std::string problem = deliveryProblem("Reliable client->server", got, first, 100, true);
    CHECK_MESSAGE(problem.empty(), problem);
    CHECK_MESSAGE(!s.gone(), s.whoLeft());  // nor later, while the checks ran
}

namespace {

/// Stops servicing the client, spoofs `datagrams` at the server from its address every
/// 100 ms, and services the server until it reports the client gone or `timeoutMs`
/// passes. Returns the server's Disconnected event.
std::optional<Event> silenceWithSpoofing(Session& s, const std::vector<std::vector<std::uint8_t>>& datagrams,
                                         std::uint32_t timeoutMs) {
    std::uint64_t nextSpoof = 0;
    pumpUntil(
        [&] {
            if (steadyMs() >= nextSpoof) {
                spoofAll(s.client->address(), s.f.server->address(), datagrams, [&] { s.pumpServer(); }, 16);
                nextSpoof = steadyMs() + 100;
            }
            s.pumpServer();
        },
        [&] { return s.serverGone.has_value(); }, timeoutMs);
    return s.serverGone;
}

}  // namespace

TEST_CASE("spoofed pings from a silent client's address do not keep it connected") {
    if (!canSpoof()) return;
    Session s(/*timeoutSeconds=*/2);
    s.warmUp();
    const auto before = authFailuresAtServer(s);

    // Any datagram from a connected address is a sign of life to the server, unless it
    // is authenticated first.
    forge::Commands ping;
    ping.ping(0x7FF0);
    const auto gone = silenceWithSpoofing(s, forged(guesses(kLowPeerIds, 0), ping), 4000);

    CHECK_MESSAGE(s.f.server->hostStats().dropped[kAuthFailed] > before.host,
                  "the server counted no forged datagram in hostStats().dropped[auth_failed]");
    REQUIRE_MESSAGE(gone.has_value(), "the server still held the silent client after 4 s (token timeout 2 s)");
    CHECK(gone->reason == DisconnectReason::Timeout);
}

TEST_CASE("spoofed acknowledgements from a silent client's address do not keep it connected") {
    if (!canSpoof()) return;
    Session s(/*timeoutSeconds=*/2);
    s.warmUp();
    const auto before = authFailuresAtServer(s);

    // ENet's own timeout only fires for a reliable command (such as its keep-alive ping)
    // left unacknowledged. An acknowledgement with sent time 0 is never "from the
    // future", so ENet takes it; the first 128 sequence numbers of the peer's own
    // commands cover every ping of the session's first minute.
    forge::Commands acks;
    for (std::uint16_t sequence = 1; sequence <= 128; ++sequence) acks.acknowledge(forge::kNoChannel, sequence, 0);
    acks.ping(0x7FF0);
    const auto gone = silenceWithSpoofing(s, forged(guesses(kLowPeerIds, 0), acks), 4000);

    CHECK_MESSAGE(s.f.server->hostStats().dropped[kAuthFailed] > before.host,
                  "the server counted no forged datagram in hostStats().dropped[auth_failed]");
    REQUIRE_MESSAGE(gone.has_value(), "the server still held the silent client after 4 s (token timeout 2 s)");
    CHECK(gone->reason == DisconnectReason::Timeout);
}

