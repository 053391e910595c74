#include "arena_report.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace arena {

tickwire::net::Result<std::unique_ptr<MatchmakerReport>> MatchmakerReport::start(const std::string& url, std::string secret, std::string address, std::size_t capacity) {
    const auto notUrl = [&] {
        return tickwire::fail(tickwire::net::Error::ParseError,
                              "--matchmaker-admin '" + url + "': expected http://HOST:PORT");
    };
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) return notUrl();
    auto client = std::make_unique<httplib::Client>(url);
    if (!client->is_valid()) return notUrl();
    client->set_connection_timeout(0, 500000);
    client->set_read_timeout(1, 0);
    client->set_write_timeout(1, 0);
    client->set_bearer_token_auth(secret);
    return std::unique_ptr<MatchmakerReport>(
        new MatchmakerReport(std::move(client), url, std::move(address), capacity));
}

MatchmakerReport::~MatchmakerReport() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    worker_.join();
}

void MatchmakerReport::set(std::size_t players) {
    std::lock_guard lock(mutex_);
    players_ = players;
}

bool MatchmakerReport::shuttingDown(std::uint32_t waitMs) {
    std::unique_lock lock(mutex_);
    shuttingDown_ = true;
    due_ = true;
    wake_.notify_all();
    delivered_.wait_for(lock, std::chrono::milliseconds(waitMs), [&] { return shutdownDelivered_; });
    return shutdownDelivered_;
}

std::vector<std::string> MatchmakerReport::takeLog() {
    std::lock_guard lock(mutex_);
    return std::exchange(log_, {});
}

MatchmakerReport::MatchmakerReport(std::unique_ptr<httplib::Client> client, std::string url, std::string address, std::size_t capacity)
    : client_(std::move(client)), url_(std::move(url)), address_(std::move(address)), capacity_(capacity), worker_([this] { run(); }) {}

void MatchmakerReport::run() {
    bool failing = false;
    for (;;) {
        std::string body;
        bool stateShuttingDown = false;
        {
            std::unique_lock lock(mutex_);
            wake_.wait_for(lock, std::chrono::seconds(1), [&] { return stopping_ || due_; });
            if (stopping_) return;
            due_ = false;
            stateShuttingDown = shuttingDown_;
            body = nlohmann::json{{"address", address_},
                                  {"players", players_},
                                  {"capacity", capacity_},
                                  {"state", shuttingDown_ ? "shutting_down" : "ready"}}
                       .dump();
        }
        auto res = client_->Post("/admin/servers", body, "application/json");
        const bool retrySoon = stateShuttingDown && !(res && res->status == 200);
        if (retrySoon) std::this_thread::sleep_for(std::chrono::milliseconds(100));
        std::lock_guard lock(mutex_);
        if (res && res->status == 200) {
            if (failing) log_.push_back("arena-server: the matchmaker at " + url_ + " takes reports again");
            failing = false;
            if (stateShuttingDown) {
                shutdownDelivered_ = true;
                delivered_.notify_all();
            }
        } else {
            // Logged once per streak: the game goes on without the matchmaker.
            if (!failing && log_.size() < 100) {
                log_.push_back("arena-server: report to the matchmaker at " + url_ + " failed (" +
                               (res ? "HTTP " + std::to_string(res->status) + ": " + res->body
                                    : httplib::to_string(res.error())) +
                               "); retrying every second");
            }
            failing = true;
            if (retrySoon) due_ = true;  // the shutdown report again, without waiting a second
        }
    }
}

}  // namespace arena
