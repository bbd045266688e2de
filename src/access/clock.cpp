#include "access/clock.hpp"

namespace camgate::access {

clock::~clock() = default;

}  // namespace camgate::access
