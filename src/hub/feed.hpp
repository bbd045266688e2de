#pragma once
#include <memory>

#include "hub/channel.hpp"

namespace camgate::hub {

// The pictures of a camera or robot for a consumer that is not a viewer (the recorder,
// analysis): its channel, and what keeps the pictures coming while held (a robot's relay
// decodes only on demand; null for a camera, whose pictures always come).
struct feed {
  std::shared_ptr<hub::channel> channel;
  std::shared_ptr<void> lease;
};

}  // namespace camgate::hub
