#pragma once
#include <atomic>
#include <cstddef>
#include <memory>
#include <optional>
#include <vector>

#include "core/asio.hpp"

namespace camgate::core {

// One io_context per I/O thread. Connections are spread over them round robin and
// stay on theirs; shared services (cameras, deadlines, the acceptor) live on main().
// Why not one io_context run by N threads: then every ready socket is handed from
// the thread waiting in epoll to another one, and each small message (signaling)
// cost a wake-up and two context switches; measured, the relay took twice the CPU
// per message with two threads than with one (docs/benchmarks.md).
class io_pool {
 public:
  explicit io_pool(int threads);
  ~io_pool();
  io_pool(const io_pool&) = delete;
  io_pool& operator=(const io_pool&) = delete;

  asio::io_context& main() { return *contexts_.front(); }
  // The signaling's context (every Socket.IO session and its WebSocket): a thread of its
  // own beside the others when there are several, so a relayed message never hops
  // between threads nor waits behind video writes; main() when there is one thread.
  asio::io_context& signaling() { return signaling_ ? *signaling_ : main(); }
  // The context for a new connection (round robin).
  asio::io_context& next();
  std::size_t size() const { return contexts_.size(); }

  // Runs every context, main() on the calling thread; returns once all are stopped.
  void run();
  // Stops every context (from any thread).
  void stop();

 private:
  using guard = asio::executor_work_guard<asio::io_context::executor_type>;
  std::vector<std::unique_ptr<asio::io_context>> contexts_;
  std::vector<std::optional<guard>> guards_;  // keeps idle contexts running
  std::unique_ptr<asio::io_context> signaling_;
  std::optional<guard> signaling_guard_;
  std::atomic<std::size_t> next_{0};
};

// The io_context behind an executor of one (every executor in camgate is).
asio::io_context& io_context_of(const asio::any_io_executor& ex);

}  // namespace camgate::core
