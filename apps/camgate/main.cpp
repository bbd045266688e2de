// camgate: the command line. Subcommands: serve, user add|list, camera add|list.
#include <CLI/CLI.hpp>

#include <iostream>

#include "commands.hpp"

int main(int argc, char** argv) {
  using namespace camgate::app;
  CLI::App cli{"camgate: camera streaming gateway"};
  cli.set_version_flag("--version", std::string("camgate ") + CAMGATE_VERSION);
  cli.require_subcommand(1);

  serve_args sa;
  auto* serve_cmd = cli.add_subcommand("serve", "run the gateway");
  serve_cmd->add_option("--listen", sa.listen, "HOST:PORT to listen on (default 0.0.0.0:8080; port 0 picks one)");
  serve_cmd->add_option("--data", sa.data, "data directory (database, secrets)");
  serve_cmd->add_option("--config", sa.config_file, "TOML configuration file")->check(CLI::ExistingFile);
  serve_cmd->add_option("--log-level", sa.log_level, "trace, debug, info, warn, error");
  serve_cmd->add_option("--web-root", sa.web_root, "folder of the web page");

  std::filesystem::path data = "data";
  auto* user_cmd = cli.add_subcommand("user", "manage users")->require_subcommand(1);
  std::string user_name, role = "user";
  bool password_stdin = false;
  auto* user_add_cmd = user_cmd->add_subcommand("add", "add a user");
  user_add_cmd->add_option("name", user_name, "user name")->required();
  user_add_cmd->add_option("--role", role, "admin or user")->check(CLI::IsMember({"admin", "user"}));
  user_add_cmd->add_flag("--password-stdin", password_stdin, "read the password from standard input");
  user_add_cmd->add_option("--data", data, "data directory");
  auto* user_list_cmd = user_cmd->add_subcommand("list", "list users");
  user_list_cmd->add_option("--data", data, "data directory");

  auto* camera_cmd = cli.add_subcommand("camera", "manage cameras")->require_subcommand(1);
  std::string cam_name, cam_url, cam_host;
  int cam_port = 80;
  auto* camera_add_cmd = camera_cmd->add_subcommand("add", "register a camera");
  camera_add_cmd->add_option("--name", cam_name, "display name");
  auto* url_opt = camera_add_cmd->add_option("--url", cam_url, "http://HOST:PORT[/path] of the camera");
  camera_add_cmd->add_option("--host", cam_host, "IP address or host name")->excludes(url_opt);
  camera_add_cmd->add_option("--port", cam_port, "port")->check(CLI::Range(1, 65535));
  camera_add_cmd->add_option("--data", data, "data directory");
  auto* camera_list_cmd = camera_cmd->add_subcommand("list", "list cameras");
  camera_list_cmd->add_option("--data", data, "data directory");

  CLI11_PARSE(cli, argc, argv);
  try {
    if (serve_cmd->parsed()) return serve(sa);
    if (user_add_cmd->parsed()) return user_add(data, user_name, role, password_stdin);
    if (user_list_cmd->parsed()) return user_list(data);
    if (camera_add_cmd->parsed()) return camera_add(data, cam_name, cam_url, cam_host, cam_port);
    if (camera_list_cmd->parsed()) return camera_list(data);
  } catch (const std::exception& e) {
    std::cerr << "camgate: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
