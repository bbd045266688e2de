#include <gtest/gtest.h>

#include "doctor/ice_probe.hpp"

using namespace camgate::doctor;

namespace {

ice_url url(std::string_view text) {
  auto r = parse_ice_url(text);
  if (auto* e = std::get_if<std::string>(&r)) ADD_FAILURE() << text << ": " << *e;
  return std::get_if<ice_url>(&r) ? std::get<ice_url>(r) : ice_url{};
}

const stun_txid kId = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

// A Binding success with an XOR-MAPPED-ADDRESS of 192.0.2.1:32853 (RFC 5769 2.2).
std::vector<std::uint8_t> success_v4() {
  auto m = stun_binding_request(kId);
  m[0] = 0x01;
  m[1] = 0x01;
  m[3] = 12;  // one attribute: 4 + 8 bytes
  const std::vector<std::uint8_t> attr = {0x00, 0x20, 0x00, 0x08, 0x00, 0x01,
                                          0xa1, 0x47, 0xe1, 0x12, 0xa6, 0x43};
  m.insert(m.end(), attr.begin(), attr.end());
  return m;
}

}  // namespace

TEST(DoctorIce, ParsesStunAndTurnUrls) {
  auto s = url("stun:stun.example.org");
  EXPECT_EQ(s.type, ice_url::kind::stun);
  EXPECT_EQ(s.host, "stun.example.org");
  EXPECT_EQ(s.port, 3478);
  EXPECT_FALSE(s.tcp);
  auto t = url("turn:10.0.0.1:3479?transport=tcp");
  EXPECT_TRUE(t.is_turn());
  EXPECT_TRUE(t.tcp);
  EXPECT_EQ(t.port, 3479);
  auto ts = url("turns:turn.example.org");
  EXPECT_TRUE(ts.tls());
  EXPECT_TRUE(ts.tcp);
  EXPECT_EQ(ts.port, 5349);
  auto v6 = url("stun:[2001:db8::1]:19302");
  EXPECT_EQ(v6.host, "2001:db8::1");
  EXPECT_EQ(v6.port, 19302);
}

TEST(DoctorIce, RefusesBadUrls) {
  for (const char* bad :
       {"stun.example.org", "http://x", "stun:", "stun:h:0", "stun:h:70000", "stun:h:x",
        "turn:h?transport=sctp", "stun:[::1", "stun:a b", "turns:h?transport=udp"}) {
    EXPECT_TRUE(std::holds_alternative<std::string>(parse_ice_url(bad))) << bad;
  }
}

TEST(DoctorIce, BindingRequestIsTwentyBytes) {
  const auto m = stun_binding_request(kId);
  ASSERT_EQ(m.size(), 20u);
  EXPECT_EQ(m[0], 0x00);
  EXPECT_EQ(m[1], 0x01);
  EXPECT_EQ(m[4], 0x21);
  EXPECT_EQ(m[7], 0x42);
  EXPECT_EQ(m[8], 1);
  EXPECT_EQ(m[19], 12);
}

TEST(DoctorIce, ReadsTheMappedAddress) {
  const auto a = parse_stun_answer(success_v4(), kId);
  ASSERT_TRUE(a);
  EXPECT_TRUE(a->success);
  EXPECT_EQ(a->mapped, "192.0.2.1:32853");
}

TEST(DoctorIce, IgnoresWhatIsNotOurAnswer) {
  auto m = success_v4();
  stun_txid other = kId;
  other[0] = 99;
  EXPECT_FALSE(parse_stun_answer(m, other));             // someone else's transaction
  EXPECT_FALSE(parse_stun_answer({m.data(), 19}, kId));  // cut short
  auto lying = m;
  lying[3] = 200;  // length beyond the datagram
  EXPECT_FALSE(parse_stun_answer(lying, kId));
  auto bad_attr = m;
  bad_attr[23] = 60;  // attribute longer than the message
  EXPECT_FALSE(parse_stun_answer(bad_attr, kId));
  auto request = stun_binding_request(kId);
  EXPECT_FALSE(parse_stun_answer(request, kId));  // a request is no answer
  std::vector<std::uint8_t> junk(64, 0xFF);
  EXPECT_FALSE(parse_stun_answer(junk, kId));
}

TEST(DoctorIce, ErrorAnswerStillMeansReached) {
  auto m = stun_binding_request(kId);
  m[0] = 0x01;
  m[1] = 0x11;
  const auto a = parse_stun_answer(m, kId);
  ASSERT_TRUE(a);
  EXPECT_FALSE(a->success);
  EXPECT_TRUE(a->mapped.empty());
}
