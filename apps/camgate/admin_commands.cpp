// Administration against the data directory's database. A running gateway sees these
// writes within a second (store::change_watch): bookings and users changed here reach
// its live streams and token checks.
#include <ctime>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include <unistd.h>

#include "api/robot_enrolment.hpp"
#include "auth/password.hpp"
#include "commands.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "sources/camera_url.hpp"
#include "store/booking_repository.hpp"
#include "store/camera_repository.hpp"
#include "store/database.hpp"
#include "store/error.hpp"
#include "store/robot_repository.hpp"
#include "store/user_repository.hpp"

namespace camgate::app {
namespace {
std::string& store_url() {
  static std::string url;
  return url;
}

std::unique_ptr<store::database> open_db(const std::filesystem::path& data) {
  return store::database::open(store_url(), data);
}
}  // namespace

void use_store_url(std::string url) {
  store_url() = std::move(url);
}

int user_add(const std::filesystem::path& data, const std::string& name, const std::string& role,
             bool password_stdin) {
  if (name.empty() || name.size() > 64) {
    std::cerr << "camgate: user name must be 1 to 64 characters\n";
    return 2;
  }
  std::string password;
  if (password_stdin) {
    std::getline(std::cin, password);
  } else {
    if (!isatty(STDIN_FILENO)) {
      std::cerr << "camgate: pass --password-stdin to read the password from a pipe\n";
      return 2;
    }
    std::cerr << "password: ";
    std::getline(std::cin, password);
  }
  if (password.size() < 8) {
    std::cerr << "camgate: the password must have at least 8 characters\n";
    return 2;
  }
  auto db_owner = open_db(data);
  auto& db = *db_owner;
  store::user_repository users(db);
  try {
    auto u = users.add(name, role, auth::hash_password(password));
    std::cout << "user " << u.name << " (" << u.role << ") added with id " << u.id << "\n";
  } catch (const store::conflict&) {
    std::cerr << "camgate: a user named '" << name << "' already exists\n";
    return 1;
  }
  return 0;
}

int user_list(const std::filesystem::path& data) {
  auto db_owner = open_db(data);
  auto& db = *db_owner;
  store::user_repository users(db);
  for (const auto& u : users.list()) std::cout << u.id << "\t" << u.name << "\t" << u.role << "\n";
  return 0;
}

int user_delete(const std::filesystem::path& data, const std::string& name) {
  auto db_owner = open_db(data);
  auto& db = *db_owner;
  store::user_repository users(db);
  auto u = users.find_by_name(name);
  if (!u) {
    std::cerr << "camgate: no user named '" << name << "'\n";
    return 2;
  }
  if (u->role == "robot") {
    std::cerr << "camgate: '" << name << "' is a robot account: remove the robot instead\n";
    return 2;
  }
  users.remove(u->id);
  std::cout << "user " << u->name << " deleted (their tokens, bookings and streams end)\n";
  return 0;
}

int user_set_role(const std::filesystem::path& data, const std::string& name,
                  const std::string& role) {
  auto db_owner = open_db(data);
  auto& db = *db_owner;
  store::user_repository users(db);
  auto u = users.find_by_name(name);
  if (!u || u->role == "robot") {
    std::cerr << "camgate: no user named '" << name << "'\n";
    return 2;
  }
  users.set_role(u->id, role);  // the schema's trigger revokes their tokens
  std::cout << "user " << u->name << " is now " << role << "\n";
  return 0;
}

int robot_add(const std::filesystem::path& data, const std::string& name) {
  auto db_owner = open_db(data);
  auto& db = *db_owner;
  store::user_repository users(db);
  store::robot_repository robots(db);
  try {
    auto r = api::enrol_robot(users, robots, name);
    std::cerr << "robot " << r.robot.name << " added with id " << r.robot.id
              << " (book it as robot:" << r.robot.id << "). Its credential, shown only now:\n";
    // stdout holds the credential alone, for `camgate robot add NAME > robot.secret`.
    std::cout << r.credential << "\n";
  } catch (const std::invalid_argument& e) {
    std::cerr << "camgate: " << e.what() << "\n";
    return 2;
  } catch (const store::conflict&) {
    std::cerr << "camgate: a user or robot named '" << name << "' already exists\n";
    return 1;
  }
  return 0;
}

int robot_list(const std::filesystem::path& data) {
  auto db_owner = open_db(data);
  auto& db = *db_owner;
  store::robot_repository robots(db);
  for (const auto& r : robots.list()) std::cout << r.id << "\t" << r.name << "\n";
  return 0;
}

int camera_add(const std::filesystem::path& data, const std::string& name, const std::string& url,
               const std::string& host, int port) {
  store::camera_record rec;
  rec.name = name;
  rec.port = port;
  rec.origin = "api";
  rec.created_at = core::unix_micros() / 1000000;
  // The same strict parser as the API: what is stored here becomes a request line.
  if (!url.empty()) {
    auto parsed = sources::parse_camera_url(url);
    if (auto* err = std::get_if<std::string>(&parsed)) {
      std::cerr << "camgate: --url: " << *err << "\n";
      return 2;
    }
    const auto& u = std::get<sources::camera_url>(parsed);
    if (u.https) {
      std::cerr << "camgate: --url: https cameras are not supported; give an http:// URL\n";
      return 2;
    }
    rec.host = u.host;
    rec.port = u.port;
    // A bare http://host:port is found by probing, like a camera added by address.
    if (u.path != "/") rec.url = u.to_string();
  } else if (!host.empty()) {
    auto parsed = sources::parse_camera_host(host);
    if (auto* err = std::get_if<std::string>(&parsed)) {
      std::cerr << "camgate: --host: " << *err << "\n";
      return 2;
    }
    rec.host = std::get<sources::camera_host>(parsed).host;
  } else {
    std::cerr << "camgate: give --url or --host\n";
    return 2;
  }
  if (rec.name.empty()) rec.name = "Camera " + rec.host;
  auto db_owner = open_db(data);
  auto& db = *db_owner;
  store::camera_repository cams(db);
  auto stored = cams.add(rec);
  std::cout << "camera " << stored.id << " (" << stored.name << ") added\n";
  return 0;
}

int camera_list(const std::filesystem::path& data) {
  auto db_owner = open_db(data);
  auto& db = *db_owner;
  store::camera_repository cams(db);
  for (const auto& c : cams.list())
    std::cout << c.id << "\t" << c.name << "\t" << c.host << ":" << c.port << "\t" << c.url << "\n";
  return 0;
}

namespace {
std::optional<std::int64_t> parse_time(const std::string& text) {
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos)
    return std::stoll(text);
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!end || !(*end == '\0' || (end[0] == 'Z' && end[1] == '\0'))) return std::nullopt;
  return static_cast<std::int64_t>(timegm(&tm));
}
}  // namespace

int booking_add(const std::filesystem::path& data, const std::string& user,
                const std::string& resource, const std::string& start, const std::string& end,
                const std::string& note) {
  auto db_owner = open_db(data);
  auto& db = *db_owner;
  store::user_repository users(db);
  auto u = users.find_by_name(user);
  if (!u) {
    std::cerr << "camgate: no user named '" << user << "'\n";
    return 2;
  }
  const auto colon = resource.find(':');
  const auto kind = resource.substr(0, colon);
  if (colon == std::string::npos || (kind != "camera" && kind != "robot") ||
      resource.find_first_not_of("0123456789", colon + 1) != std::string::npos ||
      colon + 1 == resource.size()) {
    std::cerr << "camgate: --resource must be camera:<id> or robot:<id>\n";
    return 2;
  }
  auto s = parse_time(start), e = parse_time(end);
  if (!s || !e || *e <= *s) {
    std::cerr << "camgate: --start and --end must be times (unix seconds or ISO 8601 UTC), end "
                 "after start\n";
    return 2;
  }
  store::booking b;
  b.user_id = u->id;
  b.resource_kind = kind;
  b.resource_id = std::stoll(resource.substr(colon + 1));
  b.starts_at = *s;
  b.ends_at = *e;
  b.note = note;
  b.created_at = core::unix_micros() / 1000000;
  store::booking_repository bookings(db);
  auto stored = bookings.add(b);
  std::cout << "booking " << stored.id << " added\n";
  return 0;
}

namespace {
std::string iso_time(std::int64_t t) {
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}
}  // namespace

int booking_list(const std::filesystem::path& data, const std::string& user) {
  auto db_owner = open_db(data);
  auto& db = *db_owner;
  store::user_repository users(db);
  store::booking_filter f;
  if (!user.empty()) {
    auto u = users.find_by_name(user);
    if (!u) {
      std::cerr << "camgate: no user named '" << user << "'\n";
      return 2;
    }
    f.user_id = u->id;
  }
  store::booking_repository bookings(db);
  for (const auto& b : bookings.list(f)) {
    const auto u = users.find_by_id(b.user_id);
    std::cout << b.id << "\t" << (u ? u->name : std::to_string(b.user_id)) << "\t"
              << b.resource_kind << ":" << b.resource_id << "\t" << iso_time(b.starts_at) << "\t"
              << iso_time(b.ends_at) << "\t" << b.note << "\n";
  }
  return 0;
}

int booking_update(const std::filesystem::path& data, std::int64_t id, const std::string& start,
                   const std::string& end) {
  auto db_owner = open_db(data);
  auto& db = *db_owner;
  store::booking_repository bookings(db);
  auto b = bookings.get(id);
  if (!b) {
    std::cerr << "camgate: no booking " << id << "\n";
    return 2;
  }
  if (!start.empty()) {
    const auto s = parse_time(start);
    if (!s) {
      std::cerr << "camgate: --start must be unix seconds or ISO 8601 UTC\n";
      return 2;
    }
    b->starts_at = *s;
  }
  if (!end.empty()) {
    const auto e = parse_time(end);
    if (!e) {
      std::cerr << "camgate: --end must be unix seconds or ISO 8601 UTC\n";
      return 2;
    }
    b->ends_at = *e;
  }
  if (b->ends_at <= b->starts_at) {
    std::cerr << "camgate: the end must be after the start\n";
    return 2;
  }
  bookings.update(*b);
  std::cout << "booking " << id << " now " << iso_time(b->starts_at) << " to "
            << iso_time(b->ends_at) << "\n";
  return 0;
}

int booking_delete(const std::filesystem::path& data, std::int64_t id) {
  auto db_owner = open_db(data);
  auto& db = *db_owner;
  store::booking_repository bookings(db);
  if (!bookings.remove(id)) {
    std::cerr << "camgate: no booking " << id << "\n";
    return 2;
  }
  std::cout << "booking " << id << " deleted\n";
  return 0;
}

}  // namespace camgate::app
