#pragma once
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace camgate::app {

struct serve_args {
  std::optional<std::string> listen;
  std::optional<std::filesystem::path> data;  // unset: [store] data_dir
  std::optional<std::filesystem::path> config_file;
  std::optional<std::string> log_level;
  std::optional<std::string> web_root;
  std::optional<std::filesystem::path> tls_cert;
  std::optional<std::filesystem::path> tls_key;
};

int serve(const serve_args& args);

// The database the admin commands below use: empty (the default) for <data>/camgate.db,
// else a PostgreSQL URL ([store] url).
void use_store_url(std::string url);

int user_add(const std::filesystem::path& data, const std::string& name, const std::string& role,
             bool password_stdin);
int user_list(const std::filesystem::path& data);
int user_delete(const std::filesystem::path& data, const std::string& name);
int user_set_role(const std::filesystem::path& data, const std::string& name,
                  const std::string& role);
int camera_add(const std::filesystem::path& data, const std::string& name, const std::string& url,
               const std::string& host, int port);
int camera_list(const std::filesystem::path& data);
int robot_add(const std::filesystem::path& data, const std::string& name);
int robot_list(const std::filesystem::path& data);
int booking_add(const std::filesystem::path& data, const std::string& user,
                const std::string& resource, const std::string& start, const std::string& end,
                const std::string& note);
int booking_list(const std::filesystem::path& data, const std::string& user);
int booking_update(const std::filesystem::path& data, std::int64_t id, const std::string& start,
                   const std::string& end);
int booking_delete(const std::filesystem::path& data, std::int64_t id);

}  // namespace camgate::app
