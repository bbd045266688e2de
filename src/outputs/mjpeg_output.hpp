#pragma once
#include <chrono>
#include <cstddef>
#include <memory>

#include "http/connection.hpp"
#include "hub/channel.hpp"
#include "outputs/mjpeg_part.hpp"
#include "outputs/output_session.hpp"

namespace camgate::outputs {

struct mjpeg_options {
  std::chrono::seconds write_timeout{10};  // one part not drained by then: the viewer is gone
  output_session::closed_handler on_closed;
  std::size_t unsent_limit = 128 * 1024;  // httpd::limit_unsent: about one frame
  // Plain TCP sends each part from the frame's sealed pages with sendfile (no copy into
  // the socket); TLS always copies. config [server] zero_copy.
  bool zero_copy = true;
};

// Answers the request with a multipart/x-mixed-replace stream of `channel`: one JPEG
// part per frame, each with its own Content-Length, capture time and sequence number.
// At most one part in flight and one pending (hub::latest_frame_slot), so a slow viewer
// skips frames and never slows the camera or another viewer.
std::shared_ptr<output_session> start_mjpeg(httpd::connection&& c,
                                            std::shared_ptr<hub::channel> channel,
                                            mjpeg_options options);

}  // namespace camgate::outputs
