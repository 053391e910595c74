#pragma once
// Whether a long run keeps memory: samples this process's heap and resident size while it
// runs, and compares one stretch of the run after its warm-up with the next.
//
// The heap in use (what malloc handed out and was not freed) is what the engine keeps; the
// resident size adds what the allocator holds on to. A single sample at half time and one
// at the end measured a moment: a burst of snapshots kept while acknowledgements were late
// (bounded by snapshotHistory) read as growth. The median of each stretch does not move
// with such bursts, and does move when something is kept for good.

#include <malloc.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <utility>
#include <vector>

namespace tickwire::test {

inline std::uint64_t residentBytes() {
    std::ifstream statm("/proc/self/statm");
    std::uint64_t pages = 0, resident = 0;
    statm >> pages >> resident;
    return resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

/// Bytes malloc handed out and were not freed (heap and mmapped chunks).
inline std::uint64_t heapInUseBytes() {
    const struct mallinfo2 m = ::mallinfo2();
    return static_cast<std::uint64_t>(m.uordblks) + static_cast<std::uint64_t>(m.hblkhd);
}

class MemoryTrend {
public:
    /// Samples at most every `intervalSeconds`; `at` is seconds since the run began.
    void sample(double at, double intervalSeconds = 0.25) {
        if (!samples_.empty() && at < samples_.back().at + intervalSeconds) return;
        samples_.push_back({at, heapInUseBytes(), residentBytes()});
    }

    struct Window {
        std::uint64_t heap = 0;      ///< median heap in use, bytes
        std::uint64_t resident = 0;  ///< median resident size, bytes
        std::size_t samples = 0;
    };
    /// Medians over [from, to) seconds of the run.
    [[nodiscard]] Window window(double from, double to) const {
        std::vector<std::uint64_t> heap, resident;
        for (const auto& s : samples_) {
            if (s.at < from || s.at >= to) continue;
            heap.push_back(s.heap);
            resident.push_back(s.resident);
        }
        Window w;
        w.samples = heap.size();
        if (heap.empty()) return w;
        std::nth_element(heap.begin(), heap.begin() + heap.size() / 2, heap.end());
        std::nth_element(resident.begin(), resident.begin() + resident.size() / 2, resident.end());
        w.heap = heap[heap.size() / 2];
        w.resident = resident[resident.size() / 2];
        return w;
    }

    /// The two halves of [from, to] seconds of the run: `from` is past the warm-up, when
    /// every buffer, model and history has been used.
    [[nodiscard]] std::pair<Window, Window> halves(double from, double to) const {
        const double mid = (from + to) / 2;
        return {window(from, mid), window(mid, to + 1)};
    }

private:
    struct Sample {
        double at;
        std::uint64_t heap, resident;
    };
    std::vector<Sample> samples_;
};

}  // namespace tickwire::test
