#include "auth/secret_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <system_error>

#include <sodium.h>
#include <spdlog/spdlog.h>

#include "auth/error.hpp"
#include "auth/sodium_init.hpp"

namespace camgate::auth {
namespace {

constexpr std::size_t kSecretBytes = 32;
constexpr std::size_t kMinSecretChars = 32;

std::string errno_text() {
  return std::strerror(errno);
}

std::string new_secret_text() {
  unsigned char bytes[kSecretBytes];
  randombytes_buf(bytes, sizeof bytes);
  char hex[kSecretBytes * 2 + 1];
  sodium_bin2hex(hex, sizeof hex, bytes, sizeof bytes);
  sodium_memzero(bytes, sizeof bytes);
  std::string text(hex);
  sodium_memzero(hex, sizeof hex);
  return text + "\n";
}

void write_all(int fd, const std::string& text, const std::filesystem::path& path) {
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0)
      throw error("cannot write the JWT secret to '" + path.string() + "': " + errno_text());
    done += static_cast<std::size_t>(n);
  }
}

// Writes a fresh secret to a private temporary file and links it into place: link()
// fails if the file exists, so two processes starting together agree on one secret and
// nobody ever reads a half-written file.
void create_secret_file(const std::filesystem::path& file) {
  std::string temp = (file.parent_path() / ".jwt_secret.XXXXXX").string();
  const int fd = ::mkstemp(temp.data());  // mode 0600
  if (fd < 0) {
    throw error("cannot create the JWT secret in '" + file.parent_path().string() +
                "': " + errno_text() + " (is the data directory writable?)");
  }
  try {
    write_all(fd, new_secret_text(), file);
    if (::fsync(fd) != 0) throw error("cannot sync '" + temp + "': " + errno_text());
  } catch (...) {
    ::close(fd);
    ::unlink(temp.c_str());
    throw;
  }
  ::close(fd);
  const int rc = ::link(temp.c_str(), file.c_str());
  const int link_errno = errno;
  ::unlink(temp.c_str());
  if (rc != 0 && link_errno != EEXIST) {
    errno = link_errno;
    throw error("cannot create '" + file.string() + "': " + errno_text());
  }
}

std::string read_secret_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw error("cannot read the JWT secret '" + file.string() + "': " + errno_text());
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.pop_back();
  if (text.size() < kMinSecretChars) {
    throw error("the JWT secret '" + file.string() + "' holds " + std::to_string(text.size()) +
                " characters, fewer than " + std::to_string(kMinSecretChars) +
                ": delete it to generate a new one (this signs every user out)");
  }
  return text;
}

void warn_if_readable_by_others(const std::filesystem::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) == 0 && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
    spdlog::warn("the JWT secret {} is accessible to other users (mode {:o}): chmod 600 it",
                 file.string(), st.st_mode & 0777);
  }
}

}  // namespace

std::string load_or_create_secret(const std::filesystem::path& data_dir) {
  ensure_sodium();
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) {
    throw error("cannot create the data directory '" + data_dir.string() + "': " + ec.message());
  }
  const std::filesystem::path file = data_dir / "jwt_secret";
  if (!std::filesystem::exists(file, ec)) create_secret_file(file);
  warn_if_readable_by_others(file);
  return read_secret_file(file);
}

}  // namespace camgate::auth
