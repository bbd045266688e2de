#include "media/video_codec.hpp"

#include <gtest/gtest.h>

#include <array>

using namespace camgate::media;

namespace {
// Trimmed from a Chromium 120 recvonly offer (audio first, video second).
const char* chrome_offer =
    "v=0\r\n"
    "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0 1\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 63\r\n"
    "a=mid:0\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 104 105 106 107 108 109 127 125 39 40\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=mid:1\r\n"
    "a=recvonly\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtcp-fb:96 goog-remb\r\n"
    "a=rtcp-fb:96 transport-cc\r\n"
    "a=rtcp-fb:96 nack pli\r\n"
    "a=rtpmap:97 rtx/90000\r\n"
    "a=fmtp:97 apt=96\r\n"
    "a=rtpmap:102 H264/90000\r\n"
    "a=rtcp-fb:102 nack\r\n"
    "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f\r\n"
    "a=rtpmap:103 rtx/90000\r\n"
    "a=fmtp:103 apt=102\r\n"
    "a=rtpmap:104 H264/90000\r\n"
    "a=fmtp:104 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42001f\r\n"
    "a=rtpmap:106 H264/90000\r\n"
    "a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"
    "a=rtpmap:108 H264/90000\r\n"
    "a=fmtp:108 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f\r\n"
    "a=rtpmap:127 H264/90000\r\n"
    "a=fmtp:127 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=4d001f\r\n"
    "a=rtpmap:39 H264/90000\r\n"
    "a=fmtp:39 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=640034\r\n"
    "a=rtpmap:40 AV1/90000\r\n";
}  // namespace

TEST(video_codec, parses_the_video_section_of_a_browser_offer) {
  auto v = parse_video_offer(chrome_offer);
  ASSERT_TRUE(v);
  EXPECT_EQ(v->mline_index, 1);
  EXPECT_EQ(v->mid, "1");
  EXPECT_EQ(v->direction, "recvonly");
  ASSERT_EQ(v->formats.size(), 14u);
  EXPECT_EQ(v->formats[0].payload, 96);
  EXPECT_EQ(v->formats[0].encoding, "VP8");
  EXPECT_EQ(v->formats[0].clock_rate, 90000);
  EXPECT_EQ(v->formats[0].rtcp_fb.size(), 3u);
  EXPECT_EQ(v->formats[4].payload, 104);
  EXPECT_EQ(v->formats[4].fmtp.at("packetization-mode"), "0");
}

TEST(video_codec, picks_constrained_baseline_mode_1_for_h264) {
  auto v = parse_video_offer(chrome_offer);
  const std::array pref{video_codec::h264, video_codec::vp8};
  auto c = select_codec(*v, pref);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->codec, video_codec::h264);
  EXPECT_EQ(c->format.payload, 106);
  EXPECT_EQ(c->format.fmtp.at("profile-level-id"), "42e01f");
}

TEST(video_codec, vp8_on_request) {
  auto v = parse_video_offer(chrome_offer);
  const std::array pref{video_codec::vp8, video_codec::h264};
  auto c = select_codec(*v, pref);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->codec, video_codec::vp8);
  EXPECT_EQ(c->format.payload, 96);
}

TEST(video_codec, falls_back_to_what_the_viewer_offers) {
  const char* vp8_only = "v=0\nm=video 9 UDP/TLS/RTP/SAVPF 100\na=rtpmap:100 VP8/90000\n";
  const std::array pref{video_codec::h264, video_codec::vp8};
  auto c = select_codec(*parse_video_offer(vp8_only), pref);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->codec, video_codec::vp8);
  EXPECT_EQ(c->format.payload, 100);
  const std::array h264_only{video_codec::h264};
  EXPECT_FALSE(select_codec(*parse_video_offer(vp8_only), h264_only));
}

TEST(video_codec, mode_0_only_h264_is_not_usable) {
  const char* sdp =
      "v=0\r\nm=video 9 RTP/SAVPF 104\r\na=rtpmap:104 H264/90000\r\n"
      "a=fmtp:104 packetization-mode=0;profile-level-id=42e01f\r\n";
  const std::array pref{video_codec::h264};
  EXPECT_FALSE(select_codec(*parse_video_offer(sdp), pref));
}

TEST(video_codec, main_profile_when_no_baseline_is_offered) {
  const char* sdp =
      "v=0\r\nm=video 9 RTP/SAVPF 120 121\r\n"
      "a=rtpmap:120 H264/90000\r\na=fmtp:120 packetization-mode=1;profile-level-id=640c1f\r\n"
      "a=rtpmap:121 H264/90000\r\na=fmtp:121 packetization-mode=1;profile-level-id=4d001f\r\n";
  const std::array pref{video_codec::h264};
  auto c = select_codec(*parse_video_offer(sdp), pref);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->format.payload, 121);
}

TEST(video_codec, malformed_input) {
  EXPECT_FALSE(parse_video_offer(""));
  EXPECT_FALSE(parse_video_offer("hello"));
  EXPECT_FALSE(parse_video_offer("v=0\r\nm=audio 9 RTP/AVP 0\r\n"));
  auto v = parse_video_offer(
      "v=0\nm=video x y 999 abc 5\na=rtpmap:abc H264/90000\na=rtpmap:5 H264/notanumber\n"
      "a=fmtp:5 ;;=;packetization-mode\na=rtpmap:\na=fmtp:7 x=y\nm=video 9 RTP 6\n");
  ASSERT_TRUE(v);
  ASSERT_EQ(v->formats.size(), 1u);
  EXPECT_EQ(v->formats[0].payload, 5);
  EXPECT_EQ(v->formats[0].clock_rate, 0);
  const std::array pref{video_codec::h264, video_codec::vp8};
  EXPECT_FALSE(select_codec(*v, pref));
  EXPECT_EQ(parse_video_codec("VP8"), video_codec::vp8);
  EXPECT_EQ(parse_video_codec("h264"), video_codec::h264);
  EXPECT_FALSE(parse_video_codec("av1"));
}
