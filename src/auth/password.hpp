#pragma once
#include <string>
#include <string_view>

namespace camgate::auth {

// An argon2id hash in libsodium's self-describing string form ("$argon2id$v=19$m=...").
// Interactive limits: ~64 MiB and a fraction of a second per call, by design.
// Throws auth::error when the memory cannot be had.
std::string hash_password(std::string_view password);

// Checks `password` against a stored hash; false for a wrong password and for a stored
// value that is not a hash libsodium understands.
bool verify_password(std::string_view stored_hash, std::string_view password);

// Costs what verify_password costs and always fails: call it when the user does not
// exist, so response time does not reveal which names are registered.
void dummy_verify();

}  // namespace camgate::auth
