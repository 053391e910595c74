#pragma once
/// \file version.hpp
/// The version of tickwire a game was compiled against (these macros) and the one it runs
/// with (version()): a game that ships the libraries separately can tell them apart.

#define TICKWIRE_VERSION_MAJOR 0
#define TICKWIRE_VERSION_MINOR 2
#define TICKWIRE_VERSION_PATCH 0
#define TICKWIRE_VERSION_STRING "0.2.0"
/// MAJOR * 10000 + MINOR * 100 + PATCH, for comparisons in the preprocessor.
#define TICKWIRE_VERSION (TICKWIRE_VERSION_MAJOR * 10000 + TICKWIRE_VERSION_MINOR * 100 + TICKWIRE_VERSION_PATCH)

namespace tickwire {

struct Version {
    int major = 0;
    int minor = 0;
    int patch = 0;
    friend constexpr bool operator==(const Version&, const Version&) = default;
};

/// The version of the tickwire-net library loaded at run time.
[[nodiscard]] Version version() noexcept;
/// The same as "MAJOR.MINOR.PATCH".
[[nodiscard]] const char* versionString() noexcept;

}  // namespace tickwire
