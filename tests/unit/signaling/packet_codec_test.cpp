#include "signaling/packet_codec.hpp"

#include <gtest/gtest.h>

using namespace camgate::signaling;
using nlohmann::json;

TEST(EngineIoCodec, ParsesEveryPacketType) {
  auto p = eio::parse_packet("4hello");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->type, eio::packet_type::message);
  EXPECT_EQ(p->data, "hello");
  EXPECT_FALSE(p->binary);
  p = eio::parse_packet("2probe");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->type, eio::packet_type::ping);
  EXPECT_EQ(p->data, "probe");
  p = eio::parse_packet("3");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->type, eio::packet_type::pong);
  EXPECT_EQ(p->data, "");
  p = eio::parse_packet("6");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->type, eio::packet_type::noop);
}

TEST(EngineIoCodec, BinaryRecordIsBase64) {
  auto p = eio::parse_packet("bAQID");
  ASSERT_TRUE(p);
  EXPECT_TRUE(p->binary);
  EXPECT_EQ(p->data, std::string("\x01\x02\x03", 3));
  EXPECT_FALSE(eio::parse_packet("b!!!"));
}

TEST(EngineIoCodec, RejectsMalformedPackets) {
  EXPECT_FALSE(eio::parse_packet(""));
  EXPECT_FALSE(eio::parse_packet("7"));
  EXPECT_FALSE(eio::parse_packet("x4"));
  EXPECT_FALSE(eio::parse_packet(std::string("\0", 1)));
}

TEST(EngineIoCodec, PayloadSplitsOnRecordSeparator) {
  auto ps = eio::parse_payload(
      "40\x1e"
      "42[\"a\"]\x1e"
      "3",
      10);
  ASSERT_TRUE(ps);
  ASSERT_EQ(ps->size(), 3u);
  EXPECT_EQ((*ps)[0].data, "0");
  EXPECT_EQ((*ps)[1].data, "2[\"a\"]");
  EXPECT_EQ((*ps)[2].type, eio::packet_type::pong);
}

TEST(EngineIoCodec, PayloadRejectsEmptyRecordsAndTooMany) {
  EXPECT_FALSE(eio::parse_payload("", 10));
  EXPECT_FALSE(eio::parse_payload("4a\x1e", 10));
  EXPECT_FALSE(
      eio::parse_payload("\x1e"
                         "4a",
                         10));
  EXPECT_FALSE(
      eio::parse_payload("4a\x1e"
                         "4b\x1e"
                         "4c",
                         2));
  EXPECT_TRUE(
      eio::parse_payload("4a\x1e"
                         "4b",
                         2));
}

TEST(EngineIoCodec, EncodeAndJoin) {
  EXPECT_EQ(eio::encode(eio::packet_type::ping), "2");
  EXPECT_EQ(eio::encode(eio::packet_type::message, "2[\"x\"]"), "42[\"x\"]");
  EXPECT_EQ(eio::join_payload({"2", "40{}"}),
            "2\x1e"
            "40{}");
  EXPECT_EQ(eio::join_payload({}), "");
}

TEST(SocketIoCodec, ParsesConnectWithAuth) {
  auto r = sio::parse(R"(0{"token":"abc"})");
  ASSERT_TRUE(r.value) << r.error;
  EXPECT_EQ(r.value->type, sio::packet_type::connect);
  EXPECT_EQ(r.value->nsp, "/");
  EXPECT_EQ(r.value->data["token"], "abc");
  r = sio::parse("0");
  ASSERT_TRUE(r.value);
  EXPECT_TRUE(r.value->data.is_null());
}

TEST(SocketIoCodec, ParsesEventWithAckIdAndNamespace) {
  auto r = sio::parse(R"(2/admin,12["register",{"userId":"r"}])");
  ASSERT_TRUE(r.value) << r.error;
  EXPECT_EQ(r.value->nsp, "/admin");
  ASSERT_TRUE(r.value->id);
  EXPECT_EQ(*r.value->id, 12u);
  EXPECT_EQ(r.value->data[0], "register");
  EXPECT_EQ(r.value->data[1]["userId"], "r");
  r = sio::parse(R"(27["offer",{}])");
  ASSERT_TRUE(r.value);
  EXPECT_EQ(*r.value->id, 7u);
  EXPECT_EQ(r.value->nsp, "/");
}

TEST(SocketIoCodec, RejectsMalformedPackets) {
  for (const char* bad : {"", "9", "x", "2", "2{}", "2[]", "2[1]", "2[\"a\"", "0[1]", "0\"s\"",
                          "1{}", "3[]", "4{}", "51-[\"a\",{\"_placeholder\":true,\"num\":0}]", "6",
                          "2[\"a\"]garbage", "21234567890123456[\"a\"]", "012{}"}) {
    auto r = sio::parse(bad);
    EXPECT_FALSE(r.value) << "accepted: " << bad;
    EXPECT_FALSE(r.error.empty()) << bad;
  }
}

TEST(SocketIoCodec, RejectsDeepNesting) {
  std::string deep = "2[\"a\"," + std::string(100, '[') + std::string(100, ']') + "]";
  auto r = sio::parse(deep);
  EXPECT_FALSE(r.value);
  EXPECT_EQ(r.error, "malformed JSON");
  // Brackets inside strings do not count.
  std::string in_string = "2[\"a\",\"" + std::string(100, '[') + "\"]";
  EXPECT_TRUE(sio::parse(in_string).value);
}

TEST(SocketIoCodec, EncodesEventsAcksAndErrors) {
  EXPECT_EQ(sio::encode_event("robot-online", {{"robotId", "r1"}}),
            R"(2["robot-online",{"robotId":"r1"}])");
  sio::packet ack;
  ack.type = sio::packet_type::ack;
  ack.id = 5;
  ack.data = json::array({json{{"type", "ok"}}});
  EXPECT_EQ(sio::encode(ack), R"(35[{"type":"ok"}])");
  sio::packet err;
  err.type = sio::packet_type::connect_error;
  err.nsp = "/x";
  err.data = {{"message", "Invalid namespace"}};
  EXPECT_EQ(sio::encode(err), R"(4/x,{"message":"Invalid namespace"})");
  sio::packet dis;
  dis.type = sio::packet_type::disconnect;
  EXPECT_EQ(sio::encode(dis), "1");
}

TEST(SocketIoCodec, RoundTripsEvents) {
  json payload = {{"to", "robot-1"}, {"offer", {{"type", "offer"}, {"sdp", "v=0\r\n"}}}};
  auto text = sio::encode_event("offer", payload);
  auto r = sio::parse(text);
  ASSERT_TRUE(r.value) << r.error;
  EXPECT_EQ(r.value->data[0], "offer");
  EXPECT_EQ(r.value->data[1], payload);
}

TEST(ClientJson, DepthLimit) {
  EXPECT_TRUE(json_depth_ok("[[[]]]", 3));
  EXPECT_FALSE(json_depth_ok("[[[[]]]]", 3));
  EXPECT_TRUE(json_depth_ok(R"(["\"[[[[[["])", 2));
  EXPECT_FALSE(parse_client_json("{"));
  EXPECT_TRUE(parse_client_json(R"({"a":1})"));
}
