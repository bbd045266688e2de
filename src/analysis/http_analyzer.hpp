#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "core/asio.hpp"
#include "core/frame.hpp"

namespace camgate::analysis {

// An analyzer that is another service: the seed's analyze_esp32_frame hook to the
// dental-AI backend. Each picture is POSTed as JPEG, either as multipart/form-data with
// the picture in field `field` (DeepStack, CodeProject.AI) or as a raw image/jpeg body,
// with `auth_header` sent as is; the JSON answer is passed through.
struct http_analyzer_options {
  std::string name;  // [analysis.analyzers.NAME]
  std::string url;   // http://host[:port]/path[?query]; http only
  enum class body_format { multipart, jpeg } format = body_format::multipart;
  std::string field = "image";
  std::string auth_header;                  // "Name: value", or empty
  std::chrono::milliseconds timeout{5000};  // connect + send + answer
  std::size_t max_response_bytes = 1024 * 1024;
};

// What one request gave.
struct http_analysis {
  bool ok = false;              // a 2xx answer whose body is JSON
  unsigned http_status = 0;     // 0: no answer (refused, timeout)
  nlohmann::json body;          // the answer when ok
  std::string error;            // why not, for the user: "timed out after 2000 ms", ...
  double ms = 0;                // from sending to the answer
  std::uint64_t frame_seq = 0;  // the picture that was analyzed
  std::int64_t captured_at_us = 0;
};

// At most one request in flight per `key` (a camera, "camera:3"): analyze() for a key
// whose request is still running does not send another; its callback gets that
// request's result (the picture is at most one request old). Thread-safe; callbacks run
// on the executor given at construction, never inside analyze(), and never throw out.
class http_analyzer : public std::enable_shared_from_this<http_analyzer> {
 public:
  using callback = std::function<void(const http_analysis&)>;

  // Throws std::invalid_argument for a URL that is not http://host[:port]/...
  http_analyzer(asio::any_io_executor ex, http_analyzer_options options);
  ~http_analyzer();

  void analyze(const std::string& key, core::frame_ptr picture, callback done);
  // True while a request for `key` is in flight.
  bool busy(const std::string& key) const;

  const http_analyzer_options& options() const;
  // For /metrics and the bench.
  std::uint64_t requests() const;
  std::uint64_t failures() const;

 private:
  struct impl;
  std::shared_ptr<impl> impl_;
};

}  // namespace camgate::analysis
