#pragma once
/// \file client_session.hpp
/// The client side of a Game (game.hpp): clock sync, input sending (the last N inputs in
/// every packet), prediction of the local player with the game's own simulate step,
/// rewind-and-replay on every authoritative snapshot with the visible correction smoothed,
/// and interpolation of everything else from a snapshot buffer at an adaptive delay (and
/// extrapolation past the newest snapshot, up to the configured cap). The client joins
/// only once the server's Welcome agrees with its own schema and rates.

#include <tickwire/engine/clock_sync.hpp>
#include <tickwire/engine/game.hpp>
#include <tickwire/engine/interpolation.hpp>
#include <tickwire/engine/prediction.hpp>
#include <tickwire/engine/snapshot.hpp>
#include <tickwire/net/messages.hpp>
#include <tickwire/net/transport.hpp>

#include <algorithm>
#include <cmath>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace tickwire::engine {

/// Client session configuration. validate() runs in create().
struct ClientSessionConfig {
    net::ClientConfig transport;
    std::uint32_t tickRate = 60;           ///< must equal the server's
    /// What the server sends (its Welcome must say the same, or the client is refused), for
    /// the interpolation delay; 0: whatever the server says (spectators, capture tools).
    std::uint32_t snapshotRate = 30;
    std::uint32_t inputRedundancy = 8;     ///< 1..32 inputs in every input packet
    double smoothingSeconds = 0.1;         ///< 0..2: a prediction correction is blended in over this
    bool spectator = false;                ///< receive snapshots, own no entity
    std::uint32_t snapshotHistory = 64;    ///< decoded snapshots kept as baselines, 2..1024
    InterpolationConfig interpolation;     ///< tickRate/snapshotRate are taken from above
    ClockSyncConfig clock;                 ///< tickRate is taken from above
    SnapshotCodecConfig codec;             ///< must equal the server's

    [[nodiscard]] Result<void> validate() const {
        auto bad = [](const char* text) -> Result<void> { return fail(Error::InvalidConfig, text); };
        if (tickRate < 1 || tickRate > 1000) return bad("tickRate must be 1..1000");
        if (snapshotRate > tickRate) return bad("snapshotRate must be 0..tickRate (0: the server's)");
        if (inputRedundancy < 1 || inputRedundancy > 32) return bad("inputRedundancy must be 1..32");
        if (!(smoothingSeconds >= 0 && smoothingSeconds <= 2)) return bad("smoothingSeconds must be 0..2");
        if (snapshotHistory < 2 || snapshotHistory > 1024) return bad("snapshotHistory must be 2..1024");
        if (auto ok = transport.validate(); !ok) return fail(Error::InvalidConfig, "transport: " + ok.detail());
        return {};
    }
};

/// Client figures.
struct ClientSessionStats {
    std::uint64_t corrections = 0;        ///< authoritative states that differed from the prediction
    double meanCorrectionError = 0;       ///< G::error units (1 per correction without the hook)
    double maxCorrectionError = 0;
    std::uint64_t lateInputs = 0;         ///< as reported by the server
    std::uint64_t missingInputs = 0;      ///< as reported by the server
    double interpolationDelayTicks = 0;
    std::uint64_t renderedFrames = 0;
    std::uint64_t stalls = 0;
    std::uint64_t extrapolations = 0;
    double snapshotBytesPerSecond = 0;
    std::uint32_t baselineAgeTicks = 0;   ///< newest snapshot tick - the baseline it was coded against
    std::uint64_t snapshotsReceived = 0;
    std::uint64_t snapshotsDropped = 0;   ///< snapshot messages or packets dropped (see drops for why)
    std::uint64_t snapshotsSplit = 0;     ///< snapshots that arrived in parts and were put back together
    std::uint64_t snapshotsOnReliable = 0;  ///< snapshot messages that came on the Reliable channel (none should)
    SessionDropStats drops;               ///< every message dropped, by reason
    std::int64_t inputLeadTicks = 0;      ///< last lead the server reported (negative: late)
};

template <Game G>
class ClientSession {
public:
    using World = typename G::Codec::SnapshotType;
    using State = typename World::State;
    using Input = typename G::Input;
    /// Returns the local player's input for a tick (called once per simulated tick).
    using InputSampler = std::function<Input(std::uint32_t tick)>;

    /// Errors: InvalidConfig; Transport (net::Client::create failed, the detail says how).
    [[nodiscard]] static Result<std::unique_ptr<ClientSession>> create(ClientSessionConfig config) {
        if (auto ok = config.validate(); !ok) return fail(ok.failure());
        config.interpolation.tickRate = config.tickRate;
        config.interpolation.snapshotRate = config.snapshotRate == 0 ? config.tickRate : config.snapshotRate;
        config.clock.tickRate = config.tickRate;
        auto timeline = InterpolationTimeline::create(config.interpolation);
        auto clock = ClockSync::create(config.clock);
        if (!timeline || !clock) return fail(Error::InvalidConfig);
        auto client = net::Client::create(config.transport);
        if (!client) return fail(transportFailure(client.failure()));
        return std::unique_ptr<ClientSession>(
            new ClientSession(std::move(config), std::move(*client), std::move(*timeline), std::move(*clock)));
    }

    /// Starts connecting (net::Client::connect).
    [[nodiscard]] net::Result<void> connect() { return client_->connect(); }
    [[nodiscard]] bool connected() const noexcept { return client_->connected(); }
    /// Why the connection ended, once it has (none while connecting or connected). After
    /// this the session receives nothing more; connect() may be called again.
    [[nodiscard]] std::optional<net::DisconnectReason> disconnected() const noexcept { return disconnected_; }
    /// Set when the server and this client disagree on the terms (schema, tick rate,
    /// snapshot rate): which, and a sentence saying so. The session then disconnects.
    [[nodiscard]] const std::optional<SessionRefusal>& refusal() const noexcept { return refusal_; }
    /// The terms this client plays by.
    [[nodiscard]] SessionTerms terms() const noexcept {
        return {G::Codec::schemaHash(), config_.tickRate, config_.snapshotRate};
    }

    /// Services the network, applies snapshots (reconciling the prediction) and simulates
    /// the local player up to the tick the clock calls for, sending inputs. Call it once
    /// per rendered frame: it also advances the interpolation timeline (and counts its
    /// stalls and extrapolations). `nowSeconds`: a monotonic clock.
    void update(double nowSeconds, const InputSampler& sample) {
        client_->update(0);
        if (auto s = client_->stats()) clock_.onRtt(static_cast<double>(s->rttMs) / 1000.0);
        while (auto ev = client_->poll()) onNetEvent(*ev, nowSeconds);
        if (!latest_) return;  // nothing to predict from yet
        if (!lastUpdate_) lastUpdate_ = nowSeconds;
        // The local clock runs at clock-sync's rate; far from the target it jumps there.
        const double target = clock_.targetClientTick(nowSeconds);
        localTick_ += (nowSeconds - *lastUpdate_) * config_.tickRate * clock_.timeScale();
        lastUpdate_ = nowSeconds;
        if (std::abs(localTick_ - target) > 10 || nextTick_ == 0) localTick_ = target;
        // Ticks are never skipped (the server would miss their inputs) unless the client
        // fell hopelessly behind; a client ahead of its target simply waits.
        // The first tick starts a few ticks beyond the target, so the first inputs are not
        // late while clock sync is still measuring; it then slows to the target.
        if (nextTick_ == 0 || static_cast<double>(nextTick_) < target - 2.0 * config_.tickRate) {
            nextTick_ = static_cast<std::uint32_t>(target) + kStartMarginTicks;
            localTick_ = nextTick_;
        }
        renderTick_ = timeline_.sample(nowSeconds);
        int budget = 8;
        while (static_cast<double>(nextTick_) <= localTick_ && budget-- > 0) predictTick(sample);
        client_->flush();
    }

    /// A reliable game event to the server. Errors: NotConnected (also until the server's
    /// Welcome has agreed with this client: the server drops events from a client that has
    /// not joined), MessageTooLarge, QueueFull.
    [[nodiscard]] net::Result<void> sendEvent(std::span<const std::uint8_t> data) {
        if (!agreed_) return fail(net::Error::NotConnected);
        const auto bytes = net::encodeMessage(detail::kEvent, detail::EventMessage{{data.begin(), data.end()}});
        return client_->send(net::Channel::Reliable, bytes);
    }
    /// The next game event from the server, if any.
    [[nodiscard]] std::optional<std::vector<std::uint8_t>> pollEvent() {
        if (gameEvents_.empty()) return std::nullopt;
        auto e = std::move(gameEvents_.front());
        gameEvents_.pop_front();
        return e;
    }

    /// The newest authoritative snapshot (nullptr before the first).
    [[nodiscard]] const World* authoritative() const noexcept { return latest_ ? snapshotAt(*latest_) : nullptr; }
    /// The authoritative world advanced by the local player's unacknowledged inputs.
    [[nodiscard]] const World& predicted() const noexcept { return prediction_.world(); }
    /// The local player's entity (none for spectators and before the first snapshot).
    [[nodiscard]] std::optional<EntityId> controlled() const noexcept { return controlled_; }
    /// The local player's state to draw: the prediction, with a recent correction blended
    /// in over smoothingSeconds when the game provides G::blend.
    [[nodiscard]] std::optional<State> visibleLocal(double nowSeconds) const {
        return prediction_.visible(controlled_, nowSeconds);
    }
    /// Remote entities as they should be drawn at the last update(): interpolated between
    /// two buffered snapshots (G::blend), or the nearer one without the hook. Past the
    /// newest snapshot (late or lost ones) they are extrapolated along the last two, up to
    /// InterpolationConfig::maxExtrapolationTicks beyond it: G::blend is then called with
    /// t > 1.
    [[nodiscard]] World interpolated() const {
        const auto& s = renderTick_;
        World out;
        if (!s.valid) return out;
        const World* from = snapshotAt(s.fromTick);
        const World* to = snapshotAt(s.toTick);
        if (!to) to = from;
        if (!to) return out;
        out.tick = to->tick;
        // The timeline caps alpha at the extrapolation limit; it exceeds 1 only past the
        // newest snapshot.
        const double alpha = std::max(0.0, s.alpha);
        for (const auto& e : to->entities) {
            const State* a = from ? from->find(e.id) : nullptr;
            if constexpr (HasBlend<G>) {
                if (a && a->index() == e.state.index()) {
                    out.entities.push_back({e.id, G::blend(*a, e.state, alpha)});
                    continue;
                }
            }
            out.entities.push_back({e.id, (a && alpha < 0.5) ? *a : e.state});  // no blend: the nearer
        }
        return out;
    }
    /// The tick being rendered (fractional), as sent to the server with every input.
    [[nodiscard]] double renderTick() const noexcept { return renderTick_.renderTick; }
    /// The next tick the client will simulate.
    [[nodiscard]] std::uint32_t clientTick() const noexcept { return nextTick_; }
    [[nodiscard]] const ClockSync& clock() const noexcept { return clock_; }
    [[nodiscard]] net::Client& transport() noexcept { return *client_; }

    [[nodiscard]] ClientSessionStats stats() const {
        ClientSessionStats s = stats_;
        s.meanCorrectionError = stats_.corrections ? errorSum_ / static_cast<double>(stats_.corrections) : 0;
        s.interpolationDelayTicks = timeline_.delayTicks();
        s.renderedFrames = timeline_.stats().frames;
        s.stalls = timeline_.stats().stalls;
        s.extrapolations = timeline_.stats().extrapolations;
        if (firstSnapshotAt_ && lastSnapshotAt_ > *firstSnapshotAt_) {
            s.snapshotBytesPerSecond = static_cast<double>(snapshotBytes_) / (lastSnapshotAt_ - *firstSnapshotAt_);
        }
        return s;
    }

private:
    static constexpr std::uint32_t kStartMarginTicks = 6;
    /// Largest snapshot message accepted, whole or put together from parts.
    static constexpr std::size_t kMaxSnapshotMessage = 16 * 1024 * 1024;

    /// A decoded snapshot and what the codec remembered decoding it.
    struct Received {
        World snapshot;
        std::shared_ptr<const CodecMemory> memory;
    };

    ClientSession(ClientSessionConfig config, std::unique_ptr<net::Client> client, InterpolationTimeline timeline,
                  ClockSync clock)
        : config_(std::move(config)),
          codec_(config_.codec),
          client_(std::move(client)),
          timeline_(std::move(timeline)),
          clock_(std::move(clock)) {}

    const World* snapshotAt(std::uint32_t tick) const {
        const Received* r = receivedAt(tick);
        return r ? &r->snapshot : nullptr;
    }

    const Received* receivedAt(std::uint32_t tick) const {
        for (const auto& r : received_) {
            if (r.snapshot.tick == tick) return &r;
        }
        return nullptr;
    }

    void onNetEvent(const net::Event& ev, double now) {
        if (ev.type == net::Event::Type::Disconnected) {
            disconnected_ = ev.reason;
            return;
        }
        if (ev.type == net::Event::Type::Connected) {
            // The server speaks first (Welcome); the Hello answers it.
            disconnected_.reset();
            refusal_.reset();
            agreed_ = false;
            assembler_.clear();
            return;
        }
        if (ev.type != net::Event::Type::Message) return;
        auto& drops = stats_.drops;
        const detail::ClientRoute route = detail::routeToClient(ev.data, agreed_, drops);
        switch (route) {
            case detail::ClientRoute::Welcome: {
                auto msg = net::decodeMessage<detail::WelcomeMessage>(detail::kWelcome, ev.data);
                if (!msg) {
                    ++drops.undecodable;
                    return;
                }
                const SessionTerms& server = *msg;
                SessionTerms mine = terms();
                if (config_.snapshotRate == 0) mine.snapshotRate = server.snapshotRate;
                if (const auto what = compareTerms(server, mine); what != SessionMismatch::None) {
                    refuse(what, server);
                    return;
                }
                if (config_.snapshotRate == 0 && server.snapshotRate >= 1 && server.snapshotRate <= config_.tickRate) {
                    // Take the server's rate: the interpolation delay is measured in its snapshots.
                    config_.snapshotRate = server.snapshotRate;
                    config_.interpolation.snapshotRate = server.snapshotRate;
                    if (auto timeline = InterpolationTimeline::create(config_.interpolation)) timeline_ = std::move(*timeline);
                }
                agreed_ = true;
                const auto hello = net::encodeMessage(detail::kHello, detail::HelloMessage{config_.spectator, terms()});
                (void)client_->send(net::Channel::Reliable, hello);
                return;
            }
            case detail::ClientRoute::Refused: {
                auto msg = net::decodeMessage<detail::RefusedMessage>(detail::kRefused, ev.data);
                if (!msg || msg->mismatch == 0 || msg->mismatch > static_cast<std::uint8_t>(SessionMismatch::SnapshotRate)) {
                    ++drops.undecodable;
                    return;
                }
                refuse(static_cast<SessionMismatch>(msg->mismatch), msg->terms);
                return;
            }
            case detail::ClientRoute::Event: {
                auto msg = net::decodeMessage<detail::EventMessage>(detail::kEvent, ev.data);
                if (!msg) {
                    ++drops.undecodable;
                    return;
                }
                gameEvents_.push_back(std::move(msg->data));
                return;
            }
            case detail::ClientRoute::Snapshot:
            case detail::ClientRoute::SnapshotPart: break;
            case detail::ClientRoute::Drop: return;  // routeToClient() counted it
        }
        if (ev.channel == net::Channel::Reliable) ++stats_.snapshotsOnReliable;
        net::DecodeLimits limits;
        limits.maxBytes = kMaxSnapshotMessage;
        limits.maxElements = limits.maxBytes;
        if (route == detail::ClientRoute::SnapshotPart) {
            auto part = net::decodeMessage<detail::SnapshotPartMessage>(detail::kSnapshotPart, ev.data, limits);
            if (!part) {
                ++drops.undecodable;
                ++stats_.snapshotsDropped;
                return;
            }
            auto whole = assembler_.add(std::move(*part), latest_, drops);
            if (!whole) return;
            ++stats_.snapshotsSplit;
            auto msg = net::decodeMessage<detail::SnapshotMessage>(detail::kSnapshot, *whole, limits);
            if (!msg) {
                ++drops.undecodable;
                ++stats_.snapshotsDropped;
                return;
            }
            onSnapshot(*msg, whole->size(), now);
            return;
        }
        auto msg = net::decodeMessage<detail::SnapshotMessage>(detail::kSnapshot, ev.data, limits);
        if (!msg) {
            ++drops.undecodable;
            ++stats_.snapshotsDropped;
            return;
        }
        onSnapshot(*msg, ev.data.size(), now);
    }

    /// The server and this client disagree: say why, and leave.
    void refuse(SessionMismatch what, const SessionTerms& server) {
        refusal_ = SessionRefusal{what, server, terms(), describeMismatch(what, server, terms())};
        client_->disconnect(net::DisconnectReason::Requested, 0);
        disconnected_ = net::DisconnectReason::Requested;
    }

    void onSnapshot(detail::SnapshotMessage& msg, std::size_t wireBytes, double now) {
        const auto header = G::Codec::peekHeader(msg.body);
        if (!header) {
            ++stats_.drops.snapshotsUndecodable;
            ++stats_.snapshotsDropped;
            return;
        }
        if (snapshotAt(msg.tick)) {
            ++stats_.drops.snapshotsStale;
            ++stats_.snapshotsDropped;
            return;
        }
        const Received* baseline = header->keyframe ? nullptr : receivedAt(header->baselineTick);
        std::shared_ptr<const CodecMemory> memory;
        auto decoded = codec_.decode(baseline ? &baseline->snapshot : nullptr, msg.body,
                                     {.baselineMemory = baseline ? baseline->memory.get() : nullptr, .memory = &memory});
        if (!decoded) {
            ++stats_.drops.snapshotsUndecodable;
            ++stats_.snapshotsDropped;
            return;
        }
        ++stats_.snapshotsReceived;
        snapshotBytes_ += wireBytes;
        if (!firstSnapshotAt_) firstSnapshotAt_ = now;
        lastSnapshotAt_ = now;
        stats_.baselineAgeTicks = header->keyframe ? 0 : msg.tick - header->baselineTick;
        stats_.lateInputs = msg.lateInputs;
        stats_.missingInputs = msg.missingInputs;
        received_.push_back(Received{std::move(*decoded), std::move(memory)});
        while (received_.size() > config_.snapshotHistory) received_.pop_front();
        if (!header->keyframe) {
            // The server codes against the newest snapshot it knows this end holds, which
            // only moves forward: what the codec remembered of older ones is not needed.
            for (auto& r : received_) {
                if (r.snapshot.tick < header->baselineTick) r.memory.reset();
            }
        }
        if (latest_ && msg.tick <= *latest_) return;  // an older one, kept only as a baseline
        latest_ = msg.tick;
        timeline_.onSnapshot(msg.tick, now);
        clock_.onServerTick(msg.tick, now);
        if (msg.entity != 0) {
            clock_.onInputFeedback(msg.inputLead);
            stats_.inputLeadTicks = msg.inputLead;
        }
        controlled_ = msg.entity ? std::optional<EntityId>(msg.entity - 1) : std::nullopt;
        reconcile(msg.tick, now);
    }

    /// Rebuilds the prediction from the authoritative world of `tick`, counting a correction
    /// when the state predicted for that tick was wrong.
    void reconcile(std::uint32_t tick, double now) {
        const auto error =
            prediction_.reconcile(*snapshotAt(tick), tick, nextTick_, controlled_, renderTick_.renderTick, now);
        if (!error) return;
        ++stats_.corrections;
        errorSum_ += *error;
        stats_.maxCorrectionError = std::max(stats_.maxCorrectionError, *error);
    }

    void predictTick(const InputSampler& sample) {
        const std::uint32_t tick = nextTick_++;
        detail::InputMessage<Input> msg;
        msg.ackTick = latest_ ? *latest_ + 1 : 0;
        msg.newestTick = tick;
        msg.renderTickQ = static_cast<std::uint32_t>(std::max(0.0, renderTick_.renderTick) * 16.0);
        if (config_.spectator || !controlled_) {
            // No inputs, but the acknowledgement keeps this client's snapshots deltas.
            (void)client_->send(net::Channel::Unreliable, net::encodeMessage(detail::kInput, msg));
            return;
        }
        prediction_.predict(tick, sample(tick), *controlled_, renderTick_.renderTick);
        for (std::uint32_t i = 0; i < config_.inputRedundancy && i <= tick; ++i) {
            const Input* input = prediction_.input(tick - i);
            if (!input) break;
            msg.inputs.push_back(*input);
        }
        (void)client_->send(net::Channel::Unreliable, net::encodeMessage(detail::kInput, msg));
    }

    ClientSessionConfig config_;
    typename G::Codec codec_;
    std::unique_ptr<net::Client> client_;
    InterpolationTimeline timeline_;
    ClockSync clock_;
    std::deque<Received> received_;
    std::optional<std::uint32_t> latest_;
    Prediction<G> prediction_{config_.smoothingSeconds};
    std::optional<EntityId> controlled_;
    std::uint32_t nextTick_ = 0;
    double localTick_ = 0;
    std::optional<double> lastUpdate_;
    InterpolationTimeline::Sample renderTick_;
    ClientSessionStats stats_;
    double errorSum_ = 0;
    std::uint64_t snapshotBytes_ = 0;
    std::optional<double> firstSnapshotAt_;
    double lastSnapshotAt_ = 0;
    std::deque<std::vector<std::uint8_t>> gameEvents_;
    std::optional<net::DisconnectReason> disconnected_;
    std::optional<SessionRefusal> refusal_;
    bool agreed_ = false;  // the server's Welcome agreed with this client's terms
    detail::SnapshotAssembler assembler_{kMaxSnapshotMessage};
};

}  // namespace tickwire::engine
