#include "outputs/page_sender.hpp"

#include <csignal>
#include <mutex>

namespace camgate::outputs {

bool prepare_page_sends(tcp::socket& socket) {
  static std::once_flag ignore_sigpipe;
  std::call_once(ignore_sigpipe, [] { std::signal(SIGPIPE, SIG_IGN); });
  error_code ec;
  socket.non_blocking(true, ec);
  return !ec;
}

}  // namespace camgate::outputs
