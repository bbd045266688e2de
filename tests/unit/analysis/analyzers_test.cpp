// The built-in analyzers on real JPEGs (camsim's pictures) and on made-up luma planes.
#include <gtest/gtest.h>

#include "analysis/frozen_detector.hpp"
#include "analysis/luma_plane.hpp"
#include "analysis/motion_detector.hpp"
#include "analysis/picture_measures.hpp"
#include "analysis/profile.hpp"
#include "analysis/resource_analysis.hpp"
#include "camsim/frame_generator.hpp"

namespace camgate::analysis {
namespace {

core::frame_ptr picture(std::uint64_t seq, bool still = false, int w = 640, int h = 480) {
  static camsim::frame_generator gen;
  return gen.render({w, h, 80, still}, seq);
}

luma_plane flat(int w, int h, std::uint8_t v) {
  luma_plane p;
  p.width = p.source_width = w;
  p.height = p.source_height = h;
  p.pixels.assign(static_cast<std::size_t>(w) * h, v);
  return p;
}

TEST(luma_plane, DecodesScaledDownToAtLeastTheWidthAsked) {
  auto f = picture(1, false, 1280, 720);
  auto p = decode_luma(f->bytes(), nullptr);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->source_width, 1280);
  EXPECT_EQ(p->source_height, 720);
  EXPECT_EQ(p->width, 320);  // 1/4: the smallest scale still >= 320 wide
  EXPECT_EQ(p->height, 180);
  EXPECT_EQ(p->pixels.size(), 320u * 180u);
  auto small = decode_luma(picture(1, false, 160, 120)->bytes(), nullptr);
  ASSERT_TRUE(small);
  EXPECT_EQ(small->width, 160);  // never enlarged
}

TEST(luma_plane, ABrokenJpegIsAnErrorNotACrash) {
  std::string error;
  const std::vector<std::uint8_t> junk{0xFF, 0xD8, 0x00, 0x01, 0x02};
  EXPECT_FALSE(decode_luma(junk, &error));
  EXPECT_FALSE(error.empty());
  EXPECT_FALSE(decode_luma({}, &error));
  auto f = picture(2);
  auto half = std::vector<std::uint8_t>(f->bytes().begin(), f->bytes().begin() + 200);
  EXPECT_FALSE(decode_luma(half, &error));
}

TEST(picture_measures, ExposureTellsDarkFromBrightFromNormal) {
  EXPECT_EQ(measure_exposure(flat(64, 48, 5))["verdict"], "under");
  EXPECT_EQ(measure_exposure(flat(64, 48, 250))["verdict"], "over");
  std::string why;
  auto p = decode_luma(picture(3)->bytes(), &why);
  EXPECT_EQ(why, "");
  ASSERT_TRUE(p);
  const auto e = measure_exposure(*p);
  EXPECT_EQ(e["verdict"], "ok");
  EXPECT_EQ(e["histogram"].size(), 8u);
}

TEST(picture_measures, SharpnessAndBlackFrame) {
  auto p = decode_luma(picture(4)->bytes(), nullptr);
  ASSERT_TRUE(p);
  EXPECT_FALSE(measure_sharpness(*p, 20)["blurred"].get<bool>());
  EXPECT_TRUE(measure_sharpness(flat(64, 48, 128), 20)["blurred"].get<bool>());
  EXPECT_TRUE(measure_black(flat(64, 48, 3), 16)["black"].get<bool>());
  EXPECT_FALSE(measure_black(*p, 16)["black"].get<bool>());
}

TEST(motion_detector, SeesTheMovingPatternAndNotAStillOne) {
  motion_detector moving, still;
  const motion_mask none;
  // Only the digits change in a still scene: ignoring their corner leaves nothing.
  motion_mask ignore_digits;
  ignore_digits.ignore.push_back({0, 0, 0.6, 0.45});
  int moving_hits = 0, still_hits = 0, unmasked_hits = 0;
  motion_detector unmasked;
  for (std::uint64_t seq = 1; seq <= 6; ++seq) {
    auto m = decode_luma(picture(seq * 5)->bytes(), nullptr);
    auto s = decode_luma(picture(seq * 5, true)->bytes(), nullptr);
    ASSERT_TRUE(m && s);
    moving_hits += moving.analyze(*m, none, 0.01)["motion"].get<bool>();
    still_hits += still.analyze(*s, ignore_digits, 0.01)["motion"].get<bool>();
    unmasked_hits += unmasked.analyze(*s, none, 0.01)["motion"].get<bool>();
  }
  EXPECT_EQ(moving_hits, 5);  // the first picture has nothing to compare with
  EXPECT_EQ(still_hits, 0);
  EXPECT_GT(unmasked_hits, 0);  // the digits do move: the mask is what hides them
}

TEST(motion_detector, OnlyZonesCountAndTheBoxSaysWhere) {
  motion_detector d;
  auto a = flat(64, 64, 10);
  auto b = a;
  for (int y = 0; y < 16; ++y)
    for (int x = 48; x < 64; ++x) b.pixels[static_cast<std::size_t>(y) * 64 + x] = 200;
  d.analyze(a, {}, 0.01);
  const auto r = d.analyze(b, {}, 0.01);
  EXPECT_TRUE(r["motion"].get<bool>());
  EXPECT_EQ(r["moved_cells"], 1);
  EXPECT_EQ(r["box"], nlohmann::json({0.75, 0.0, 0.25, 0.25}));
  motion_detector left_only;
  motion_mask left;
  left.only.push_back({0, 0, 0.5, 1});
  left_only.analyze(a, left, 0.01);
  EXPECT_FALSE(left_only.analyze(b, left, 0.01)["motion"].get<bool>());
}

TEST(frozen_detector, TheSamePictureOrNoneForLongIsFrozen) {
  frozen_detector d;
  auto p = decode_luma(picture(7)->bytes(), nullptr);
  ASSERT_TRUE(p);
  EXPECT_FALSE(d.picture(*p, 0, 1'000'000)["frozen"].get<bool>());
  EXPECT_FALSE(d.picture(*p, 500'000, 1'000'000)["frozen"].get<bool>());
  EXPECT_TRUE(d.picture(*p, 1'200'000, 1'000'000)["frozen"].get<bool>());
  auto q = decode_luma(picture(8, true)->bytes(), nullptr);  // a new picture: thaws
  EXPECT_FALSE(d.picture(*q, 1'300'000, 1'000'000)["frozen"].get<bool>());
  EXPECT_FALSE(d.no_picture(1'900'000, 1'000'000)["frozen"].get<bool>());
  EXPECT_TRUE(d.no_picture(2'400'000, 1'000'000)["frozen"].get<bool>());  // a stalled stream
}

TEST(resource_analysis, AnAlertStartsOnceAndEndsAfterTheHold) {
  builtin_settings s;
  s.alert_hold_us = 1'000'000;
  resource_analysis ra(access::camera_resource(3), s);
  profile p;
  p.analyzers = {"motion", "exposure"};
  auto count = [](const std::vector<event_ptr>& ev, const std::string& state) {
    int n = 0;
    for (const auto& e : ev)
      n += e->type == "alert" && e->body["alert"] == "motion" && e->body["state"] == state;
    return n;
  };
  auto first = ra.run(p, picture(10), 0);
  ASSERT_FALSE(first.empty());
  EXPECT_EQ(first.front()->type, "analysis");
  EXPECT_EQ(first.front()->body["camera_id"], 3);
  EXPECT_TRUE(first.front()->body["results"].contains("exposure"));
  EXPECT_FALSE(first.front()->body["results"].contains("sharpness"));
  EXPECT_EQ(count(ra.run(p, picture(20), 100'000), "started"), 1);
  EXPECT_EQ(count(ra.run(p, picture(30), 200'000), "started"), 0);  // still on: no repeat
  // The same picture again: no motion, but the alert holds for a second.
  EXPECT_EQ(count(ra.run(p, picture(30), 300'000), "ended"), 0);
  EXPECT_EQ(count(ra.run(p, picture(30), 1'300'000), "ended"), 1);
}

TEST(resource_analysis, ABrokenPictureGivesAnErrorEvent) {
  resource_analysis ra(access::robot_resource(2), {});
  profile p;
  p.analyzers = {"exposure"};
  const std::vector<std::uint8_t> junk{1, 2, 3};
  auto ev = ra.run(p, core::make_frame(junk, 1, 0), 0);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(ev[0]->body["robot_id"], 2);
  EXPECT_TRUE(ev[0]->body.contains("error"));
}

TEST(profile, ReadsOverABaseAndRefusesWhatIsWrong) {
  const std::set<std::string> known{"exposure", "motion", "dental"};
  profile base;
  auto ok = profile_from_json(
      nlohmann::json::parse(R"({"when":"bookings","fps":1,"analyzers":["motion","dental"],
        "motion":{"ignore":[[0,0,0.5,0.5]]},"motion_threshold":0.05,"store":false})"),
      base, known, 10);
  ASSERT_TRUE(std::holds_alternative<profile>(ok));
  const auto& p = std::get<profile>(ok);
  EXPECT_EQ(p.when, run_when::bookings);
  EXPECT_EQ(p.analyzers, (std::vector<std::string>{"motion", "dental"}));
  EXPECT_EQ(p.motion.ignore.size(), 1u);
  EXPECT_FALSE(p.store);
  // Round trip.
  auto again = profile_from_json(to_json(p), base, known, 10);
  ASSERT_TRUE(std::holds_alternative<profile>(again));
  EXPECT_EQ(to_json(std::get<profile>(again)), to_json(p));
  // Only what is given changes.
  auto partial = profile_from_json(nlohmann::json::parse(R"({"fps":3})"), p, known, 10);
  EXPECT_EQ(std::get<profile>(partial).when, run_when::bookings);

  auto error = [&](const char* text) {
    auto r = profile_from_json(nlohmann::json::parse(text), base, known, 10);
    return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : std::string();
  };
  EXPECT_NE(error(R"({"when":"sometimes"})").find("when"), std::string::npos);
  EXPECT_NE(error(R"({"fps":11})").find("fps"), std::string::npos);
  EXPECT_NE(error(R"({"fps":0})").find("fps"), std::string::npos);
  EXPECT_NE(error(R"({"analyzers":["nope"]})").find("known: dental, exposure, motion"),
            std::string::npos);
  EXPECT_NE(error(R"({"motion":{"ignore":[[0.5,0,0.6,1]]}})").find("inside"), std::string::npos);
  EXPECT_NE(error(R"({"colour":1})").find("unknown field"), std::string::npos);
  EXPECT_NE(error(R"([1])").find("object"), std::string::npos);
}

}  // namespace
}  // namespace camgate::analysis
