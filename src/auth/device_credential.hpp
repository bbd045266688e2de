#pragma once
#include <string>

namespace camgate::auth {

// A new robot's device credential: "cgr_" and 32 random bytes in base64url (256 bits,
// so no rate limit is needed to protect it). Shown once; only its Argon2id hash is kept.
std::string new_device_credential();
// An unguessable identifier (128 random bits, base64url), e.g. a WHEP session's.
std::string new_opaque_id();

}  // namespace camgate::auth
