#include "core/config_analysis.hpp"

#include <set>
#include <stdexcept>

namespace camgate::core {
namespace {

[[noreturn]] void fail(const std::string& where, const std::string& what) {
  throw std::runtime_error(where + " " + what);
}

// One TOML table whose keys are all known in advance: typed reads, and a leftover key
// (a typo) refused with the names it may have.
class table_reader {
 public:
  table_reader(const toml::table& t, std::string where) : t_(t), where_(std::move(where)) {}

  void text(std::string_view key, std::string& out) {
    if (auto n = node(key)) {
      auto v = n->value<std::string>();
      if (!v) fail(path(key), "must be a string");
      out = *v;
    }
  }
  void integer(std::string_view key, std::int64_t& out, std::int64_t lo, std::int64_t hi) {
    if (auto n = node(key)) {
      auto v = n->value<std::int64_t>();
      if (!v || *v < lo || *v > hi)
        fail(path(key),
             "must be an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
      out = *v;
    }
  }
  void number(std::string_view key, double& out, double lo, double hi) {
    if (auto n = node(key)) {
      auto v = n->value<double>();
      if (!v || *v < lo || *v > hi)
        fail(path(key),
             "must be a number in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
      out = *v;
    }
  }
  void texts(std::string_view key, std::vector<std::string>& out) {
    if (auto n = node(key)) {
      const auto* arr = n->as_array();
      if (!arr) fail(path(key), "must be an array of strings");
      out.clear();
      for (const auto& item : *arr) {
        auto v = item.value<std::string>();
        if (!v) fail(path(key), "must be an array of strings");
        out.push_back(*v);
      }
    }
  }
  // A sub-table read by someone else (its key is known here).
  const toml::table* table(std::string_view key) {
    auto n = node(key);
    if (!n) return nullptr;
    if (!n->is_table()) fail(path(key), "must be a table, [" + path(key) + "]");
    return n->as_table();
  }
  void refuse_unknown() const {
    for (const auto& [key, value] : t_) {
      if (known_.contains(std::string(key.str()))) continue;
      std::string names;
      for (const auto& k : known_) names += (names.empty() ? "" : ", ") + k;
      fail("config key",
           "'" + path(key.str()) + "' is unknown (" + where_ + " has: " + names + ")");
    }
  }
  std::string path(std::string_view key) const { return where_ + "." + std::string(key); }

 private:
  const toml::node* node(std::string_view key) {
    known_.insert(std::string(key));
    return t_.get(key);
  }
  const toml::table& t_;
  std::string where_;
  std::set<std::string> known_;
};

const toml::table* section(const toml::table& t, std::string_view name) {
  const auto* n = t.get(name);
  if (!n) return nullptr;
  if (!n->is_table()) fail(std::string(name), "must be a table, [" + std::string(name) + "]");
  return n->as_table();
}

bool is_http_url(const std::string& url) {
  return url.starts_with("http://") && url.size() > 7;
}

// Names that become URL path parts, MQTT topics and JSON keys: kept plain.
void check_name(const std::string& where, std::string_view name) {
  if (name.empty() || name.size() > 40) fail(where, "needs a name of 1 to 40 characters");
  for (char ch : name)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_'))
      fail(where, "name '" + std::string(name) + "' may hold only letters, digits, - and _");
}

void check_events(const std::string& where, const std::vector<std::string>& events) {
  for (const auto& e : events)
    if (e != "analysis" && e != "alert" && e != "camera-state")
      fail(where, "must list only analysis, alert or camera-state, got '" + e + "'");
}

void read_analysis(const toml::table& t, config::analysis_section& a) {
  table_reader r(t, "analysis");
  r.integer("workers", a.workers, 1, 64);
  r.integer("keep_days", a.keep_days, 0, 36500);
  r.integer("max_results", a.max_results, 1000, 1000000000);
  r.integer("max_fps", a.max_fps, 1, 30);
  r.number("motion_threshold", a.motion_threshold, 0.0001, 1);
  r.integer("frozen_after_ms", a.frozen_after_ms, 500, 3600000);
  r.number("black_luma", a.black_luma, 0, 255);
  if (const auto* d = r.table("default")) {
    table_reader p(*d, "analysis.default");
    p.text("when", a.defaults.when);
    p.number("fps", a.defaults.fps, 0.01, static_cast<double>(a.max_fps));
    p.texts("analyzers", a.defaults.analyzers);
    p.refuse_unknown();
    if (a.defaults.when != "off" && a.defaults.when != "always" && a.defaults.when != "watched" &&
        a.defaults.when != "bookings")
      fail("analysis.default.when", "must be off, always, watched or bookings");
  }
  if (const auto* ext = r.table("analyzers")) {
    for (const auto& [name, node] : *ext) {
      const std::string where = "analysis.analyzers." + std::string(name.str());
      check_name(where, name.str());
      if (!node.is_table()) fail(where, "must be a table, [" + where + "]");
      config::analysis_section::external_section e;
      table_reader x(*node.as_table(), where);
      x.text("url", e.url);
      x.text("format", e.format);
      x.text("field", e.field);
      x.text("auth_header", e.auth_header);
      x.integer("timeout_ms", e.timeout_ms, 100, 600000);
      x.integer("max_response_bytes", e.max_response_bytes, 1024, 64 * 1024 * 1024);
      x.refuse_unknown();
      if (!is_http_url(e.url)) fail(where + ".url", "must be an http:// URL");
      if (e.format != "multipart" && e.format != "jpeg")
        fail(where + ".format", "must be multipart or jpeg");
      if (e.field.empty()) fail(where + ".field", "must not be empty");
      if (!e.auth_header.empty() && e.auth_header.find(':') == std::string::npos)
        fail(where + ".auth_header", "must be 'Name: value'");
      if (e.auth_header.find_first_of("\r\n") != std::string::npos)
        fail(where + ".auth_header", "must be one line");
      a.external.emplace(std::string(name.str()), std::move(e));
    }
  }
  r.refuse_unknown();
}

void read_integrations(const toml::table& t, config::integrations_section& in) {
  table_reader r(t, "integrations");
  if (const auto* hooks = r.table("webhooks")) {
    for (const auto& [name, node] : *hooks) {
      const std::string where = "integrations.webhooks." + std::string(name.str());
      check_name(where, name.str());
      if (!node.is_table()) fail(where, "must be a table, [" + where + "]");
      config::integrations_section::webhook_section w;
      table_reader h(*node.as_table(), where);
      h.text("url", w.url);
      h.text("secret", w.secret);
      h.texts("events", w.events);
      h.integer("timeout_ms", w.timeout_ms, 100, 600000);
      h.integer("max_queue", w.max_queue, 1, 1000000);
      h.refuse_unknown();
      if (!is_http_url(w.url)) fail(where + ".url", "must be an http:// URL");
      check_events(where + ".events", w.events);
      in.webhooks.emplace(std::string(name.str()), std::move(w));
    }
  }
  if (const auto* m = r.table("mqtt")) {
    auto& q = in.mqtt;
    table_reader x(*m, "integrations.mqtt");
    x.text("host", q.host);
    x.integer("port", q.port, 1, 65535);
    x.text("client_id", q.client_id);
    x.text("username", q.username);
    x.text("password", q.password);
    x.text("topic_prefix", q.topic_prefix);
    x.integer("qos", q.qos, 0, 2);
    x.texts("events", q.events);
    x.refuse_unknown();
    check_events("integrations.mqtt.events", q.events);
    if (q.topic_prefix.empty() || q.topic_prefix.find_first_of("#+") != std::string::npos)
      fail("integrations.mqtt.topic_prefix", "must be a topic without wildcards");
  }
  r.refuse_unknown();
}

}  // namespace

void read_analysis_config(const toml::table& t, config& c) {
  if (const auto* a = section(t, "analysis")) read_analysis(*a, c.analysis);
  if (const auto* i = section(t, "integrations")) read_integrations(*i, c.integrations);
}

}  // namespace camgate::core
