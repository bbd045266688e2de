#pragma once
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace camgate::doctor {

enum class check_status { ok, warn, fail, skip };
std::string_view to_string(check_status s);  // "ok", "warn", "fail", "skip"

// One step of a diagnosis: what was checked, what was found, and what to do about it.
struct check {
  check() = default;
  check(std::string id_, std::string title_, check_status status_ = check_status::ok,
        std::string detail_ = {}, std::string advice_ = {})
      : id(std::move(id_)),
        title(std::move(title_)),
        status(status_),
        detail(std::move(detail_)),
        advice(std::move(advice_)) {}

  std::string id;     // stable, for --json consumers: "dns", "tcp", "capture", ...
  std::string title;  // "TCP connect to 192.168.1.20:80"
  check_status status = check_status::ok;
  std::string detail;                              // what was found
  std::string advice;                              // what to do (empty when nothing)
  std::optional<double> ms;                        // how long the step took
  nlohmann::json data = nlohmann::json::object();  // figures for --json
};

// The steps of one `camgate doctor` run, in the order they ran.
struct report {
  report() = default;
  report(std::string kind_, std::string target_)
      : kind(std::move(kind_)), target(std::move(target_)) {}

  std::string kind;    // "camera" or "gateway"
  std::string target;  // as given
  std::vector<check> checks;

  check& add(check c);
  std::size_t count(check_status s) const;
  bool failed() const { return count(check_status::fail) > 0; }
  int exit_code() const { return failed() ? 1 : 0; }
};

// ✓ / ! / ✗ / - lines with the advice under them, then a summary line.
std::string to_text(const report& r);
// {"kind","target","ok","summary":{...},"checks":[{"id","title","status",...}]}
nlohmann::json to_json(const report& r);

// "12.3 ms", "1.20 s"
std::string format_ms(double ms);
// "812 B", "45.1 KiB", "3.20 MiB"
std::string format_bytes(double bytes);

}  // namespace camgate::doctor
