#include <tickwire/engine/bandwidth_budget.hpp>

#include <algorithm>

namespace tickwire::engine::detail {

void BandwidthBudget::refill(double seconds) noexcept {
    available_ = std::min(capacity_, available_ + rate_ * std::max(0.0, seconds));
}

std::size_t BandwidthBudget::available() const noexcept {
    return available_ <= 0 ? 0 : static_cast<std::size_t>(available_);
}

}  // namespace tickwire::engine::detail
