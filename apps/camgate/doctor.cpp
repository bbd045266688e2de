// camgate doctor camera HOST[:PORT] | gateway URL: the troubleshooting walk of docs/doctor.md.
#include "doctor.hpp"

#include <iostream>

#include "doctor/runner.hpp"

namespace camgate::app {

namespace {

constexpr int kUsage = 2;

int print(const doctor::report& r, bool json) {
  if (json) {
    // Text from the far end may not be UTF-8: replaced, never thrown on.
    std::cout << doctor::to_json(r).dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
              << "\n";
  } else {
    std::cout << doctor::to_text(r);
  }
  std::cout.flush();
  return r.exit_code();
}

}  // namespace

doctor_command::doctor_command(CLI::App& cli) {
  auto* doctor = cli.add_subcommand("doctor", "troubleshoot a camera or a gateway (docs/doctor.md)")
                     ->require_subcommand(1);
  camera_ = doctor->add_subcommand(
      "camera", "check a camera step by step: network, /capture, stream, frame rate, settings");
  camera_->add_option("target", target_, "HOST or HOST:PORT (port 80 by default)")->required();
  camera_->add_option("--seconds", seconds_, "how long to measure the frame rate")
      ->check(CLI::Range(0.5, 600.0))
      ->capture_default_str();
  camera_
      ->add_option("--timeout-ms", timeout_ms_,
                   "limit for each connect, answer and first picture (default 3000)")
      ->check(CLI::Range(50, 120000));
  camera_->add_flag("--json", json_, "print a machine-readable report");

  gateway_ = doctor->add_subcommand(
      "gateway", "check a gateway: /health, TLS, CORS for a web origin, login, ICE servers");
  gateway_->add_option("url", target_, "http[s]://HOST[:PORT] of the gateway")->required();
  gateway_->add_option("--origin", origin_,
                       "a web page's origin (https://app.example) to check CORS for");
  auto* user = gateway_->add_option("--user", user_, "log in as this user");
  auto* pw = gateway_->add_flag("--password-stdin", password_stdin_,
                                "read the password from standard input");
  user->needs(pw);
  pw->needs(user);
  gateway_->add_option("--ca-file", ca_file_, "PEM file of the CA to trust for https://")
      ->check(CLI::ExistingFile);
  gateway_->add_option("--timeout-ms", timeout_ms_, "limit for each request (default 5000)")
      ->check(CLI::Range(50, 120000));
  gateway_->add_flag("--json", json_, "print a machine-readable report");
}

int doctor_command::run() {
  return camera_->parsed() ? run_camera() : run_gateway();
}

int doctor_command::run_camera() {
  auto target = doctor::parse_camera_target(target_);
  if (auto* err = std::get_if<std::string>(&target)) {
    std::cerr << "camgate doctor camera: " << *err << "\n";
    return kUsage;
  }
  doctor::camera_options o;
  o.text = target_;
  o.target = std::get<doctor::camera_target>(target);
  o.stream_time = std::chrono::milliseconds(static_cast<std::int64_t>(seconds_ * 1000));
  if (timeout_ms_) o.timeout = std::chrono::milliseconds(*timeout_ms_);
  return print(doctor::run_camera(std::move(o)), json_);
}

int doctor_command::run_gateway() {
  auto target = doctor::parse_gateway_target(target_);
  if (auto* err = std::get_if<std::string>(&target)) {
    std::cerr << "camgate doctor gateway: " << *err << "\n";
    return kUsage;
  }
  doctor::gateway_options o;
  o.text = target_;
  o.target = std::get<doctor::gateway_target>(target);
  o.origin = origin_;
  o.user = user_;
  o.ca_file = ca_file_;
  if (timeout_ms_) o.timeout = std::chrono::milliseconds(*timeout_ms_);
  if (password_stdin_) {
    std::getline(std::cin, o.password);
    if (!o.password.empty() && o.password.back() == '\r') o.password.pop_back();
    if (o.password.empty()) {
      std::cerr << "camgate doctor gateway: --password-stdin read no password\n";
      return kUsage;
    }
  }
  return print(doctor::run_gateway(std::move(o)), json_);
}

}  // namespace camgate::app
