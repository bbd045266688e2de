#include "webrtc/sdp_fragment.hpp"

#include <gtest/gtest.h>

using namespace camgate::webrtc;

namespace {
const std::vector<std::string> mids{"video0", "1"};
const std::string host = "candidate:1 1 UDP 2130706431 127.0.0.1 39132 typ host";

sdp_fragment parsed(std::string_view body) {
  auto r = parse_sdp_fragment(body, mids);
  if (auto* e = std::get_if<std::string>(&r)) ADD_FAILURE() << *e;
  return std::get_if<sdp_fragment>(&r) ? std::get<sdp_fragment>(r) : sdp_fragment{};
}
std::string error_of(std::string_view body) {
  auto r = parse_sdp_fragment(body, mids);
  return std::get_if<std::string>(&r) ? std::get<std::string>(r) : "";
}
}  // namespace

TEST(sdp_fragment, reads_rfc8840_fragments) {
  auto f =
      parsed("a=ice-ufrag:EsAw\r\na=ice-pwd:P2uY\r\nm=audio 9 RTP/AVP 0\r\na=mid:1\r\na=" + host +
             "\r\na=end-of-candidates\r\n");
  EXPECT_EQ(f.ice_ufrag, "EsAw");
  EXPECT_EQ(f.ice_pwd, "P2uY");
  ASSERT_EQ(f.candidates.size(), 1u);
  EXPECT_EQ(f.candidates[0].mline, 1u);  // by its mid
  EXPECT_EQ(f.candidates[0].candidate, host);
  EXPECT_TRUE(f.end_of_candidates);
  // LF line ends, no m= line: the first m-line (bundle).
  f = parsed("a=" + host + "\n");
  ASSERT_EQ(f.candidates.size(), 1u);
  EXPECT_EQ(f.candidates[0].mline, 0u);
}

TEST(sdp_fragment, refuses_what_is_not_a_fragment) {
  EXPECT_NE(error_of("a=mid:nope\r\n").find("not in the offer"), std::string::npos);
  EXPECT_NE(error_of("a=candidate:1 1 UDP\r\n").find("malformed"), std::string::npos);
  EXPECT_NE(error_of("hello\r\n").find("line 1"), std::string::npos);
  EXPECT_NE(error_of("a=" + host + "\x01\r\n").find("printable"), std::string::npos);
  std::string many;
  for (int i = 0; i < 65; ++i) many += "a=" + host + "\r\n";
  EXPECT_NE(error_of(many).find("more than 64"), std::string::npos);
}

TEST(sdp_fragment, answers_carry_our_candidates_per_m_line) {
  const std::string sdp = "v=0\r\ns=-\r\nm=video 9 X 96\r\na=mid:video0\r\nm=application 9 Y\r\n";
  const auto out = with_candidates(sdp, {{0, host}, {1, host + " generation 0"}}, true);
  EXPECT_EQ(out, "v=0\r\ns=-\r\nm=video 9 X 96\r\na=mid:video0\r\na=" + host +
                     "\r\na=end-of-candidates\r\nm=application 9 Y\r\na=" + host +
                     " generation 0\r\na=end-of-candidates\r\n");
  EXPECT_EQ(ice_ufrag("v=0\r\nm=video 9 X 96\r\na=ice-ufrag:ab\r\n"), "ab");
  EXPECT_FALSE(ice_ufrag("v=0\r\n"));
}

TEST(sdp_fragment, offer_shape) {
  EXPECT_FALSE(sdp_shape_error("v=0\r\nm=video 9 X 96\r\n"));
  EXPECT_TRUE(sdp_shape_error("v=1\r\nm=video 9 X 96\r\n"));
  EXPECT_TRUE(sdp_shape_error("v=0\r\nm=audio 9 X 0\r\n"));
  EXPECT_TRUE(sdp_shape_error(std::string("v=0\r\nm=video 9 X 96\r\na=\0x\r\n", 26)));
}
