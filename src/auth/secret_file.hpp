#pragma once
#include <filesystem>
#include <string>

namespace camgate::auth {

// The key that signs tokens: the text of <data_dir>/jwt_secret (trailing whitespace
// trimmed). The first call creates the directory if needed and the file, mode 0600, with
// 32 random bytes hex-encoded; later calls, and restarts, read the same key, so tokens
// survive a restart. Delete the file to sign every user out.
// Throws auth::error when the file cannot be created or read, or holds under 32 characters.
std::string load_or_create_secret(const std::filesystem::path& data_dir);

}  // namespace camgate::auth
