#pragma once
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "analysis/event.hpp"
#include "core/asio.hpp"

namespace camgate::integrations {

struct webhook_options {
  std::string name;    // [integrations.webhooks.NAME], in logs
  std::string url;     // http://host[:port]/path; http only
  std::string secret;  // non-empty: X-Camgate-Signature: sha256=<hex HMAC-SHA256 of body>
  std::vector<std::string> events{"alert", "camera-state"};  // event types sent
  std::chrono::milliseconds timeout{5000};
  std::size_t max_queue = 1000;  // events waiting; past it the oldest is dropped (counted)
  int attempts = 3;              // per event, with 0.5 s, 1 s ... between them
};

// POSTs each event's JSON to a URL, one at a time and in order, from a bounded queue:
// a slow or dead receiver costs memory up to max_queue, never a camera or a viewer.
class webhook_sink : public analysis::event_sink,
                     public std::enable_shared_from_this<webhook_sink> {
 public:
  // Throws std::invalid_argument for a bad URL.
  webhook_sink(asio::any_io_executor ex, webhook_options options);
  ~webhook_sink() override;

  void deliver(const analysis::event_ptr& e) override;  // filters by options.events
  void stop();                                          // drops what waits; idempotent

  std::uint64_t sent() const;
  std::uint64_t failed() const;   // given up after every attempt
  std::uint64_t dropped() const;  // pushed out of a full queue

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace camgate::integrations
