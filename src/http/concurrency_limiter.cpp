#include "http/concurrency_limiter.hpp"

#include <stdexcept>

namespace camgate::httpd {

// Shared by the limiter and its leases, so a lease released after the limiter is gone
// still has somewhere to give its slot back.
struct concurrency_limiter::state {
  explicit state(std::size_t max) : max_per_key(max) {}

  const std::size_t max_per_key;
  mutable std::mutex mutex;
  std::unordered_map<std::string, std::size_t> counts;  // only keys with live leases
};

concurrency_limiter::concurrency_limiter(std::size_t max_per_key)
    : state_(std::make_shared<state>(max_per_key)) {
  if (max_per_key == 0) {
    throw std::invalid_argument("concurrency limit: max_per_key must be at least 1");
  }
}

std::optional<concurrency_limiter::lease> concurrency_limiter::acquire(std::string_view key) {
  std::string name(key);
  {
    std::lock_guard lock(state_->mutex);
    auto [it, inserted] = state_->counts.try_emplace(name, 0);
    if (it->second >= state_->max_per_key) return std::nullopt;
    ++it->second;
  }
  return lease(state_, std::move(name));
}

std::size_t concurrency_limiter::count(std::string_view key) const {
  std::lock_guard lock(state_->mutex);
  const auto it = state_->counts.find(std::string(key));
  return it == state_->counts.end() ? 0 : it->second;
}

std::size_t concurrency_limiter::keys() const {
  std::lock_guard lock(state_->mutex);
  return state_->counts.size();
}

void concurrency_limiter::lease::release() noexcept {
  if (!state_) return;
  {
    std::lock_guard lock(state_->mutex);
    const auto it = state_->counts.find(key_);
    if (it != state_->counts.end() && --it->second == 0) state_->counts.erase(it);
  }
  state_.reset();
}

concurrency_limiter::lease& concurrency_limiter::lease::operator=(lease&& other) noexcept {
  if (this != &other) {
    release();
    state_ = std::move(other.state_);
    key_ = std::move(other.key_);
  }
  return *this;
}

concurrency_limiter::lease::~lease() {
  release();
}

}  // namespace camgate::httpd
