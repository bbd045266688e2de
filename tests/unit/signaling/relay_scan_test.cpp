#include "signaling/relay_scan.hpp"

#include <gtest/gtest.h>

#include <string>

#include "signaling/packet_codec.hpp"

using namespace camgate::signaling;
using nlohmann::json;

TEST(RelayScan, FindsTypeTargetAndPayloadAsSent) {
  const std::string body =
      R"({"candidate":"candidate:1 1 udp 1 192.0.2.1 4000 typ host","sdpMid":"0","sdpMLineIndex":0})";
  // The views point into the packet: it must outlive them.
  const std::string text = R"(2["ice-candidate",{"to":"robot-1","candidate":)" + body + "}]";
  auto ev = scan_relay(text);
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->type, "ice-candidate");
  EXPECT_EQ(ev->field, "candidate");
  EXPECT_EQ(ev->to, "robot-1");
  EXPECT_EQ(ev->body, body);  // byte for byte
  EXPECT_FALSE(ev->id);

  ev = scan_relay(
      R"(217 [ "answer" , { "answer" : {"sdp":"v=0\r\n","n":[1,-2.5,true,null]} , "to" : "alice#3" } ] )");
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->id, 17u);
  EXPECT_EQ(ev->to, "alice#3");
  EXPECT_EQ(ev->body, R"({"sdp":"v=0\r\n","n":[1,-2.5,true,null]})");
}

TEST(RelayScan, LastDuplicateKeyWinsAsInTheParser) {
  const std::string text =
      R"(2["offer",{"to":"a","offer":{"x":1},"to":"robot-1","offer":{"y":2}}])";
  auto ev = scan_relay(text);
  ASSERT_TRUE(ev);
  auto parsed = sio::parse(text);
  ASSERT_TRUE(parsed.value);
  EXPECT_EQ(ev->to, parsed.value->data[1]["to"].get<std::string>());
  EXPECT_EQ(json::parse(ev->body), parsed.value->data[1]["offer"]);
}

// Everything outside the subset goes to sio::parse, which accepts or refuses it as before.
TEST(RelayScan, LeavesEverythingElseToTheGeneralPath) {
  for (const char* text : {
           R"(2["register",{"userType":"viewer"}])",                   // not relayed
           R"(2/admin,["offer",{"to":"r","offer":{}}])",               // namespace
           R"(2["offer",{"to":"r","offer":{}},1])",                    // extra argument
           R"(2["offer",{"to":"r","offer":null}])",                    // not an object
           R"(2["ice-candidate",{"to":"r","candidate":null}])",        // the parser's case
           R"(2["offer",{"offer":{}}])",                               // no target
           R"(2["offer",{"to":"","offer":{}}])",                       // empty target
           R"(2["offer",{"to":7,"offer":{}}])",                        // target not a string
           R"(2["offer",{"to":"r\u0031","offer":{}}])",                // escape in the target
           R"(2["offer",{"t\u006f":"r","offer":{}}])",                 // escape in a key
           R"(2["offer",{"to":"r","offer":{"sdp":"é"}}])",             // non-ASCII
           R"(2["offer",{"to":"r","offer":{"n":1e400}}])",             // exponent
           R"(2["offer",{"to":"r","offer":{"s":"\ud800"}}])",          // lone surrogate
           R"(2["offer",{"to":"r","offer":{"n":01}}])",                // malformed number
           R"(2["offer",{"to":"r","offer":{"a":[1,]}}])",              // trailing comma
           R"(2["offer",{"to":"r","offer":{}}] x)",                    // trailing bytes
           R"(2["offer",{"to":"r","offer":{"s":"tab	inside"}}])",  // control character
           R"(2["offer",{"to":"r","offer":{}})",                       // truncated
           R"(21234567890123456["offer",{"to":"r","offer":{}}])",      // id too long
           R"(3["offer",{"to":"r","offer":{}}])",                      // an ACK
       }) {
    EXPECT_FALSE(scan_relay(text)) << text;
  }
  std::string target(201, 'r');
  EXPECT_FALSE(scan_relay(R"(2["offer",{"to":")" + target + R"(","offer":{}}])"));
}

TEST(RelayScan, NestingIsBoundedLikeTheParser) {
  // [ { "offer": {"a": [[[...]]]} } ]: the outer array and object are two levels.
  auto nested = [](int levels) {
    return R"(2["offer",{"to":"r","offer":{"a":)" + std::string(levels, '[') +
           std::string(levels, ']') + "}}]";
  };
  EXPECT_TRUE(scan_relay(nested(29)));   // 2 + 1 + 29 = 32
  EXPECT_FALSE(scan_relay(nested(30)));  // 33: sio::parse refuses it
  EXPECT_FALSE(sio::parse(nested(30)).value);
}

TEST(RelayScan, JsonStringsForPeerIds) {
  std::string out;
  append_json_string(out, R"(al"ice\#1)");
  EXPECT_EQ(json::parse(out), R"(al"ice\#1)");
  out.clear();
  append_json_string(out, std::string("a\x01\n", 3));
  EXPECT_EQ(out, R"("a\u0001\u000a")");
  out.clear();
  append_json_string(out, "zoë#2");
  EXPECT_EQ(json::parse(out), "zoë#2");
}

// Strings are skipped eight bytes at a time: a special byte anywhere must still be seen.
TEST(RelayScan, SeesASpecialByteAtEveryPositionOfAString) {
  const std::string plain(40, 'a');
  auto packet = [](const std::string& s) {
    return R"(2["offer",{"to":"r","offer":{"sdp":")" + s + R"("}}])";
  };
  const std::string ok = packet(plain);
  ASSERT_TRUE(scan_relay(ok));
  for (std::size_t pos = 0; pos < plain.size(); ++pos) {
    for (const char bad : {'\x01', '\x1f', '\x80', '\xff', '"', '\\'}) {
      auto s = plain;
      s[pos] = bad;
      const auto text = packet(s);
      EXPECT_FALSE(scan_relay(text))
          << "byte " << int(static_cast<unsigned char>(bad)) << " at " << pos;
    }
    auto s = plain;
    s.replace(pos, 2, "\\n");  // a valid escape anywhere
    const auto text = packet(s);
    EXPECT_TRUE(scan_relay(text)) << pos;
  }
}
