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
///         static World::State blend(const World::State& a, const World::State& b, double t);  // smoothing:
///                                  // t in [0, 1] interpolates from a to b; t > 1 extrapolates
///                                  // past b (remote entities while snapshots are late)
///     };
///
/// Shots: inside simulate on the server, `ctx.history->resolveShot(..., input.renderTick,
/// ctx.tick, shooter, ctx.lagCompensation)` resolves against what the shooter saw.

#include <tickwire/engine/lag_compensation.hpp>
#include <tickwire/engine/session_protocol.hpp>
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


}  // namespace tickwire::engine
