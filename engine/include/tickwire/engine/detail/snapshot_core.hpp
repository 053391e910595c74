#pragma once
// The compiled core of the snapshot codec (engine/src/snapshot_core.cpp): models, range
// coder, prediction and the walk over every entity's fields. SnapshotCodec<Types...>
// (snapshot.hpp) only turns the game's entities into flat lists of field values and back,
// through their Cereal serialize functions, and hands them here. Not part of the API.

#include <tickwire/engine/field.hpp>
#include <tickwire/engine/snapshot_options.hpp>

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace tickwire::engine::detail {

/// The current wire format version (docs/PROTOCOL.md §6).
inline constexpr std::uint8_t kSnapshotVersion = 4;

Result<SnapshotHeader> readSnapshotHeader(std::span<const std::uint8_t> bytes);
void writeSnapshotHeader(std::vector<std::uint8_t>& out, const SnapshotHeader& header);

/// One field of an entity type's layout.
struct FieldInfo {
    std::uint8_t bits = 0;
    FieldKind kind = FieldKind::Plain;
    std::uint64_t defaultValue = 0;  ///< in a default-constructed state: what a new entity is coded against
};

/// A snapshot as the core sees it: per entity its id, type index and field values.
struct FlatSnapshot {
    std::uint32_t tick = 0;
    std::vector<std::uint32_t> ids;
    std::vector<std::uint8_t> types;
    std::vector<std::uint32_t> offsets{0};  ///< entity i's values are [offsets[i], offsets[i + 1])
    std::vector<std::uint64_t> values;

    [[nodiscard]] std::size_t size() const noexcept { return ids.size(); }
    void clear() {
        ids.clear();
        types.clear();
        offsets.assign(1, 0);
        values.clear();
    }
};

/// A decoded packet: the snapshot, and for each entity the index of the baseline entity
/// it is identical to (-1 when it differs or is new), so that the caller can copy states.
struct DecodedFlat {
    FlatSnapshot snapshot;
    std::vector<std::int32_t> sameAs;
};

class CoreImpl;

/// The codec for one schema (the entity types' layouts). Built once per SnapshotCodec type.
class CodecCore {
public:
    /// `types[t]` is type t's fields in order. Every type has at least one field.
    explicit CodecCore(std::vector<std::vector<FieldInfo>> types);
    ~CodecCore();
    CodecCore(const CodecCore&) = delete;
    CodecCore& operator=(const CodecCore&) = delete;

    /// Errors: InvalidArgument (ids not strictly ascending, more than maxEntities, a
    /// layout that does not match the schema, a memory that is not the baseline's),
    /// MessageTooLarge (options.maxBytes).
    [[nodiscard]] Result<std::vector<std::uint8_t>> encode(const SnapshotCodecConfig& config,
                                                           const FlatSnapshot* baseline, const FlatSnapshot& current,
                                                           const EncodeOptions& options) const;
    /// Errors: as SnapshotCodec::decode.
    [[nodiscard]] Result<DecodedFlat> decode(const SnapshotCodecConfig& config, const FlatSnapshot* baseline,
                                             std::span<const std::uint8_t> bytes, const DecodeOptions& options) const;

    [[nodiscard]] static std::uint16_t contentHash(const FlatSnapshot& s);
    [[nodiscard]] std::uint64_t schemaHash() const noexcept;
    [[nodiscard]] const std::vector<std::vector<FieldInfo>>& types() const noexcept;

private:
    std::unique_ptr<CoreImpl> impl_;
};

}  // namespace tickwire::engine::detail
