#pragma once
#include <optional>
#include <string>

#include <CLI/CLI.hpp>

namespace camgate::app {

// `camgate doctor camera|gateway`: the options on the command line and the run.
class doctor_command {
 public:
  explicit doctor_command(CLI::App& cli);
  bool parsed() const { return camera_->parsed() || gateway_->parsed(); }
  // 0 all good, 1 a check failed, 2 a usage error.
  int run();

 private:
  int run_camera();
  int run_gateway();

  CLI::App* camera_ = nullptr;
  CLI::App* gateway_ = nullptr;
  std::string target_;
  double seconds_ = 5;
  std::optional<int> timeout_ms_;
  bool json_ = false;
  std::optional<std::string> origin_;
  std::optional<std::string> user_;
  bool password_stdin_ = false;
  std::optional<std::string> ca_file_;
};

}  // namespace camgate::app
