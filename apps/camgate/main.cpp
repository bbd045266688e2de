// camgate: the command line. Subcommands: serve, user add|list|delete|set-role,
// camera add|list, booking add|list|update|delete, robot add|list, doctor camera|gateway.
#include <CLI/CLI.hpp>

#include <iostream>

#include "commands.hpp"
#include "doctor.hpp"

int main(int argc, char** argv) {
  using namespace camgate::app;
  CLI::App cli{"camgate: camera streaming gateway"};
  cli.set_version_flag("--version", std::string("camgate ") + CAMGATE_VERSION);
  cli.require_subcommand(1);

  serve_args sa;
  auto* serve_cmd = cli.add_subcommand("serve", "run the gateway");
  serve_cmd->add_option("--listen", sa.listen,
                        "HOST:PORT to listen on (default 0.0.0.0:8080; port 0 picks one)");
  serve_cmd->add_option("--data", sa.data,
                        "data directory (database, secrets); overrides [store] data_dir");
  serve_cmd->add_option("--config", sa.config_file, "TOML configuration file")
      ->check(CLI::ExistingFile);
  serve_cmd->add_option("--log-level", sa.log_level, "trace, debug, info, warn, error");
  serve_cmd->add_option("--web-root", sa.web_root, "folder of the web page");
  serve_cmd
      ->add_option("--tls-cert", sa.tls_cert,
                   "PEM certificate chain: serve HTTPS and WSS on the same port")
      ->check(CLI::ExistingFile);
  serve_cmd->add_option("--tls-key", sa.tls_key, "PEM private key of --tls-cert")
      ->check(CLI::ExistingFile);

  std::filesystem::path data = "data";
  // The admin commands' PostgreSQL ([store] url of the gateway); from the environment
  // by preference, so the password stays out of `ps`.
  std::string store_url;
  auto store_url_option = [&store_url](CLI::App* cmd) {
    cmd->add_option("--store-url", store_url,
                    "PostgreSQL database (postgresql://...) instead of the data directory's")
        ->envname("CAMGATE_STORE_URL");
  };
  auto* user_cmd = cli.add_subcommand("user", "manage users")->require_subcommand(1);
  std::string user_name, role = "user";
  bool password_stdin = false;
  auto* user_add_cmd = user_cmd->add_subcommand("add", "add a user");
  user_add_cmd->add_option("name", user_name, "user name")->required();
  user_add_cmd->add_option("--role", role, "admin or user")
      ->check(CLI::IsMember({"admin", "user"}));
  user_add_cmd->add_flag("--password-stdin", password_stdin,
                         "read the password from standard input");
  user_add_cmd->add_option("--data", data, "data directory");
  store_url_option(user_add_cmd);
  auto* user_list_cmd = user_cmd->add_subcommand("list", "list users");
  user_list_cmd->add_option("--data", data, "data directory");
  store_url_option(user_list_cmd);
  auto* user_delete_cmd =
      user_cmd->add_subcommand("delete", "delete a user (their tokens and streams end)");
  user_delete_cmd->add_option("name", user_name, "user name")->required();
  user_delete_cmd->add_option("--data", data, "data directory");
  store_url_option(user_delete_cmd);
  auto* user_role_cmd =
      user_cmd->add_subcommand("set-role", "make a user admin or user (revokes their tokens)");
  user_role_cmd->add_option("name", user_name, "user name")->required();
  user_role_cmd->add_option("--role", role, "admin or user")
      ->required()
      ->check(CLI::IsMember({"admin", "user"}));
  user_role_cmd->add_option("--data", data, "data directory");
  store_url_option(user_role_cmd);

  auto* camera_cmd = cli.add_subcommand("camera", "manage cameras")->require_subcommand(1);
  std::string cam_name, cam_url, cam_host;
  int cam_port = 80;
  auto* camera_add_cmd = camera_cmd->add_subcommand("add", "register a camera");
  camera_add_cmd->add_option("--name", cam_name, "display name");
  auto* url_opt =
      camera_add_cmd->add_option("--url", cam_url, "http://HOST:PORT[/path] of the camera");
  camera_add_cmd->add_option("--host", cam_host, "IP address or host name")->excludes(url_opt);
  camera_add_cmd->add_option("--port", cam_port, "port")->check(CLI::Range(1, 65535));
  camera_add_cmd->add_option("--data", data, "data directory");
  store_url_option(camera_add_cmd);
  auto* camera_list_cmd = camera_cmd->add_subcommand("list", "list cameras");
  camera_list_cmd->add_option("--data", data, "data directory");
  store_url_option(camera_list_cmd);

  auto* booking_cmd = cli.add_subcommand("booking", "manage bookings")->require_subcommand(1);
  std::string b_user, b_resource, b_start, b_end, b_note;
  auto* booking_add_cmd = booking_cmd->add_subcommand("add", "book a camera or robot for a user");
  booking_add_cmd->add_option("--user", b_user, "user name")->required();
  booking_add_cmd->add_option("--resource", b_resource, "camera:<id> or robot:<id>")->required();
  booking_add_cmd
      ->add_option("--start", b_start, "unix seconds or ISO 8601 UTC (2026-11-22T10:00:00Z)")
      ->required();
  booking_add_cmd->add_option("--end", b_end, "unix seconds or ISO 8601 UTC")->required();
  booking_add_cmd->add_option("--note", b_note, "free text");
  booking_add_cmd->add_option("--data", data, "data directory");
  store_url_option(booking_add_cmd);
  auto* booking_list_cmd = booking_cmd->add_subcommand("list", "list bookings (by start)");
  booking_list_cmd->add_option("--user", b_user, "only this user's");
  booking_list_cmd->add_option("--data", data, "data directory");
  store_url_option(booking_list_cmd);
  std::int64_t b_id = 0;
  auto* booking_update_cmd =
      booking_cmd->add_subcommand("update", "move a booking's start or end (live streams follow)");
  booking_update_cmd->add_option("id", b_id, "booking id")->required();
  booking_update_cmd->add_option("--start", b_start, "unix seconds or ISO 8601 UTC");
  booking_update_cmd->add_option("--end", b_end, "unix seconds or ISO 8601 UTC");
  booking_update_cmd->add_option("--data", data, "data directory");
  store_url_option(booking_update_cmd);
  auto* booking_delete_cmd =
      booking_cmd->add_subcommand("delete", "delete a booking (its live streams end)");
  booking_delete_cmd->add_option("id", b_id, "booking id")->required();
  booking_delete_cmd->add_option("--data", data, "data directory");
  store_url_option(booking_delete_cmd);

  auto* robot_cmd = cli.add_subcommand("robot", "manage robots")->require_subcommand(1);
  std::string robot_name;
  auto* robot_add_cmd =
      robot_cmd->add_subcommand("add", "enrol a robot; prints its device credential once");
  robot_add_cmd->add_option("name", robot_name, "robot name (its signaling id)")->required();
  robot_add_cmd->add_option("--data", data, "data directory");
  store_url_option(robot_add_cmd);
  auto* robot_list_cmd = robot_cmd->add_subcommand("list", "list robots");
  robot_list_cmd->add_option("--data", data, "data directory");
  store_url_option(robot_list_cmd);

  doctor_command doctor(cli);

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int rc = cli.exit(e);
    // doctor's contract: 2 for a usage error (scripts tell it from a failed check).
    const bool is_doctor = argc > 1 && std::string_view(argv[1]) == "doctor";
    return rc != 0 && is_doctor ? 2 : rc;
  }
  try {
    if (doctor.parsed()) return doctor.run();
    if (serve_cmd->parsed()) return serve(sa);
    use_store_url(store_url);
    if (user_add_cmd->parsed()) return user_add(data, user_name, role, password_stdin);
    if (user_list_cmd->parsed()) return user_list(data);
    if (user_delete_cmd->parsed()) return user_delete(data, user_name);
    if (user_role_cmd->parsed()) return user_set_role(data, user_name, role);
    if (camera_add_cmd->parsed()) return camera_add(data, cam_name, cam_url, cam_host, cam_port);
    if (camera_list_cmd->parsed()) return camera_list(data);
    if (robot_add_cmd->parsed()) return robot_add(data, robot_name);
    if (robot_list_cmd->parsed()) return robot_list(data);
    if (booking_add_cmd->parsed())
      return booking_add(data, b_user, b_resource, b_start, b_end, b_note);
    if (booking_list_cmd->parsed()) return booking_list(data, b_user);
    if (booking_update_cmd->parsed()) return booking_update(data, b_id, b_start, b_end);
    if (booking_delete_cmd->parsed()) return booking_delete(data, b_id);
  } catch (const std::exception& e) {
    std::cerr << "camgate: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
