#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "analysis/event.hpp"

namespace camgate::integrations {

struct mqtt_options {
  std::string host;
  int port = 1883;
  std::string client_id = "camgate";
  std::string username;  // empty: none
  std::string password;
  std::string topic_prefix = "camgate";  // topics: <prefix>/cameras/<id>/<type>, robots/<id>/...
  int qos = 0;
  std::vector<std::string> events{"analysis", "alert", "camera-state"};
};

// Publishes events to an MQTT broker (libmosquitto, its own network thread), reconnecting
// by itself; while the broker is away events are dropped and counted, never queued
// without bound.
class mqtt_sink : public analysis::event_sink {
 public:
  explicit mqtt_sink(mqtt_options options);  // connects in the background
  ~mqtt_sink() override;                     // disconnects, joins the thread

  void deliver(const analysis::event_ptr& e) override;

  bool connected() const;
  std::uint64_t published() const;
  std::uint64_t dropped() const;

  // "cameras/3/analysis" under the prefix.
  static std::string topic_of(const mqtt_options& o, const analysis::event& e);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace camgate::integrations
