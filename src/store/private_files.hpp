#pragma once
#include <filesystem>

namespace camgate::store {

// The database holds password and robot-credential hashes: only the gateway's own
// user may read it. Both throw store::error with the path and the reason.

// Creates `dir` and any missing parents with mode 0700 (umask permitting); folders that
// exist already are left as the operator made them.
void create_private_directories(const std::filesystem::path& dir);

// Creates `file` empty with mode 0600 when it is missing; tightens an existing one
// readable or writable by group or others to 0600, with a warning in the log.
void make_private_file(const std::filesystem::path& file);

}  // namespace camgate::store
