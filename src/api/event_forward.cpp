#include "api/event_forward.hpp"

#include "analysis/resource_analysis.hpp"
#include "analysis/service.hpp"
#include "core/clock.hpp"

namespace camgate::api {

void event_forward::start(analysis::event_hub& hub, access::resource what,
                          const std::shared_ptr<outputs::output_session>& out) {
  auto handle = hub.listen(
      what, [weak = std::weak_ptr<outputs::output_session>(out)](const analysis::event_ptr& e) {
        if (auto o = weak.lock()) o->notify(e->text());
      });
  std::lock_guard lock(mutex_);
  if (!stopped_) listening_ = std::move(handle);
}

void event_forward::stop() {
  std::shared_ptr<void> gone;
  std::lock_guard lock(mutex_);
  stopped_ = true;
  gone = std::move(listening_);
}

std::shared_ptr<event_forward> forward_events_until_closed(live_link& link) {
  auto f = std::make_shared<event_forward>();
  link.on_closed = [inner = std::move(link.on_closed), f](access::end_reason why) {
    f->stop();
    if (inner) inner(why);
  };
  return f;
}

std::string hello_event(services& s, access::resource what) {
  auto body = analysis::event_body("hello", what, core::unix_micros());
  if (s.analysis) {
    const auto st = s.analysis->status_of(what);
    body["analysis"] = {{"running", st.running},
                        {"why_not", st.why_not},
                        {"profile", analysis::to_json(st.current)}};
    if (!st.last.is_null()) body["last"] = st.last;
  }
  return body.dump();
}

}  // namespace camgate::api
