#pragma once

namespace camgate::auth {

// Initialises libsodium once per process (safe from any thread); throws auth::error when
// it cannot (no usable random source). Every libsodium use in auth calls this first.
void ensure_sodium();

}  // namespace camgate::auth
