#include <tickwire/engine/priority.hpp>

#include <doctest/doctest.h>

#include <map>

using namespace tickwire::engine;

TEST_CASE("with a third of the bytes needed, every entity is still sent within a bounded number of snapshots") {
    PriorityAccumulator acc;
    std::vector<PriorityCandidate> all;
    std::size_t total = 0;
    for (std::uint32_t id = 0; id < 300; ++id) {
        const std::size_t bytes = 4 + id % 13;
        all.push_back({id, 1.0f, bytes});
        total += bytes;
    }
    std::map<std::uint32_t, int> sinceSent;
    int worst = 0;
    for (int snapshot = 0; snapshot < 60; ++snapshot) {
        // Every entity changes every snapshot: all are candidates every time.
        const auto picked = acc.select(all, total / 3);
        for (auto& [id, age] : sinceSent) ++age;
        for (const auto& c : all) {
            if (!sinceSent.count(c.id)) sinceSent[c.id] = 1;
        }
        for (std::uint32_t id : picked) sinceSent[id] = 0;
        for (const auto& [id, age] : sinceSent) worst = std::max(worst, age);
    }
    CHECK(worst <= 4);
}

TEST_CASE("higher priority entities are sent more often but low ones do not starve") {
    PriorityAccumulator acc;
    std::vector<PriorityCandidate> all;
    for (std::uint32_t id = 0; id < 100; ++id) all.push_back({id, id < 10 ? 5.0f : 1.0f, 10});
    std::map<std::uint32_t, int> sent;
    for (int snapshot = 0; snapshot < 100; ++snapshot) {
        for (std::uint32_t id : acc.select(all, 200)) ++sent[id];
    }
    CHECK(sent[0] > sent[50] * 2);
    for (std::uint32_t id = 10; id < 100; ++id) CHECK(sent[id] >= 10);
}

TEST_CASE("the budget is respected except for the first pick, which always goes") {
    PriorityAccumulator acc;
    std::vector<PriorityCandidate> big = {{1, 1.0f, 500}, {2, 1.0f, 10}, {3, 1.0f, 10}};
    const auto picked = acc.select(big, 100);
    CHECK(picked == std::vector<std::uint32_t>{1});  // 500 > budget, but something must go
    const auto next = acc.select(big, 100);
    CHECK(next == std::vector<std::uint32_t>{2, 3});
    acc.forget(1);
    CHECK(acc.accumulated(1) == 0.0f);
}
