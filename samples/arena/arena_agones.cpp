#include "arena_agones.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

namespace arena {

std::string AgonesSdk::playerBody(std::uint64_t id) { return nlohmann::json{{"playerID", std::to_string(id)}}.dump(); }

AgonesSdk::~AgonesSdk() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    wake_.notify_all();
    worker_.join();
}

void AgonesSdk::health() {
    std::lock_guard lock(mutex_);
    if (healthPending_) return;
    healthPending_ = true;
    wake_.notify_all();
}

bool AgonesSdk::shutdown(std::uint32_t waitMs) {
    queue({"/shutdown", "{}", true});
    std::unique_lock lock(mutex_);
    done_.wait_for(lock, std::chrono::milliseconds(waitMs), [&] { return shutdownSent_; });
    return shutdownSent_;
}

std::vector<std::string> AgonesSdk::takeLog() {
    std::lock_guard lock(mutex_);
    return std::exchange(log_, {});
}

void AgonesSdk::queue(Call call) {
    std::lock_guard lock(mutex_);
    calls_.push_back(std::move(call));
    wake_.notify_all();
}

void AgonesSdk::note(const std::string& line) {
    std::lock_guard lock(mutex_);
    if (log_.size() < 100) log_.push_back(line);
}

std::unique_ptr<httplib::Client> AgonesSdk::client() const {
    auto c = std::make_unique<httplib::Client>("127.0.0.1", port_);
    // Short: the sidecar is on localhost, and a call that hangs delays the ones behind it.
    c->set_connection_timeout(0, 300000);
    c->set_read_timeout(1, 0);
    c->set_write_timeout(1, 0);
    return c;
}

std::optional<std::string> AgonesSdk::post(const std::string& path, const std::string& body) const {
    auto res = client()->Post(path, body, "application/json");
    if (!res) return "no answer (" + httplib::to_string(res.error()) + ")";
    if (res->status != 200) return "HTTP " + std::to_string(res->status);
    return std::nullopt;
}

void AgonesSdk::failed(const std::string& what, const std::string& why, double retryIn) {
    // One line per failure streak and then one every 10 s: a sidecar that is down for
    // a minute is reported, not a thousand times.
    const auto now = std::chrono::steady_clock::now();
    if (failures_ == 0 || now - lastFailureLog_ > std::chrono::seconds(10)) {
        lastFailureLog_ = now;
        note("agones: " + what + " to the SDK sidecar at 127.0.0.1:" + std::to_string(port_) + " failed: " + why +
             (retryIn > 0 ? "; retrying in " + std::to_string(retryIn).substr(0, 4) + " s" : ""));
    }
    ++failures_;
}

void AgonesSdk::succeeded(const std::string& what) {
    if (failures_ > 0) note("agones: the SDK sidecar answers again (" + what + ")");
    failures_ = 0;
}

void AgonesSdk::run() {
    using clock = std::chrono::steady_clock;
    double backoff = 0.25;
    auto nextTry = clock::now();
    auto nextWatch = clock::now();
    for (;;) {
        std::optional<Call> call;
        bool sendHealth = false;
        {
            std::unique_lock lock(mutex_);
            auto due = [&] {
                return stopping_ || (healthPending_ && watching_) || (!calls_.empty() && clock::now() >= nextTry) ||
                       (watching_ && !allocated_ && clock::now() >= nextWatch);
            };
            const auto wakeAt = std::min(calls_.empty() ? clock::now() + std::chrono::seconds(1) : nextTry,
                                         watching_ && !allocated_ ? nextWatch : clock::now() + std::chrono::seconds(1));
            wake_.wait_until(lock, wakeAt, due);
            if (stopping_) return;
            // Health follows Ready: until the sidecar took Ready, a request waits.
            if (healthPending_ && watching_) {
                sendHealth = true;
            } else if (!calls_.empty() && clock::now() >= nextTry) {
                call = calls_.front();
            }
        }
        if (sendHealth) {
            const auto error = post("/health", "{}");
            {
                std::lock_guard lock(mutex_);
                healthPending_ = false;
            }
            if (error) {
                failed("POST /health", *error, 0);
            } else {
                succeeded("POST /health");
            }
            continue;
        }
        if (call) {
            const auto error = post(call->path, call->body);
            if (error) {
                failed("POST " + call->path, *error, backoff);
                nextTry = clock::now() + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(backoff));
                backoff = std::min(backoff * 2, 2.0);
                continue;
            }
            succeeded("POST " + call->path);
            backoff = 0.25;
            std::lock_guard lock(mutex_);
            calls_.pop_front();
            if (call->path == "/ready") watching_ = true;
            if (call->path == "/shutdown") {
                shutdownSent_ = true;
                done_.notify_all();
            }
            continue;
        }
        if (watching_ && !allocated_ && clock::now() >= nextWatch) {
            nextWatch = clock::now() + std::chrono::milliseconds(500);
            auto res = client()->Get("/gameserver");
            if (!res || res->status != 200) {
                failed("GET /gameserver", res ? "HTTP " + std::to_string(res->status) : "no answer", 0.5);
                continue;
            }
            succeeded("GET /gameserver");
            auto j = nlohmann::json::parse(res->body, nullptr, false);
            if (j.is_object() && j.contains("status") && j["status"].is_object() &&
                j["status"].value("state", "") == "Allocated") {
                allocated_ = true;
            }
        }
    }
}

}  // namespace arena
