#include "store/private_files.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "store/error.hpp"

namespace camgate::store {

void create_private_directories(const std::filesystem::path& dir) {
  // Missing folders from the innermost existing one down, each made 0700.
  std::vector<std::filesystem::path> missing;
  std::error_code ec;
  for (auto p = dir; !p.empty() && !std::filesystem::exists(p, ec); p = p.parent_path()) {
    missing.push_back(p);
    if (p == p.parent_path()) break;
  }
  for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
    if (::mkdir(it->c_str(), 0700) != 0 && errno != EEXIST)
      throw error("cannot create the directory '" + it->string() + "': " + std::strerror(errno));
  }
}

void make_private_file(const std::filesystem::path& file) {
  // O_EXCL: create it ourselves, 0600, before SQLite would create it 0644.
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ::close(fd);
    return;
  }
  if (errno != EEXIST)
    throw error("cannot create '" + file.string() + "': " + std::strerror(errno));
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0 || (st.st_mode & 077) == 0) return;
  spdlog::warn("{} was readable by others (mode {:04o}): making it 0600", file.string(),
               st.st_mode & 07777);
  if (::chmod(file.c_str(), st.st_mode & 0700) != 0)
    throw error("cannot make '" + file.string() + "' private: " + std::strerror(errno));
}

}  // namespace camgate::store
