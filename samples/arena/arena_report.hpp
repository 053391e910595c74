#pragma once
/// \file arena_report.hpp
/// arena-server's reports to the sample matchmaker's admin endpoint (POST /admin/servers,
/// matchmaker_protocol.hpp): its public address, players, capacity and state, once a
/// second and whenever the loop says the state changed, from one worker thread so that a
/// slow matchmaker never holds up a tick. The loop hands over figures (set()); the worker
/// never reads the server. Log lines go back to the loop (takeLog()).

#include <tickwire/net/result.hpp>


#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace httplib {
class Client;
}  // namespace httplib

namespace arena {

/// Reports to the matchmaker: figures set by the game loop, posted by a worker.
class MatchmakerReport {
public:
    /// Starts reporting to `url`. ParseError when it is not an http:// URL httplib can use.
    static tickwire::net::Result<std::unique_ptr<MatchmakerReport>> start(const std::string& url, std::string secret,
                                                                          std::string address, std::size_t capacity);
    ~MatchmakerReport();
    MatchmakerReport(const MatchmakerReport&) = delete;
    MatchmakerReport& operator=(const MatchmakerReport&) = delete;

    /// The players now; reported within a second.
    void set(std::size_t players);
    /// Reports "shutting_down" now and waits up to waitMs for the matchmaker to take it, so
    /// that no player is sent here from then on. Returns whether it did.
    bool shuttingDown(std::uint32_t waitMs);
    [[nodiscard]] std::vector<std::string> takeLog();

private:
    MatchmakerReport(std::unique_ptr<httplib::Client> client, std::string url, std::string address, std::size_t capacity);

    void run();

    std::unique_ptr<httplib::Client> client_;  // worker only
    const std::string url_;
    const std::string address_;
    const std::size_t capacity_;
    std::mutex mutex_;
    std::condition_variable wake_, delivered_;
    std::size_t players_ = 0;
    bool shuttingDown_ = false;
    bool shutdownDelivered_ = false;
    bool due_ = true;  // the first report at once
    bool stopping_ = false;
    std::vector<std::string> log_;
    std::thread worker_;  // last: starts once everything above exists
};

}  // namespace arena
