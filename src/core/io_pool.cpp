#include "core/io_pool.hpp"

#include <algorithm>
#include <thread>

namespace camgate::core {

io_pool::io_pool(int threads) {
  const int n = std::max(1, threads);
  for (int i = 0; i < n; ++i) {
    // Each context is run by exactly one thread: no locking inside it.
    contexts_.push_back(std::make_unique<asio::io_context>(1));
    guards_.emplace_back(asio::make_work_guard(*contexts_.back()));
  }
  if (n > 1) {
    signaling_ = std::make_unique<asio::io_context>(1);
    signaling_guard_.emplace(asio::make_work_guard(*signaling_));
  }
}

io_pool::~io_pool() {
  stop();
}

asio::io_context& io_pool::next() {
  return *contexts_[next_.fetch_add(1, std::memory_order_relaxed) % contexts_.size()];
}

void io_pool::run() {
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < contexts_.size(); ++i)
    threads.emplace_back([this, i] { contexts_[i]->run(); });
  if (signaling_) threads.emplace_back([this] { signaling_->run(); });
  contexts_.front()->run();
  for (auto& t : threads) t.join();
}

void io_pool::stop() {
  for (auto& g : guards_) g.reset();
  for (auto& c : contexts_) c->stop();
  signaling_guard_.reset();
  if (signaling_) signaling_->stop();
}

asio::io_context& io_context_of(const asio::any_io_executor& ex) {
  return static_cast<asio::io_context&>(asio::query(ex, asio::execution::context));
}

}  // namespace camgate::core
