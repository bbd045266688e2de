#include "doctor/report.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace camgate::doctor {

std::string_view to_string(check_status s) {
  switch (s) {
    case check_status::ok:
      return "ok";
    case check_status::warn:
      return "warn";
    case check_status::fail:
      return "fail";
    case check_status::skip:
      return "skip";
  }
  return "skip";
}

check& report::add(check c) {
  checks.push_back(std::move(c));
  return checks.back();
}

std::size_t report::count(check_status s) const {
  return static_cast<std::size_t>(
      std::count_if(checks.begin(), checks.end(), [s](const check& c) { return c.status == s; }));
}

std::string format_ms(double ms) {
  if (ms < 1000) return fmt::format("{:.1f} ms", ms);
  return fmt::format("{:.2f} s", ms / 1000);
}

std::string format_bytes(double bytes) {
  if (bytes < 1024) return fmt::format("{:.0f} B", bytes);
  if (bytes < 1024 * 1024) return fmt::format("{:.1f} KiB", bytes / 1024);
  return fmt::format("{:.2f} MiB", bytes / (1024 * 1024));
}

namespace {

std::string_view mark(check_status s) {
  switch (s) {
    case check_status::ok:
      return "\u2713";  // ✓
    case check_status::warn:
      return "!";
    case check_status::fail:
      return "\u2717";  // ✗
    case check_status::skip:
      return "-";
  }
  return "-";
}

// Indents every line after the first of a possibly multi-line text.
std::string indent(std::string_view text, std::string_view pad) {
  std::string out;
  for (char c : text) {
    out += c;
    if (c == '\n') out += pad;
  }
  return out;
}

}  // namespace

std::string to_text(const report& r) {
  std::string out = fmt::format("camgate doctor {} {}\n", r.kind, r.target);
  for (const auto& c : r.checks) {
    out += fmt::format("  {} {}", mark(c.status), c.title);
    if (c.ms) out += fmt::format(" ({})", format_ms(*c.ms));
    if (!c.detail.empty()) out += ": " + indent(c.detail, "      ");
    out += '\n';
    if (!c.advice.empty()) out += "      \u2192 " + indent(c.advice, "        ") + '\n';
  }
  out += fmt::format("{} passed, {} warning{}, {} failed, {} skipped\n", r.count(check_status::ok),
                     r.count(check_status::warn), r.count(check_status::warn) == 1 ? "" : "s",
                     r.count(check_status::fail), r.count(check_status::skip));
  return out;
}

nlohmann::json to_json(const report& r) {
  auto checks = nlohmann::json::array();
  for (const auto& c : r.checks) {
    nlohmann::json j = {{"id", c.id},         {"title", c.title},   {"status", to_string(c.status)},
                        {"detail", c.detail}, {"advice", c.advice}, {"data", c.data}};
    if (c.ms) j["ms"] = *c.ms;
    checks.push_back(std::move(j));
  }
  return {{"kind", r.kind},
          {"target", r.target},
          {"ok", !r.failed()},
          {"summary",
           {{"ok", r.count(check_status::ok)},
            {"warn", r.count(check_status::warn)},
            {"fail", r.count(check_status::fail)},
            {"skip", r.count(check_status::skip)}}},
          {"checks", std::move(checks)}};
}

}  // namespace camgate::doctor
