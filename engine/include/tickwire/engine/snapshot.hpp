#pragma once
/// \file snapshot.hpp
/// Snapshots of the game world and the delta codec that sends them.
///
/// A game declares its entity types as ordinary structs whose members are quantized types
/// (quantize.hpp) or plain bools and integers, with a Cereal `serialize`:
///
///     struct Player {
///         BoundedVec3<FloatRange{-256.0, 256.0, 0.01}> position;
///         Angle<10> yaw;
///         BoundedInt<0, 100> health;
///         bool firing = false;
///         template <class A> void serialize(A& a) { a(position, yaw, health, firing); }
///         friend bool operator==(const Player&, const Player&) = default;
///     };
///     SnapshotCodec<Player, Projectile> codec;
///     auto bytes = codec.encode(&acked, current);    // or nullptr: a keyframe
///     auto world = codec.decode(&acked, *bytes);     // on the client, same baseline
///
/// No per-game encoder code is needed: the codec reads each type's fields through Cereal
/// and hands them, as flat lists of integers, to its compiled core (engine/src). Entity
/// layouts must be fixed (no containers). Encoding against a baseline sends entity
/// removals, additions (in full), and for every kept entity only the fields that differ
/// from their prediction, as signed deltas whose size class is modelled adaptively, through
/// a binary range coder (or bit-packed, when `entropyCoding` is off).
///
/// Prediction needs no game code: what the codec remembers of a baseline (CodecMemory,
/// kept with it by both ends) holds how every field moved over the baselines before it,
/// so that motion under physics costs only its surprise. Smallest-three rotations are
/// predicted and coded as rotations, relative to the baseline's largest component.
/// Keeping the memory:
///
///     std::shared_ptr<const CodecMemory> memory;          // kept with `current`
///     auto bytes = codec.encode(&acked, current, {.baselineMemory = ackedMemory.get(),
///                                                 .memory = &memory});
///     auto world = codec.decode(&acked, *bytes, {.baselineMemory = myAckedMemory.get(),
///                                                .memory = &myMemory});
///
/// Wire format: docs/PROTOCOL.md, "Snapshot packets".

#include <tickwire/engine/detail/field_archive.hpp>
#include <tickwire/engine/detail/snapshot_core.hpp>
#include <tickwire/engine/field.hpp>
#include <tickwire/engine/snapshot_options.hpp>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <variant>
#include <vector>

namespace tickwire::engine {

/// The world at one tick: entities in ascending id order, each with its state.
template <class... Types>
struct Snapshot {
    using State = std::variant<Types...>;
    struct Entity {
        EntityId id = 0;
        State state;
        friend bool operator==(const Entity&, const Entity&) = default;
    };

    std::uint32_t tick = 0;
    /// Sorted by id, ids unique (set() keeps it so; encode() checks it).
    std::vector<Entity> entities;

    /// Adds or replaces the entity with this id, keeping the order.
    void set(EntityId id, State state) {
        auto it = std::lower_bound(entities.begin(), entities.end(), id,
                                   [](const Entity& e, EntityId v) { return e.id < v; });
        if (it != entities.end() && it->id == id) {
            it->state = std::move(state);
        } else {
            entities.insert(it, Entity{id, std::move(state)});
        }
    }
    /// Removes the entity; false when there was none.
    bool remove(EntityId id) {
        auto it = std::lower_bound(entities.begin(), entities.end(), id,
                                   [](const Entity& e, EntityId v) { return e.id < v; });
        if (it == entities.end() || it->id != id) return false;
        entities.erase(it);
        return true;
    }
    /// The entity's state, or nullptr.
    [[nodiscard]] const State* find(EntityId id) const {
        auto it = std::lower_bound(entities.begin(), entities.end(), id,
                                   [](const Entity& e, EntityId v) { return e.id < v; });
        return (it != entities.end() && it->id == id) ? &it->state : nullptr;
    }

    friend bool operator==(const Snapshot& a, const Snapshot& b) = default;
};

/// Delta codec for snapshots of the given entity types. The codec object holds only its
/// configuration; what it learns travels with each snapshot as a CodecMemory, so a lost
/// packet never desynchronises the two ends.
template <class... Types>
class SnapshotCodec {
    static_assert(sizeof...(Types) >= 1 && sizeof...(Types) <= 256, "1..256 entity types");

public:
    using SnapshotType = Snapshot<Types...>;
    using State = typename SnapshotType::State;

    explicit SnapshotCodec(SnapshotCodecConfig config = {}) : config_(config) {}

    [[nodiscard]] const SnapshotCodecConfig& config() const noexcept { return config_; }

    /// Encodes `current` against `baseline` (nullptr: a keyframe), with what the codec
    /// remembered of the baseline when options.baselineMemory is given (smaller packets).
    /// Errors: InvalidArgument (entities not in strictly ascending id order, more than
    /// maxEntities, a type whose layout is not fixed, a memory that is not the baseline's),
    /// MessageTooLarge (larger than options.maxBytes).
    [[nodiscard]] Result<std::vector<std::uint8_t>> encode(const SnapshotType* baseline, const SnapshotType& current,
                                                           const EncodeOptions& options = {}) const {
        try {
            thread_local detail::FlatSnapshot flatBase;
            thread_local detail::FlatSnapshot flatCurrent;
            if (!flatten(current, flatCurrent)) return fail(Error::InvalidArgument);
            if (baseline && !flatten(*baseline, flatBase)) return fail(Error::InvalidArgument);
            return core().encode(config_, baseline ? &flatBase : nullptr, flatCurrent, options);
        } catch (...) {
            return fail(Error::InvalidArgument);
        }
    }

    /// Decodes a packet. `baseline` must be the snapshot it was encoded against (ignored
    /// for a keyframe), and for a chained packet options.baselineMemory what this end
    /// remembered of it. Errors: WrongBaseline (missing, another tick or content, or a
    /// chained packet without the baseline's memory), Truncated, Malformed (a value outside
    /// its type's range, ids out of order), UnsupportedVersion, LimitExceeded (more than
    /// maxEntities). Never throws; never builds more than maxEntities entities.
    [[nodiscard]] Result<SnapshotType> decode(const SnapshotType* baseline, std::span<const std::uint8_t> bytes,
                                              const DecodeOptions& options = {}) const {
        try {
            thread_local detail::FlatSnapshot flatBase;
            if (baseline && !flatten(*baseline, flatBase)) return fail(Error::InvalidArgument);
            auto flat = core().decode(config_, baseline ? &flatBase : nullptr, bytes, options);
            if (!flat) return fail(flat.failure());
            const detail::FlatSnapshot& f = flat->snapshot;
            SnapshotType out;
            out.tick = f.tick;
            out.entities.reserve(f.size());
            thread_local std::vector<QuantizedField> fields;
            for (std::size_t i = 0; i < f.size(); ++i) {
                const std::int32_t same = flat->sameAs[i];
                if (same >= 0 && baseline) {
                    out.entities.push_back({f.ids[i], baseline->entities[static_cast<std::size_t>(same)].state});
                    continue;
                }
                const auto& layout = core().types()[f.types[i]];
                fields.resize(layout.size());
                for (std::size_t k = 0; k < layout.size(); ++k) {
                    fields[k] = QuantizedField{f.values[f.offsets[i] + k], layout[k].bits, layout[k].kind};
                }
                out.entities.push_back({f.ids[i], stateFrom(f.types[i], fields)});
            }
            return out;
        } catch (...) {
            return fail(Error::Malformed);
        }
    }

    /// Reads a packet's header alone. Errors: Truncated, Malformed, UnsupportedVersion.
    [[nodiscard]] static Result<SnapshotHeader> peekHeader(std::span<const std::uint8_t> bytes) {
        return detail::readSnapshotHeader(bytes);
    }

    /// 16 bits that change when any id, type or field of the snapshot (or its tick) does.
    [[nodiscard]] static std::uint16_t contentHash(const SnapshotType& s) {
        thread_local detail::FlatSnapshot flat;
        if (!flatten(s, flat)) return 0;
        return detail::CodecCore::contentHash(flat);
    }

    /// Identifies the entity types' layouts: equal on both ends when they can talk.
    [[nodiscard]] static std::uint64_t schemaHash() { return core().schemaHash(); }

    /// Field widths of every type, in declaration order.
    [[nodiscard]] static const std::array<std::vector<std::uint8_t>, sizeof...(Types)>& schema() {
        static const auto table = [] {
            std::array<std::vector<std::uint8_t>, sizeof...(Types)> t;
            for (std::size_t i = 0; i < sizeof...(Types); ++i) {
                for (const auto& f : core().types()[i]) t[i].push_back(f.bits);
            }
            return t;
        }();
        return table;
    }

private:
    static const detail::CodecCore& core() {
        static const detail::CodecCore instance([] {
            std::vector<std::vector<detail::FieldInfo>> types;
            std::vector<QuantizedField> fields;
            for (std::size_t i = 0; i < sizeof...(Types); ++i) {
                fieldsInto(makeDefault(i), fields);
                types.emplace_back();
                for (const auto& f : fields) types.back().push_back({f.bits, f.kind, f.value});
            }
            return types;
        }());
        return instance;
    }

    /// The entity's fields, through the type's Cereal serialize.
    static void fieldsInto(const State& s, std::vector<QuantizedField>& out) {
        // One archive per thread: building Cereal's archive for every entity cost more than
        // reading the entity's fields. Fixed-layout types leave nothing in it between calls.
        thread_local detail::FieldWriter writer;
        writer.reset();
        std::visit([&](const auto& v) { writer(v); }, s);
        writer.drainInto(out);
    }

    /// The snapshot as the core sees it; false when an entity's layout is not its type's.
    static bool flatten(const SnapshotType& s, detail::FlatSnapshot& out) {
        out.clear();
        out.tick = s.tick;
        out.ids.reserve(s.entities.size());
        out.types.reserve(s.entities.size());
        out.offsets.reserve(s.entities.size() + 1);
        thread_local std::vector<QuantizedField> fields;
        for (const auto& e : s.entities) {
            fieldsInto(e.state, fields);
            const auto& layout = core().types()[e.state.index()];
            if (fields.size() != layout.size()) return false;
            out.ids.push_back(e.id);
            out.types.push_back(static_cast<std::uint8_t>(e.state.index()));
            for (const auto& f : fields) out.values.push_back(f.value);
            out.offsets.push_back(static_cast<std::uint32_t>(out.values.size()));
        }
        return true;
    }

    static State stateFrom(std::size_t type, const std::vector<QuantizedField>& fields) {
        State s = makeDefault(type);
        detail::FieldReader reader(fields);
        std::visit([&](auto& v) { reader(v); }, s);
        return s;
    }

    static State makeDefault(std::size_t type) {
        static const auto defaults = [] {
            std::array<State, sizeof...(Types)> d{State(std::in_place_type<Types>)...};
            return d;
        }();
        return defaults[type];
    }

    SnapshotCodecConfig config_;
};

}  // namespace tickwire::engine
