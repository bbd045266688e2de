#include "api/access_gate.hpp"

#include <spdlog/spdlog.h>

#include <mutex>

#include "core/clock.hpp"

namespace camgate::api {

std::optional<httpd::response> deny_unless_allowed(services& s, const httpd::request_context& ctx,
                                                   access::resource what) {
  const auto now = core::unix_micros() / 1000000;
  auto d = s.policy.decide(*ctx.identity, what, now);
  if (d.allowed) return std::nullopt;
  auto res = httpd::json_error(http::status::forbidden, d.reason);
  return res;
}

void access_changed(services& s) {
  if (!s.sync) return;
  try {
    s.sync->refresh();
  } catch (const std::exception& e) {
    spdlog::error("access: cannot refresh the access index: {}", e.what());
  }
  // The other nodes reload even when our own reload failed: the write did happen.
  if (s.publish_change) s.publish_change();
}

viewer viewer_of(const httpd::request_context& ctx) {
  return {*ctx.identity, ctx.token_expires_at, ctx.remote_ip};
}

class live_binding : public access::live_session {
 public:
  explicit live_binding(access::session_registry& registry) : registry_(registry) {}

  // Before registering: the registry may warn or cut on another thread the moment
  // add() returns (a deadline already due), and neither may find the binding empty.
  void set_output(const std::shared_ptr<outputs::output_session>& out) {
    std::lock_guard lock(mutex_);
    output_ = out;
  }

  void attach(std::uint64_t id) {
    bool ended_already;
    {
      std::lock_guard lock(mutex_);
      id_ = id;
      ended_already = ended_;
    }
    if (ended_already) registry_.remove(id, end_reason_);
  }

  // The output ended (viewer left, camera removed, or our own cut).
  void closed(access::end_reason why) {
    std::uint64_t id;
    {
      std::lock_guard lock(mutex_);
      ended_ = true;
      end_reason_ = why;
      id = id_;
    }
    if (id) registry_.remove(id, end_reason_);
  }

  void warn(std::int64_t ends_at_s) override {
    if (auto out = output()) {
      out->notify(R"({"type":"session-expiring","ends_at":)" + std::to_string(ends_at_s) + "}");
    }
  }

  void cut(access::end_reason r) override {
    if (auto out = output()) {
      out->notify(R"({"type":"session-ended","reason":")" + std::string(access::to_string(r)) +
                  "\"}");
      out->end(r);
    }
  }

 private:
  std::shared_ptr<outputs::output_session> output() {
    std::lock_guard lock(mutex_);
    return output_.lock();
  }

  access::session_registry& registry_;
  std::mutex mutex_;
  std::weak_ptr<outputs::output_session> output_;
  std::uint64_t id_ = 0;
  bool ended_ = false;
  access::end_reason end_reason_ = access::end_reason::viewer_closed;
};

live_link make_live_link(services& s) {
  auto binding = std::make_shared<live_binding>(s.live);
  return {binding, [binding](access::end_reason why) { binding->closed(why); }};
}

void register_live(services& s, const live_link& link, std::shared_ptr<outputs::output_session> out,
                   const viewer& v, access::resource what, std::string protocol) {
  try {
    link.binding->set_output(out);
    const auto id =
        s.live.add(link.binding, v.who, what, std::move(protocol), v.remote, v.token_expires_at);
    link.binding->attach(id);
  } catch (const std::exception& e) {
    // No unaudited streams: refuse rather than stream without a record.
    spdlog::error("cannot register a stream of {} {} for {}: {}", access::to_string(what.kind),
                  what.id, v.who.name, e.what());
    out->finish(1011, "cannot record this session");
  }
}

}  // namespace camgate::api
