#include <tickwire/version.hpp>

namespace tickwire {

Version version() noexcept { return {TICKWIRE_VERSION_MAJOR, TICKWIRE_VERSION_MINOR, TICKWIRE_VERSION_PATCH}; }

const char* versionString() noexcept { return TICKWIRE_VERSION_STRING; }

}  // namespace tickwire
