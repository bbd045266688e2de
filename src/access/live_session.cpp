#include "access/live_session.hpp"

namespace camgate::access {

live_session::~live_session() = default;

}  // namespace camgate::access
