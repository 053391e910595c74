#pragma once
/// \file server_session.hpp
/// The authoritative server loop for a Game (game.hpp) over the secure transport: fixed
/// tick, per-client input buffers, per-client delta snapshots against what each client
/// acknowledged, a bandwidth budget in encoded bytes with a priority accumulator,
/// relevance, reliable events both ways, spectators and lag compensation. Snapshots of any
/// size travel unreliably: one larger than an unreliable message is split into parts
/// (session_protocol.hpp). The first message to every client states the terms (schema
/// hash, tick and snapshot rates); a client that disagrees is refused.

#include <tickwire/engine/bandwidth_budget.hpp>
#include <tickwire/engine/game.hpp>
#include <tickwire/engine/input_buffer.hpp>
#include <tickwire/engine/lag_compensation.hpp>
#include <tickwire/engine/priority.hpp>
#include <tickwire/engine/snapshot.hpp>
#include <tickwire/engine/tick_clock.hpp>
#include <tickwire/engine/tick_times.hpp>
#include <tickwire/net/messages.hpp>
#include <tickwire/net/transport.hpp>

#include <algorithm>
#include <cmath>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tickwire::engine {

/// ServerSessionConfig::maxPlayers without a limit of its own (the transport's maxClients).
inline constexpr std::uint32_t kAnyNumberOfPlayers = 0xFFFFFFFF;

/// Server session configuration. validate() runs in create().
struct ServerSessionConfig {
    net::ServerConfig transport;
    std::uint32_t tickRate = 60;                 ///< 1..1000 Hz
    std::uint32_t snapshotRate = 30;             ///< 1..tickRate Hz; tickRate must be a multiple
    /// Budget per client, bytes/s on the wire: snapshots take up to 98 % of it, counted as
    /// encoded (never estimated) with their datagram overhead, leaving the rest for pings,
    /// acknowledgements and events. Unused allowance is kept for up to budgetBurstSeconds.
    std::size_t bytesPerSecondPerClient = 256 * 1024;
    double budgetBurstSeconds = 0.25;            ///< 0.01..10
    std::uint32_t inputBufferTicks = 64;         ///< 2..4096
    std::uint32_t snapshotHistory = 64;          ///< snapshots kept per client as possible baselines, 2..1024
    std::uint32_t maxCatchUpTicks = 8;           ///< ticks simulated at most per update()
    /// Players in the game at once; a client that says hello as a player beyond them is
    /// disconnected (DisconnectReason::Full) before anything is spawned for it. Spectators
    /// are limited only by the transport's maxClients. 0: spectators only.
    std::uint32_t maxPlayers = kAnyNumberOfPlayers;
    LagCompensationConfig lagCompensation;
    bool lagCompensationEnabled = true;          ///< false: shots resolve at the current tick
    SnapshotCodecConfig codec;

    [[nodiscard]] Result<void> validate() const {
        auto bad = [](const char* text) -> Result<void> { return fail(Error::InvalidConfig, text); };
        if (tickRate < 1 || tickRate > 1000) return bad("tickRate must be 1..1000");
        if (snapshotRate < 1 || snapshotRate > tickRate || tickRate % snapshotRate != 0) {
            return bad("snapshotRate must be 1..tickRate and divide it");
        }
        if (bytesPerSecondPerClient < 1024) return bad("bytesPerSecondPerClient must be at least 1024");
        if (!(budgetBurstSeconds >= 0.01 && budgetBurstSeconds <= 10)) return bad("budgetBurstSeconds must be 0.01..10");
        if (snapshotHistory < 2 || snapshotHistory > 1024) return bad("snapshotHistory must be 2..1024");
        if (auto ok = InputBufferConfig{inputBufferTicks}.validate(); !ok) return ok;
        if (auto ok = lagCompensation.validate(); !ok) return ok;
        if (auto ok = transport.validate(); !ok) return fail(Error::InvalidConfig, "transport: " + ok.detail());
        return {};
    }
};

/// Per-client figures.
struct ServerClientStats {
    std::uint64_t missingInputs = 0;   ///< ticks simulated with the previous input repeated
    std::uint64_t lateInputs = 0;      ///< inputs that arrived after their tick
    std::uint64_t duplicateInputs = 0; ///< redundant copies (expected)
    std::uint64_t snapshotsSent = 0;
    std::uint64_t snapshotBytes = 0;   ///< snapshot messages, with their parts' headers
    std::uint64_t snapshotWireBytes = 0;  ///< what the budget counted: messages with datagram overhead
    std::uint64_t snapshotsSplit = 0;  ///< snapshots sent as several parts
    std::uint64_t snapshotParts = 0;   ///< parts sent
    double snapshotBytesPerSecond = 0;
    std::uint32_t baselineAgeTicks = 0; ///< age of the baseline the last snapshot used (0: keyframe)
    std::uint64_t keyframes = 0;
    std::uint64_t budgetLimited = 0;   ///< snapshots that left entities out for the budget
    std::uint64_t budgetDeferred = 0;  ///< snapshot turns skipped: even the smallest snapshot exceeded the allowance
};

/// Server-wide figures.
struct ServerSessionStats {
    SessionDropStats drops;            ///< every message dropped, by reason
    std::uint64_t refused = 0;         ///< clients refused for disagreeing terms
    std::uint64_t full = 0;            ///< players turned away by maxPlayers
    std::uint64_t snapshotsUnsent = 0; ///< snapshots the codec or the transport refused (QueueFull...)
};

/// What the game hears from the session.
template <class G>
struct ServerSessionEvent {
    enum class Type { Joined, Left, Message };
    Type type = Type::Joined;
    net::ConnectionId client;
    std::uint64_t playerId = 0;             ///< the token's player id
    std::optional<EntityId> entity;         ///< Joined/Left: the player's entity (none: spectator)
    net::DisconnectReason reason = net::DisconnectReason::Unknown;  ///< Left
    std::vector<std::uint8_t> data;         ///< Message: a game event sent by the client
};

template <Game G>
class ServerSession {
public:
    using World = typename G::Codec::SnapshotType;
    using Input = typename G::Input;
    using Event = ServerSessionEvent<G>;

    /// Errors: InvalidConfig; Transport (net::Server::create failed, the detail says how).
    [[nodiscard]] static Result<std::unique_ptr<ServerSession>> create(ServerSessionConfig config) {
        if (auto ok = config.validate(); !ok) return fail(ok.failure());
        auto clock = TickClock::create({.tickRate = config.tickRate, .maxCatchUpTicks = config.maxCatchUpTicks});
        auto history = HitHistory::create(config.lagCompensation);
        auto inputs = InputBuffer<Buffered>::create({config.inputBufferTicks});
        if (!clock) return fail(clock.failure());
        if (!history) return fail(history.failure());
        if (!inputs) return fail(inputs.failure());
        auto server = net::Server::create(config.transport);
        if (!server) return fail(transportFailure(server.failure()));
        return std::unique_ptr<ServerSession>(
            new ServerSession(std::move(config), std::move(*server), std::move(*clock), std::move(*history),
                              std::move(*inputs)));
    }

    /// Services the network and simulates as many ticks as `nowMicros` (a monotonic clock,
    /// injected) calls for, sending snapshots at the snapshot rate. Records the wall time
    /// it took per tick in tickTimes(), read from the steady clock: nothing the session
    /// decides depends on it.
    void update(std::uint64_t nowMicros) {
        const std::uint64_t began = TickClock::steadyMicros();
        service();
        const std::uint32_t ticks = clock_.advance(nowMicros);
        for (std::uint32_t i = 0; i < ticks; ++i) step();
        server_->flush();
        tickTimes_.recordUpdate(ticks, TickClock::steadyMicros() - began, ticks > 0 && playerCount() > 0);
    }

    /// Sends what is queued and takes in what arrived (joins, leaves, inputs, events for
    /// poll()) without simulating: for a caller that drives the ticks itself with step().
    void service() {
        server_->update(0);
        handleNetwork();
    }

    /// Called after every simulated tick with the world of that tick, before its snapshots
    /// are sent (a recorder, a metrics sampler...). One observer; an empty function removes it.
    void onTick(std::function<void(const World&)> observer) { tickObserver_ = std::move(observer); }

    /// The terms this server plays by, as its Welcome states them.
    [[nodiscard]] SessionTerms terms() const noexcept {
        return {G::Codec::schemaHash(), config_.tickRate, config_.snapshotRate};
    }

    /// Server-wide figures: dropped messages, refused clients.
    [[nodiscard]] const ServerSessionStats& sessionStats() const noexcept { return sessionStats_; }
    /// Wall time update() took per tick (tick_times.hpp): over the run, for a recent
    /// window the caller restarts, and for the last update.
    [[nodiscard]] TickTimes& tickTimes() noexcept { return tickTimes_; }
    [[nodiscard]] const TickTimes& tickTimes() const noexcept { return tickTimes_; }

    /// Simulates exactly one tick now (tests and tools that drive time themselves).
    void step() {
        const std::uint32_t tick = tick_;
        inputs_.clear();
        for (auto& [id, c] : clients_) {
            if (!c.entity) continue;
            // Until its first input arrives (or for ticks before the first it sent) a player
            // idles; from then on a tick without its input repeats the last and is counted.
            if (!c.firstInputTick || tick < *c.firstInputTick) {
                inputs_.push_back(PlayerInput<Input>{*c.entity, Input{}, 0.0});
                continue;
            }
            const Buffered b = c.inputs->take(tick);
            inputs_.push_back(PlayerInput<Input>{*c.entity, b.input, b.renderTick});
        }
        const SimulationContext ctx{tick, false, &history_, config_.lagCompensationEnabled};
        G::simulate(world_, std::span<const PlayerInput<Input>>(inputs_), ctx);
        world_.tick = tick;
        if constexpr (HasHitVolumes<G>) {
            volumes_.clear();
            G::hitVolumes(world_, volumes_);
            history_.record(tick, volumes_);
        }
        ++tick_;
        if (tickObserver_) tickObserver_(world_);
        sendSnapshots(tick);
    }

    [[nodiscard]] std::optional<Event> poll() {
        if (events_.empty()) return std::nullopt;
        Event e = std::move(events_.front());
        events_.pop_front();
        return e;
    }

    /// A reliable game event to one client. Errors: NotConnected, MessageTooLarge, QueueFull.
    [[nodiscard]] net::Result<void> sendEvent(net::ConnectionId client, std::span<const std::uint8_t> data) {
        const auto bytes = net::encodeMessage(detail::kEvent, detail::EventMessage{{data.begin(), data.end()}});
        return server_->send(client, net::Channel::Reliable, bytes);
    }

    /// The authoritative world; the game may change it between updates (spawn NPCs...).
    [[nodiscard]] World& world() noexcept { return world_; }
    /// The next tick to simulate.
    [[nodiscard]] std::uint32_t tick() const noexcept { return tick_; }
    [[nodiscard]] net::Server& transport() noexcept { return *server_; }
    /// The tick clock: alpha() says how far into the next tick wall time is (to sleep until
    /// it is due), droppedTicks() how many ticks a stalled process could not catch up.
    [[nodiscard]] const TickClock& clock() const noexcept { return clock_; }
    [[nodiscard]] const HitHistory& hitHistory() const noexcept { return history_; }
    /// Errors: NotConnected.
    [[nodiscard]] net::Result<ServerClientStats> stats(net::ConnectionId client) const {
        const auto it = clients_.find(client.value);
        if (it == clients_.end()) return fail(net::Error::NotConnected);
        ServerClientStats s = it->second.stats;
        const auto& in = it->second.inputs->stats();
        s.missingInputs = in.missing;
        s.lateInputs = in.late;
        s.duplicateInputs = in.duplicates;
        const double seconds = static_cast<double>(std::max<std::uint32_t>(1, tick_ - it->second.joinedTick)) /
                               config_.tickRate;
        s.snapshotBytesPerSecond = static_cast<double>(s.snapshotBytes) / seconds;
        return s;
    }

private:

    struct Buffered {
        Input input{};
        double renderTick = 0;
    };

    struct Sent {
        World snapshot;
        std::shared_ptr<const CodecMemory> memory;
    };

    struct ClientState {
        net::ConnectionId id;
        std::uint64_t playerId = 0;
        std::optional<EntityId> entity;
        bool hello = false;
        std::optional<std::uint32_t> firstInputTick;  // the oldest tick of the first input packet
        std::unique_ptr<InputBuffer<Buffered>> inputs;
        std::deque<Sent> sent;           // what this client was sent, with what the codec remembered
        std::optional<std::uint32_t> acked;
        PriorityAccumulator priorities;
        std::optional<detail::BandwidthBudget> budget;
        ServerClientStats stats;
        std::uint32_t joinedTick = 0;
        std::uint32_t phase = 0;  // which of the ticks between two snapshots is this client's
    };

    ServerSession(ServerSessionConfig config, std::unique_ptr<net::Server> server, TickClock clock, HitHistory history,
                  InputBuffer<Buffered> emptyInputs)
        : config_(std::move(config)),
          codec_(config_.codec),
          server_(std::move(server)),
          clock_(std::move(clock)),
          history_(std::move(history)),
          emptyInputs_(std::move(emptyInputs)) {}

    [[nodiscard]] std::size_t playerCount() const noexcept {
        return static_cast<std::size_t>(
            std::count_if(clients_.begin(), clients_.end(), [](const auto& c) { return c.second.entity.has_value(); }));
    }

    void handleNetwork() {
        while (auto ev = server_->poll()) {
            switch (ev->type) {
                case net::Event::Type::Connected: {
                    ClientState c;
                    c.id = ev->client;
                    c.playerId = ev->playerId;
                    c.inputs = std::make_unique<InputBuffer<Buffered>>(emptyInputs_);
                    c.joinedTick = tick_;
                    c.phase = nextPhase_++;
                    // 2 % is left for what else reaches the client: ENet's pings and
                    // acknowledgements, reliable events.
                    c.budget.emplace(static_cast<double>(config_.bytesPerSecondPerClient) * 0.98,
                                     config_.budgetBurstSeconds);
                    clients_.emplace(ev->client.value, std::move(c));
                    (void)server_->send(ev->client, net::Channel::Reliable,
                                        net::encodeMessage(detail::kWelcome, detail::WelcomeMessage{terms()}));
                    break;
                }
                case net::Event::Type::Disconnected: {
                    const auto it = clients_.find(ev->client.value);
                    if (it == clients_.end()) break;
                    if (it->second.hello) {
                        if (it->second.entity) G::despawn(world_, *it->second.entity);
                        events_.push_back(Event{Event::Type::Left, ev->client, it->second.playerId, it->second.entity,
                                                ev->reason, {}});
                    }
                    clients_.erase(it);
                    break;
                }
                case net::Event::Type::Message: onMessage(ev->client, ev->data); break;
            }
        }
    }

    void onMessage(net::ConnectionId from, std::span<const std::uint8_t> bytes) {
        auto& drops = sessionStats_.drops;
        const auto it = clients_.find(from.value);
        if (it == clients_.end()) {
            ++drops.unknownSender;
            return;
        }
        ClientState& c = it->second;
        const detail::ServerRoute route = detail::routeToServer(bytes, c.hello, drops);
        if (route == detail::ServerRoute::Input) {
            net::DecodeLimits limits;
            limits.maxElements = detail::kMaxRedundantInputs;
            auto msg = net::decodeMessage<detail::InputMessage<Input>>(detail::kInput, bytes, limits);
            if (!msg) {
                ++drops.undecodable;
                return;
            }
            if (msg->ackTick != 0) {
                const std::uint32_t ack = msg->ackTick - 1;
                if (!c.acked || ack > *c.acked) {
                    c.acked = ack;
                    // Deltas are coded against the newest acknowledged snapshot only, so
                    // older ones (and the codec memories kept with them, the larger part)
                    // are never needed again.
                    while (!c.sent.empty() && c.sent.front().snapshot.tick < ack) c.sent.pop_front();
                }
            }
            const double render = static_cast<double>(msg->renderTickQ) / 16.0;
            for (std::size_t i = 0; i < msg->inputs.size() && i <= msg->newestTick; ++i) {
                c.inputs->add(msg->newestTick - static_cast<std::uint32_t>(i), Buffered{msg->inputs[i], render});
            }
            if (!c.firstInputTick && !msg->inputs.empty()) {
                c.firstInputTick = msg->newestTick - static_cast<std::uint32_t>(
                                                         std::min<std::size_t>(msg->inputs.size() - 1, msg->newestTick));
            }
        } else if (route == detail::ServerRoute::Hello) {
            auto msg = net::decodeMessage<detail::HelloMessage>(detail::kHello, bytes);
            if (!msg) {
                ++drops.undecodable;
                return;
            }
            const SessionTerms mine = terms();
            if (const auto mismatch = compareTerms(mine, msg->terms); mismatch != SessionMismatch::None) {
                // Said before the disconnect: the client learns which term differs.
                ++sessionStats_.refused;
                (void)server_->send(from, net::Channel::Reliable,
                                    net::encodeMessage(detail::kRefused,
                                                       detail::RefusedMessage{static_cast<std::uint8_t>(mismatch), mine}));
                server_->flush();
                (void)server_->disconnect(from, net::DisconnectReason::Kicked);
                return;
            }
            if (!msg->spectator && playerCount() >= config_.maxPlayers) {
                ++sessionStats_.full;
                (void)server_->disconnect(from, net::DisconnectReason::Full);
                return;
            }
            c.hello = true;
            if (!msg->spectator) c.entity = G::spawn(world_, c.playerId);
            events_.push_back(Event{Event::Type::Joined, from, c.playerId, c.entity, {}, {}});
        } else if (route == detail::ServerRoute::Event) {
            auto msg = net::decodeMessage<detail::EventMessage>(detail::kEvent, bytes);
            if (!msg) {
                ++drops.undecodable;
                return;
            }
            events_.push_back(Event{Event::Type::Message, from, c.playerId, c.entity, {}, std::move(msg->data)});
        }
        // ServerRoute::Drop: routeToServer() counted it.
    }

    /// What this client may see: the relevance hook decides (spectators see everything).
    World viewFor(const ClientState& c) const {
        World view;
        view.tick = world_.tick;
        view.entities.reserve(c.sent.empty() ? 16 : c.sent.back().snapshot.entities.size() + 8);
        if constexpr (HasInterest<G>) {
            if (c.entity) {
                auto wanted = G::interest(world_, *c.entity);  // asked once per entity, in id order
                for (const auto& e : world_.entities) {
                    if (e.id == *c.entity || wanted(e)) view.entities.push_back(e);
                }
                return view;
            }
        } else if constexpr (HasRelevance<G>) {
            if (c.entity) {
                for (const auto& e : world_.entities) {
                    if (e.id == *c.entity || G::relevant(world_, *c.entity, e.id)) view.entities.push_back(e);
                }
                return view;
            }
        }
        view.entities = world_.entities;
        return view;
    }

    const Sent* sentAt(const ClientState& c, std::uint32_t tick) const {
        for (const auto& s : c.sent) {
            if (s.snapshot.tick == tick) return &s;
        }
        return nullptr;
    }

    /// Keeps the snapshot within `bitsAllowed`, from what each entity of the full view cost
    /// in its encoding (`bits`). Each entity is shown to this client as it was in the last
    /// snapshot sent to it (so nothing ever goes back in time), and entities whose current
    /// state differs from that compete by accumulated priority for the bits left once the
    /// entities that must be coded anyway are paid for.
    World limitToBudget(ClientState& c, const World& view, const World* baseline, const std::vector<std::uint32_t>& bits,
                        std::size_t bitsAllowed) {
        const World* previous = c.sent.empty() ? nullptr : &c.sent.back().snapshot;
        std::vector<PriorityCandidate> candidates;
        std::size_t committed = 0;
        for (std::size_t i = 0; i < view.entities.size(); ++i) {
            const auto& e = view.entities[i];
            const std::size_t cost = i < bits.size() ? bits[i] : 8;
            const auto* shown = previous ? previous->find(e.id) : nullptr;
            const auto* base = baseline ? baseline->find(e.id) : nullptr;
            if (shown && *shown == e.state) {
                committed += cost;  // goes as it is
                continue;
            }
            // Left out, it is shown as before: as cheap as "same" when the client has that
            // state already, else about what its change costs now.
            if (shown) committed += (base && *base == *shown) ? 1 : cost;
            float priority = 1.0f;
            if constexpr (HasPriority<G>) {
                if (c.entity) priority = G::priority(world_, *c.entity, e.id);
            }
            if (c.entity && e.id == *c.entity) priority = 1e6f;  // a player always gets itself
            candidates.push_back({e.id, priority, cost});
        }
        const std::size_t left = bitsAllowed > committed ? bitsAllowed - committed : 0;
        const auto picked = c.priorities.select(candidates, left);
        World limited;
        limited.tick = view.tick;
        for (const auto& e : view.entities) {
            const auto* shown = previous ? previous->find(e.id) : nullptr;
            if ((shown && *shown == e.state) || std::binary_search(picked.begin(), picked.end(), e.id)) {
                limited.entities.push_back(e);
            } else if (shown) {
                limited.entities.push_back({e.id, *shown});
            }
        }
        return limited;
    }

    /// One client's snapshot: encoded, wrapped, and its cost on the wire (whole or split).
    struct Packed {
        World view;
        std::shared_ptr<const CodecMemory> memory;
        std::vector<std::vector<std::uint8_t>> messages;  // one whole message, or its parts
        std::size_t bytes = 0;                             // the messages
        std::size_t wireBytes = 0;                         // with their datagram overhead
        bool split = false;
    };

    std::optional<Packed> pack(const ClientState& c, World view, const Sent* acked, std::vector<std::uint32_t>* bits) {
        Packed p;
        auto body = codec_.encode(acked ? &acked->snapshot : nullptr, view,
                                  {.baselineMemory = acked ? acked->memory.get() : nullptr, .memory = &p.memory,
                                   .entityBits = bits});
        if (!body) return std::nullopt;
        detail::SnapshotMessage msg;
        msg.tick = view.tick;
        msg.entity = c.entity ? *c.entity + 1 : 0;
        const auto newest = c.inputs->newestTick();
        msg.inputLead = newest ? static_cast<std::int32_t>(static_cast<std::int64_t>(*newest) - view.tick) : 0;
        msg.lateInputs = c.inputs->stats().late;
        msg.missingInputs = c.inputs->stats().missing;
        msg.body = std::move(*body);
        auto whole = net::encodeMessage(detail::kSnapshot, msg);
        // What one unreliable message may hold is the transport's to say.
        const std::size_t limit = config_.transport.limits.maxUnreliableMessage;
        if (whole.size() <= limit) {
            p.messages.push_back(std::move(whole));
        } else {
            p.messages = detail::splitSnapshot(view.tick, whole, limit);
            if (p.messages.empty()) return std::nullopt;
            p.split = true;
        }
        for (const auto& m : p.messages) {
            p.bytes += m.size();
            p.wireBytes += detail::unreliableWireBytes(m.size());
        }
        p.view = std::move(view);
        return p;
    }

    /// Snapshots to the clients whose turn it is at `tick`: each client gets one every
    /// tickRate/snapshotRate ticks, and clients are spread over those ticks by their phase
    /// so that the encoding work is shared out evenly rather than landing on one tick.
    void sendSnapshots(std::uint32_t tick) {
        const std::uint32_t interval = config_.tickRate / config_.snapshotRate;
        for (auto& [id, c] : clients_) {
            c.budget->refill(1.0 / config_.tickRate);
            if (!c.hello || (tick + c.phase) % interval != 0) continue;
            const Sent* acked = c.acked ? sentAt(c, *c.acked) : nullptr;
            const World* baseline = acked ? &acked->snapshot : nullptr;
            World view = viewFor(c);
            std::vector<std::uint32_t> bits;
            auto packed = pack(c, view, acked, &bits);
            if (!packed) {
                ++sessionStats_.snapshotsUnsent;
                continue;
            }
            const std::size_t allowed = c.budget->available();
            if (packed->wireBytes > allowed) {
                // Over the allowance: the entities that matter most, within what it allows,
                // as the full encoding priced them; then tighter, should the estimate miss.
                ++c.stats.budgetLimited;
                double share = 1.0;
                for (int attempt = 0; attempt < 4 && packed && packed->wireBytes > allowed; ++attempt) {
                    const double target = static_cast<double>(allowed) * share;
                    const std::size_t overhead = packed->wireBytes - packed->bytes + 32;  // headers, message fields
                    const std::size_t bitsAllowed =
                        target > static_cast<double>(overhead) ? static_cast<std::size_t>(target - overhead) * 8 : 0;
                    packed = pack(c, limitToBudget(c, view, baseline, bits, bitsAllowed), acked, nullptr);
                    share *= 0.75;
                }
                if (!packed || packed->wireBytes > allowed) {
                    ++c.stats.budgetDeferred;  // the allowance grows until it fits
                    continue;
                }
            } else {
                for (const auto& e : view.entities) c.priorities.forget(e.id);
            }
            bool queued = true;
            for (const auto& m : packed->messages) {
                const auto channel = packed->split ? net::Channel::Unreliable : net::Channel::Sequenced;
                queued = queued && server_->send(c.id, channel, m).has_value();
            }
            if (!queued) {
                ++sessionStats_.snapshotsUnsent;
                continue;
            }
            c.budget->spend(packed->wireBytes);
            ++c.stats.snapshotsSent;
            c.stats.snapshotBytes += packed->bytes;
            c.stats.snapshotWireBytes += packed->wireBytes;
            if (packed->split) {
                ++c.stats.snapshotsSplit;
                c.stats.snapshotParts += packed->messages.size();
            }
            c.stats.baselineAgeTicks = baseline ? packed->view.tick - baseline->tick : 0;
            if (!baseline) ++c.stats.keyframes;
            c.sent.push_back(Sent{std::move(packed->view), std::move(packed->memory)});
            while (c.sent.size() > config_.snapshotHistory) c.sent.pop_front();
        }
    }

    ServerSessionConfig config_;
    typename G::Codec codec_;
    std::unique_ptr<net::Server> server_;
    TickClock clock_;
    HitHistory history_;
    InputBuffer<Buffered> emptyInputs_;  // each client's input buffer starts as a copy
    World world_;
    std::uint32_t tick_ = 0;
    std::map<std::uint64_t, ClientState> clients_;
    std::deque<Event> events_;
    std::vector<PlayerInput<Input>> inputs_;
    std::vector<HitVolume> volumes_;
    std::uint32_t nextPhase_ = 0;
    std::function<void(const World&)> tickObserver_;
    ServerSessionStats sessionStats_;
    TickTimes tickTimes_;
};

}  // namespace tickwire::engine
