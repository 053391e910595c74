#pragma once
/// \file game.hpp
/// What a game gives the engine: its entity types (through a SnapshotCodec), its input
/// type, and one deterministic simulation step. tickwire runs everything else: the fixed
/// tick, input buffering, snapshots, prediction, interpolation and lag compensation.
///
///     struct MyGame {
///         using Codec = SnapshotCodec<Player, Rocket>;      // entity types (snapshot.hpp)
///         using World = Codec::SnapshotType;
///         struct Input {                                   // Cereal, default = idle
///             std::int8_t moveX = 0, moveY = 0;
///             bool fire = false;
///             template <class A> void serialize(A& a) { a(moveX, moveY, fire); }
///         };
///         // A player joined: create its entity, return its id.
///         static EntityId spawn(World& world, std::uint64_t playerId);
///         // A player left.
///         static void despawn(World& world, EntityId entity);
///         // One tick. Deterministic: the client replays it to predict its own player.
///         // `inputs` holds the input of every player for this tick (on the client, only
///         // its own); ctx.predicting is true on the client (do not resolve shots there).
///         static void simulate(World& world, std::span<const PlayerInput<Input>> inputs,
///                              const SimulationContext& ctx);
///         // Optional hooks:
///         static bool relevant(const World&, EntityId viewer, EntityId other);   // area of interest
///         static auto interest(const World&, EntityId viewer);  // the same as one callable
///                                  // bool(const World::Entity&), built once per viewer and
///                                  // snapshot: for many players, where relevant() would
///                                  // look the viewer up again for every other entity;
///                                  // asked once per entity, in ascending id order
///         static float priority(const World&, EntityId viewer, EntityId other);  // > 0, bandwidth share
///         static void hitVolumes(const World&, std::vector<HitVolume>& out);     // lag compensation
///         static World::State blend(const World::State& a, const World::State& b, double t);  // smoothing
///     };
///
/// Shots: inside simulate on the server, `ctx.history->resolveShot(..., input.renderTick,
/// ctx.tick, shooter, ctx.lagCompensation)` resolves against what the shooter saw.

#include <tickwire/engine/lag_compensation.hpp>
#include <tickwire/engine/snapshot.hpp>
#include <tickwire/net/messages.hpp>

#include <concepts>
#include <cstdint>
#include <span>
#include <vector>

namespace tickwire::engine {

/// One player's input for one tick, as the simulation sees it.
template <class Input>
struct PlayerInput {
    EntityId entity = 0;    ///< the player's entity
    Input input{};
    double renderTick = 0;  ///< the (fractional) tick the player was seeing when it sent this input
};

/// Where a simulation step runs.
struct SimulationContext {
    std::uint32_t tick = 0;            ///< the tick being simulated
    bool predicting = false;           ///< true on the client, replaying its own inputs
    HitHistory* history = nullptr;     ///< server only: hit volumes of past ticks
    bool lagCompensation = true;       ///< server: resolve shots at the shooter's render tick
};

template <class G>
concept Game =
    requires { typename G::Codec; typename G::Input; } && net::WireMessage<typename G::Input> &&
    std::default_initializable<typename G::Input> &&
    requires(typename G::Codec::SnapshotType& world, std::span<const PlayerInput<typename G::Input>> inputs,
             const SimulationContext& ctx, std::uint64_t playerId, EntityId entity) {
        { G::spawn(world, playerId) } -> std::same_as<EntityId>;
        G::despawn(world, entity);
        G::simulate(world, inputs, ctx);
    };

template <class G>
concept HasRelevance = requires(const typename G::Codec::SnapshotType& w, EntityId a, EntityId b) {
    { G::relevant(w, a, b) } -> std::convertible_to<bool>;
};
template <class G>
concept HasInterest = requires(const typename G::Codec::SnapshotType& w, EntityId a,
                               const typename G::Codec::SnapshotType::Entity& e) {
    { G::interest(w, a)(e) } -> std::convertible_to<bool>;
};
template <class G>
concept HasPriority = requires(const typename G::Codec::SnapshotType& w, EntityId a, EntityId b) {
    { G::priority(w, a, b) } -> std::convertible_to<float>;
};
template <class G>
concept HasHitVolumes = requires(const typename G::Codec::SnapshotType& w, std::vector<HitVolume>& out) {
    G::hitVolumes(w, out);
};
template <class G>
concept HasBlend = requires(const typename G::Codec::SnapshotType::State& a, double t) {
    { G::blend(a, a, t) } -> std::convertible_to<typename G::Codec::SnapshotType::State>;
};

namespace detail {

/// Message type ids of the session protocol (docs/PROTOCOL.md §7).
inline constexpr std::uint16_t kHello = 1;
inline constexpr std::uint16_t kInput = 2;
inline constexpr std::uint16_t kSnapshot = 3;
inline constexpr std::uint16_t kEvent = 4;
/// Most inputs one Input message may carry.
inline constexpr std::size_t kMaxRedundantInputs = 32;

/// Client -> server, reliable, once after connecting.
struct HelloMessage {
    bool spectator = false;
    template <class A>
    void serialize(A& a) {
        a(spectator);
    }
};

/// Client -> server, unreliable, every client tick: the newest inputs (newest first),
/// the newest snapshot it has (its acknowledgement) and what it is rendering.
template <class Input>
struct InputMessage {
    std::uint32_t ackTick = 0;          ///< newest snapshot tick decoded + 1 (0: none)
    std::uint32_t newestTick = 0;       ///< tick of inputs[0]
    std::uint32_t renderTickQ = 0;      ///< render tick x 16
    std::vector<Input> inputs;          ///< inputs[i] is for newestTick - i
    template <class A>
    void serialize(A& a) {
        a(ackTick, newestTick, renderTickQ, inputs);
    }
};

/// Server -> client: one snapshot packet and the input feedback.
struct SnapshotMessage {
    std::uint32_t tick = 0;             ///< server tick of the snapshot
    std::uint32_t entity = 0;           ///< the client's entity + 1 (0: spectator / none)
    std::int32_t inputLead = 0;         ///< newest input tick received - tick (negative: late)
    std::uint64_t lateInputs = 0;       ///< inputs that arrived after their tick was simulated
    std::uint64_t missingInputs = 0;    ///< ticks simulated without this client's input
    std::vector<std::uint8_t> body;     ///< SnapshotCodec packet
    template <class A>
    void serialize(A& a) {
        a(tick, entity, inputLead, lateInputs, missingInputs, body);
    }
};

/// Either way, reliable: a game event / RPC, opaque to the engine.
struct EventMessage {
    std::vector<std::uint8_t> data;
    template <class A>
    void serialize(A& a) {
        a(data);
    }
};

}  // namespace detail

}  // namespace tickwire::engine
