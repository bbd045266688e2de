#include "doctor/runner.hpp"

#include <exception>
#include <optional>

namespace camgate::doctor {

namespace {

template <typename Start>
report run(std::string kind, std::string target, Start start) {
  asio::io_context io(1);
  std::optional<report> out;
  std::string failure;
  asio::co_spawn(io, start(), [&](std::exception_ptr e, report r) {
    if (!e) {
      out = std::move(r);
      return;
    }
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      failure = x.what();
    } catch (...) {
      failure = "unknown error";
    }
  });
  io.run();
  if (!out) {
    out = report{std::move(kind), std::move(target)};
    out->add({"internal", "camgate doctor", check_status::fail,
              "stopped by an internal error: " + failure});
  }
  return std::move(*out);
}

}  // namespace

report run_camera(camera_options o) {
  auto text = o.text;
  return run("camera", text, [o = std::move(o)] { return check_camera(o); });
}

report run_gateway(gateway_options o) {
  auto text = o.text;
  return run("gateway", text, [o = std::move(o)] { return check_gateway(o); });
}

}  // namespace camgate::doctor
