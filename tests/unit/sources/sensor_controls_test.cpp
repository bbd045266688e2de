#include "sources/sensor_controls.hpp"

#include <gtest/gtest.h>

using namespace camgate::sources;
using json = nlohmann::json;

namespace {

std::vector<control_setting> ok(const json& patch) {
  auto r = validate_controls(patch);
  if (auto* err = std::get_if<std::string>(&r)) ADD_FAILURE() << *err;
  return std::get_if<std::vector<control_setting>>(&r) ? std::get<0>(r)
                                                       : std::vector<control_setting>{};
}

std::string error(const json& patch) {
  auto r = validate_controls(patch);
  return std::get_if<std::string>(&r) ? std::get<std::string>(r) : "(accepted)";
}

}  // namespace

TEST(SensorControls, FramesizeNamesAndSizesMapToTheFirmwaresIndex) {
  EXPECT_EQ(framesize_index("96X96"), 0);
  EXPECT_EQ(framesize_index("qvga"), 5);
  EXPECT_EQ(framesize_index("VGA"), 8);
  EXPECT_EQ(framesize_index("SVGA"), 9);
  EXPECT_EQ(framesize_index("HD"), 11);
  EXPECT_EQ(framesize_index("UXGA"), 13);
  EXPECT_EQ(framesize_index("640x480"), 8);
  EXPECT_EQ(framesize_index("1600X1200"), 13);
  EXPECT_FALSE(framesize_index("641x480"));
  EXPECT_FALSE(framesize_index("FHD"));
  EXPECT_FALSE(framesize_index(""));
  EXPECT_EQ(framesize_name(8), "VGA");
  EXPECT_EQ(framesize_name(0), "96X96");
  EXPECT_EQ(framesize_name(14), "");
  EXPECT_EQ(framesize_name(-1), "");
  EXPECT_EQ(framesize_names().size(), 14u);
}

TEST(SensorControls, PatchBecomesSettingsInTableOrder) {
  const auto got = ok({{"vflip", 1}, {"quality", 12}, {"framesize", "VGA"}});
  const std::vector<control_setting> want{{"framesize", 8}, {"quality", 12}, {"vflip", 1}};
  EXPECT_EQ(got, want);
}

TEST(SensorControls, AcceptsIntegerStringsAndBooleanSwitches) {
  const auto got = ok({{"brightness", "-2"}, {"hmirror", true}, {"awb", false}, {"framesize", 13}});
  const std::vector<control_setting> want{
      {"framesize", 13}, {"brightness", -2}, {"awb", 0}, {"hmirror", 1}};
  EXPECT_EQ(got, want);
}

TEST(SensorControls, EveryBoundIsInclusive) {
  for (const auto& c : sensor_controls()) {
    EXPECT_EQ(ok({{std::string(c.name), c.min}}).at(0).val, c.min) << c.name;
    EXPECT_EQ(ok({{std::string(c.name), c.max}}).at(0).val, c.max) << c.name;
    EXPECT_NE(error({{std::string(c.name), c.max + 1}}), "(accepted)") << c.name;
    EXPECT_NE(error({{std::string(c.name), c.min - 1}}), "(accepted)") << c.name;
  }
}

TEST(SensorControls, TheTableHasTheFirmwaresRanges) {
  auto range = [](std::string_view name) {
    for (const auto& c : sensor_controls())
      if (c.name == name) return std::pair{c.min, c.max};
    return std::pair{999, 999};
  };
  EXPECT_EQ(range("framesize"), std::pair(0, 13));
  EXPECT_EQ(range("quality"), std::pair(4, 63));
  EXPECT_EQ(range("special_effect"), std::pair(0, 6));
  EXPECT_EQ(range("wb_mode"), std::pair(0, 4));
  EXPECT_EQ(range("aec_value"), std::pair(0, 1200));
  EXPECT_EQ(range("agc_gain"), std::pair(0, 30));
  EXPECT_EQ(range("gainceiling"), std::pair(0, 6));
  EXPECT_EQ(range("ae_level"), std::pair(-2, 2));
  EXPECT_EQ(range("colorbar"), std::pair(0, 1));
  EXPECT_EQ(sensor_controls().size(), 25u);
}

TEST(SensorControls, BadValuesNameTheFieldAndItsRange) {
  EXPECT_EQ(error({{"quality", 70}}), "quality must be an integer from 4 to 63");
  EXPECT_EQ(error({{"quality", 3}}), "quality must be an integer from 4 to 63");
  EXPECT_EQ(error({{"quality", 12.5}}), "quality must be an integer from 4 to 63");
  EXPECT_EQ(error({{"quality", "12a"}}), "quality must be an integer from 4 to 63");
  EXPECT_EQ(error({{"quality", true}}), "quality must be an integer from 4 to 63");
  EXPECT_EQ(error({{"quality", nullptr}}), "quality must be an integer from 4 to 63");
  EXPECT_EQ(error({{"brightness", 3}}), "brightness must be an integer from -2 to 2");
  EXPECT_EQ(error({{"aec_value", 5000000000LL}}), "aec_value must be an integer from 0 to 1200");
  const auto fs = error({{"framesize", "FHD"}});
  EXPECT_EQ(fs.rfind("framesize must be an integer from 0 to 13 or one of 96X96 QQVGA", 0), 0u)
      << fs;
  EXPECT_NE(fs.find("UXGA"), std::string::npos);
  EXPECT_EQ(error({{"framesize", 14}}).rfind("framesize must be", 0), 0u);
  // One bad field refuses the whole patch.
  EXPECT_EQ(error({{"framesize", "VGA"}, {"vflip", 2}}), "vflip must be an integer from 0 to 1");
}

TEST(SensorControls, UnknownFieldsAndEmptyOrNonObjectPatchesAreRefused) {
  const auto unknown = error({{"quality", 10}, {"fault", 1}});
  EXPECT_EQ(unknown.rfind("unknown setting 'fault' (known: framesize, quality, ", 0), 0u)
      << unknown;
  EXPECT_NE(error({{"xclk", 20}}).find("unknown setting 'xclk'"), std::string::npos);
  EXPECT_NE(error(json::object()).find("no setting to change"), std::string::npos);
  EXPECT_EQ(error(json::array({1})), "the settings must be a JSON object");
  EXPECT_EQ(error(json(5)), "the settings must be a JSON object");
}
