#include "analysis.hpp"

#include <spdlog/spdlog.h>

#include <stdexcept>

#include "feeds.hpp"

namespace camgate::app {
namespace {

analysis::service_options options_of(const core::config::analysis_section& a) {
  analysis::service_options o;
  o.workers = static_cast<std::size_t>(a.workers);
  o.builtins.motion_threshold = a.motion_threshold;
  o.builtins.frozen_after_us = a.frozen_after_ms * 1000;
  o.builtins.black_luma = a.black_luma;
  o.max_fps = static_cast<double>(a.max_fps);
  o.keep_days = a.keep_days;
  o.max_results = a.max_results;
  o.defaults.when =
      analysis::run_when_from_string(a.defaults.when).value_or(analysis::run_when::off);
  o.defaults.fps = a.defaults.fps;
  o.defaults.analyzers = a.defaults.analyzers;
  for (const auto& [name, e] : a.external) {
    analysis::http_analyzer_options h;
    h.name = name;
    h.url = e.url;
    h.format = e.format == "jpeg" ? analysis::http_analyzer_options::body_format::jpeg
                                  : analysis::http_analyzer_options::body_format::multipart;
    h.field = e.field;
    h.auth_header = e.auth_header;
    h.timeout = std::chrono::milliseconds(e.timeout_ms);
    h.max_response_bytes = static_cast<std::size_t>(e.max_response_bytes);
    o.external.emplace(name, std::move(h));
  }
  for (const auto& n : o.defaults.analyzers)
    if (!analysis::builtin_analyzers().contains(n) && !o.external.contains(n))
      throw std::runtime_error("analysis.default.analyzers: '" + n +
                               "' is neither built in nor an [analysis.analyzers." + n + "]");
  return o;
}

}  // namespace

void analysis_parts::stop() {
  if (service) service->stop();
  for (auto& w : webhooks) w->stop();
  mqtt.reset();
}

analysis_parts start_analysis(api::services& s, store::analysis_repository& rows,
                              const access::access_index& index, asio::any_io_executor io,
                              webrtc::robot_relays* relays,
                              std::function<bool(std::string_view robot)> robot_online,
                              const ownership& own) {
  analysis_parts parts;
  parts.events = std::make_unique<analysis::event_hub>();
  const auto& in = s.config.integrations;
  for (const auto& [name, w] : in.webhooks) {
    integrations::webhook_options o;
    o.name = name;
    o.url = w.url;
    o.secret = w.secret;
    o.events = w.events;
    o.timeout = std::chrono::milliseconds(w.timeout_ms);
    o.max_queue = static_cast<std::size_t>(w.max_queue);
    auto sink = std::make_shared<integrations::webhook_sink>(io, std::move(o));
    parts.events->add_sink(sink);
    parts.webhooks.push_back(std::move(sink));
  }
  if (!in.mqtt.host.empty()) {
    integrations::mqtt_options o;
    o.host = in.mqtt.host;
    o.port = static_cast<int>(in.mqtt.port);
    o.client_id = in.mqtt.client_id;
    o.username = in.mqtt.username;
    o.password = in.mqtt.password;
    o.topic_prefix = in.mqtt.topic_prefix;
    o.qos = static_cast<int>(in.mqtt.qos);
    o.events = in.mqtt.events;
    parts.mqtt = std::make_unique<integrations::mqtt_sink>(std::move(o));
    // The hub holds sinks by shared_ptr; the parts own this one and outlive the hub's use.
    parts.events->add_sink(std::shared_ptr<analysis::event_sink>(parts.mqtt.get(), [](auto*) {}));
  }

  const feed_opener feeds(s, relays, robot_online);
  analysis::service_hooks hooks;
  hooks.resources = [feeds] { return feeds.resources(); };
  hooks.open_feed = feeds;
  hooks.watched = [&s](access::resource what) { return s.live.count(what, "events") > 0; };
  hooks.state_of = [&s, robot_online](access::resource what) -> std::optional<std::string> {
    if (what.kind == access::resource_kind::camera) {
      auto cam = s.cameras.get(what.id);
      if (!cam) return std::nullopt;
      return std::string(sources::to_string(cam->source->status().state));
    }
    auto robot = s.robots.get(what.id);
    if (!robot || !robot_online) return std::nullopt;
    return robot_online(robot->name) ? "online" : "offline";
  };
  hooks.owns = own.owns;
  parts.service = std::make_unique<analysis::service>(options_of(s.config.analysis),
                                                      std::move(hooks), *parts.events, rows, index);
  s.events = parts.events.get();
  s.analysis = parts.service.get();
  s.analysis_rows = &rows;
  parts.service->start();
  return parts;
}

}  // namespace camgate::app
