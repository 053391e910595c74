#pragma once
/// \file prediction.hpp
/// Client prediction of the local player. Each tick's input is simulated at once with the
/// game's own simulate step, so the player answers without waiting a round trip, and is
/// kept. Each authoritative snapshot rewinds the prediction to the server's world of its
/// tick and replays the kept inputs of the ticks after it. Where the state predicted for
/// that tick differs from the server's, the difference is a correction: counted, and drawn
/// blended in over a short time (with G::blend) rather than as a jump. ClientSession runs
/// one; it knows only worlds, inputs, ticks and injected times.

#include <tickwire/engine/game.hpp>

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>

namespace tickwire::engine {

/// A game that measures how far apart two states are (prediction error, in its own units).
template <class G>
concept HasError = requires(const typename G::Codec::SnapshotType::State& a) {
    { G::error(a, a) } -> std::convertible_to<double>;
};

/// The predicted world of one client and the inputs it was predicted from. Not thread-safe.
template <Game G>
class Prediction {
public:
    using World = typename G::Codec::SnapshotType;
    using State = typename World::State;
    using Input = typename G::Input;

    /// Ticks of inputs and predicted states kept; older ones are forgotten.
    static constexpr std::size_t kHistoryTicks = 256;

    /// `smoothingSeconds` (0..2): a correction is blended in over this; 0 shows it at once.
    explicit Prediction(double smoothingSeconds) : smoothingSeconds_(smoothingSeconds) {}

    /// Keeps `input` as the local player's (`entity`) for `tick` and simulates it on the
    /// predicted world. `renderTick`: the tick the player was looking at.
    void predict(std::uint32_t tick, const Input& input, EntityId entity, double renderTick) {
        inputs_[tick] = input;
        while (inputs_.size() > kHistoryTicks) inputs_.erase(inputs_.begin());
        while (states_.size() > kHistoryTicks) states_.erase(states_.begin());
        simulate(tick, input, entity, renderTick);
    }

    /// The input kept for `tick`; nullptr when none was predicted or it was forgotten.
    [[nodiscard]] const Input* input(std::uint32_t tick) const {
        const auto it = inputs_.find(tick);
        return it == inputs_.end() ? nullptr : &it->second;
    }

    /// Rewinds to `auth`, the server's world of `tick`, and replays the kept inputs of the
    /// ticks after it, up to `nextTick` (not included), for the local player `entity` (none:
    /// a spectator, nothing is predicted). `renderTick` and `nowSeconds` as for predict() and
    /// visible(). Returns the prediction error (G::error, 1 without the hook) when the state
    /// predicted for `tick` differed from the server's, nothing when it was right or there
    /// was no prediction to compare.
    std::optional<double> reconcile(const World& auth, std::uint32_t tick, std::uint32_t nextTick,
                                    std::optional<EntityId> entity, double renderTick, double nowSeconds) {
        std::optional<State> before;
        std::optional<double> error;
        // What is on screen now, which may itself be mid-way through an earlier correction:
        // a correction found below is blended in from here.
        const std::optional<State> drawn = visible(entity, nowSeconds);
        if (entity) {
            if (const State* p = world_.find(*entity)) before = *p;
            const State* truth = auth.find(*entity);
            const auto it = states_.find(tick);
            if (truth && it != states_.end() && !(it->second == *truth)) {
                error = 1.0;
                if constexpr (HasError<G>) error = G::error(it->second, *truth);
            }
        }
        world_ = auth;
        states_.erase(states_.begin(), states_.upper_bound(tick));
        if (entity) {
            for (std::uint32_t t = tick + 1; t < nextTick; ++t) {
                if (const Input* in = input(t)) simulate(t, *in, *entity, renderTick);
            }
        }
        if (entity && before) {
            const State* after = world_.find(*entity);
            if (after && !(*after == *before)) {
                correctedFrom_ = drawn.value_or(*before);
                correctedAt_ = nowSeconds;
            }
        }
        return error;
    }

    /// The authoritative world advanced by the local player's inputs not yet acknowledged.
    [[nodiscard]] const World& world() const noexcept { return world_; }

    /// The local player's state to draw at `nowSeconds`: the prediction, with a recent
    /// correction blended in over smoothingSeconds when the game provides G::blend.
    [[nodiscard]] std::optional<State> visible(std::optional<EntityId> entity, double nowSeconds) const {
        if (!entity) return std::nullopt;
        const State* now = world_.find(*entity);
        if (!now) return std::nullopt;
        if constexpr (HasBlend<G>) {
            if (correctedFrom_ && smoothingSeconds_ > 0) {
                const double t = (nowSeconds - correctedAt_) / smoothingSeconds_;
                if (t < 1) return G::blend(*correctedFrom_, *now, std::max(0.0, t));
            }
        }
        return *now;
    }

private:
    void simulate(std::uint32_t tick, const Input& input, EntityId entity, double renderTick) {
        const PlayerInput<Input> mine{entity, input, renderTick};
        const SimulationContext ctx{tick, true, nullptr, false};
        G::simulate(world_, std::span<const PlayerInput<Input>>(&mine, 1), ctx);
        world_.tick = tick;
        if (const State* s = world_.find(entity)) states_[tick] = *s;
    }

    double smoothingSeconds_;
    World world_;
    std::map<std::uint32_t, Input> inputs_;
    std::map<std::uint32_t, State> states_;  // the local player's predicted state, by tick
    std::optional<State> correctedFrom_;
    double correctedAt_ = 0;
};

}  // namespace tickwire::engine
