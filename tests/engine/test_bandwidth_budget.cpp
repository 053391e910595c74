#include <tickwire/engine/bandwidth_budget.hpp>

#include <doctest/doctest.h>

using tickwire::engine::detail::BandwidthBudget;

TEST_CASE("a budget starts full and holds at most its burst") {
    BandwidthBudget budget(1000.0, 0.5);
    CHECK(budget.available() == 500);
    budget.refill(10.0);
    CHECK(budget.available() == 500);
}

TEST_CASE("what is sent is spent, and time gives it back at the rate") {
    BandwidthBudget budget(1000.0, 0.5);
    budget.spend(400);
    CHECK(budget.available() == 100);
    budget.refill(0.2);
    CHECK(budget.available() == 300);
    budget.refill(-1.0);  // a clock that went backwards gives nothing
    CHECK(budget.available() == 300);
}

TEST_CASE("one message may overdraw the budget; it is paid back before anything else goes") {
    BandwidthBudget budget(1000.0, 0.5);
    budget.spend(800);  // 300 bytes in debt
    CHECK(budget.available() == 0);
    budget.refill(0.2);  // +200: still 100 in debt
    CHECK(budget.available() == 0);
    budget.refill(0.15);  // +150
    CHECK(budget.available() == 50);
}
