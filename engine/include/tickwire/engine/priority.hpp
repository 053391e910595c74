#pragma once
/// \file priority.hpp
/// Bandwidth budget with a priority accumulator: when a client's snapshot cannot carry
/// every changed entity, the ones left out gain priority until they are sent, so no
/// entity starves and important ones (the game's priority hook) go first.

#include <tickwire/engine/field.hpp>

#include <algorithm>
#include <cstdint>
#include <span>
#include <unordered_map>
#include <vector>

namespace tickwire::engine {

/// One entity that could go into a snapshot.
struct PriorityCandidate {
    std::uint32_t id = 0;          ///< EntityId
    float priority = 1.0f;         ///< > 0: gained per snapshot while waiting (e.g. higher when near the viewer)
    std::size_t bytes = 0;         ///< estimated cost of sending it now
};

/// Per-client accumulated priorities. Bounded by the number of entities it has seen;
/// forget() removes one that no longer exists.
class PriorityAccumulator {
public:
    /// Adds each candidate's priority to what it accumulated, then picks candidates in
    /// descending accumulated priority (ties: lower id) while their bytes fit `budgetBytes`
    /// (a candidate that does not fit is skipped; smaller ones after it may still fit).
    /// The first candidate is always picked, so a tiny budget still makes progress.
    /// Picked candidates restart at zero. Returns the picked ids in ascending order.
    std::vector<std::uint32_t> select(std::span<const PriorityCandidate> candidates, std::size_t budgetBytes) {
        order_.clear();
        for (const auto& c : candidates) {
            float& acc = accumulated_[c.id];
            acc += c.priority > 0 ? c.priority : 0.0f;
            order_.push_back({acc, &c, &acc});  // unordered_map references stay valid
        }
        std::sort(order_.begin(), order_.end(), [](const Ranked& a, const Ranked& b) {
            return a.priority != b.priority ? a.priority > b.priority : a.candidate->id < b.candidate->id;
        });
        std::vector<std::uint32_t> picked;
        std::size_t spent = 0;
        for (const Ranked& r : order_) {
            const bool first = picked.empty();
            if (!first && spent + r.candidate->bytes > budgetBytes) continue;
            spent += r.candidate->bytes;
            picked.push_back(r.candidate->id);
            *r.slot = 0;
        }
        std::sort(picked.begin(), picked.end());
        return picked;
    }

    /// Drops an entity's accumulated priority (it was removed from the world).
    void forget(std::uint32_t id) { accumulated_.erase(id); }
    /// What an entity has accumulated (0 when unknown).
    [[nodiscard]] float accumulated(std::uint32_t id) const {
        const auto it = accumulated_.find(id);
        return it == accumulated_.end() ? 0.0f : it->second;
    }

private:
    struct Ranked {
        float priority;
        const PriorityCandidate* candidate;
        float* slot;  // its entry in accumulated_
    };
    std::unordered_map<std::uint32_t, float> accumulated_;
    std::vector<Ranked> order_;
};

}  // namespace tickwire::engine
