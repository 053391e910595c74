// Built when libbullet-dev is not installed: tickwire-bench measures recordings but
// cannot make them.

#include "scenes.hpp"

namespace tickwire::bench {

bool haveScenes() noexcept { return false; }
std::vector<CubeFrame> simulateCubes(std::size_t, std::uint64_t) { return {}; }
TransformRecording simulateAsteroids(std::size_t, std::uint64_t) { return {}; }

}  // namespace tickwire::bench
