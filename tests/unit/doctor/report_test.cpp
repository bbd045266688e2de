#include <gtest/gtest.h>

#include "doctor/report.hpp"

using namespace camgate::doctor;

namespace {

report sample() {
  report r{"camera", "10.0.0.5:80"};
  r.add({"dns", "DNS 10.0.0.5", check_status::ok, "an IP address"});
  auto& tcp = r.add({"tcp", "TCP connect to 10.0.0.5:80", check_status::fail, "Connection refused",
                     "Nothing listens there.\nCheck the port."});
  tcp.ms = 1.25;
  r.add({"fps", "Frame rate", check_status::warn, "4.0 fps", "Lower the resolution."});
  r.add({"status", "GET /status", check_status::skip, "no /status"});
  return r;
}

}  // namespace

TEST(DoctorReport, ExitCodeIsOneOnlyWhenACheckFailed) {
  report r{"camera", "x"};
  r.add({"a", "A", check_status::ok});
  r.add({"b", "B", check_status::warn});
  r.add({"c", "C", check_status::skip});
  EXPECT_EQ(r.exit_code(), 0);
  r.add({"d", "D", check_status::fail});
  EXPECT_EQ(r.exit_code(), 1);
}

TEST(DoctorReport, TextHasMarksTimingsAdviceAndSummary) {
  const auto text = to_text(sample());
  EXPECT_NE(text.find("camgate doctor camera 10.0.0.5:80\n"), std::string::npos);
  EXPECT_NE(text.find("  \u2713 DNS 10.0.0.5: an IP address\n"), std::string::npos);
  EXPECT_NE(text.find("  \u2717 TCP connect to 10.0.0.5:80 (1.2 ms): Connection refused\n"),
            std::string::npos)
      << text;
  // Advice under its line, continuation lines indented under the arrow.
  EXPECT_NE(text.find("      \u2192 Nothing listens there.\n        Check the port.\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("  ! Frame rate: 4.0 fps\n"), std::string::npos);
  EXPECT_NE(text.find("  - GET /status: no /status\n"), std::string::npos);
  EXPECT_NE(text.find("1 passed, 1 warning, 1 failed, 1 skipped"), std::string::npos) << text;
}

TEST(DoctorReport, JsonCarriesEveryCheck) {
  auto r = sample();
  r.checks[0].data["addresses"] = {"10.0.0.5"};
  const auto j = to_json(r);
  EXPECT_EQ(j["kind"], "camera");
  EXPECT_EQ(j["target"], "10.0.0.5:80");
  EXPECT_EQ(j["ok"], false);
  EXPECT_EQ(j["summary"]["fail"], 1);
  EXPECT_EQ(j["summary"]["warn"], 1);
  ASSERT_EQ(j["checks"].size(), 4u);
  EXPECT_EQ(j["checks"][0]["id"], "dns");
  EXPECT_EQ(j["checks"][0]["status"], "ok");
  EXPECT_EQ(j["checks"][0]["data"]["addresses"][0], "10.0.0.5");
  EXPECT_FALSE(j["checks"][0].contains("ms"));
  EXPECT_DOUBLE_EQ(j["checks"][1]["ms"].get<double>(), 1.25);
  EXPECT_EQ(j["checks"][1]["status"], "fail");
  EXPECT_EQ(j["checks"][2]["status"], "warn");
  EXPECT_EQ(j["checks"][3]["status"], "skip");
}

TEST(DoctorReport, FormatsSizesAndTimes) {
  EXPECT_EQ(format_ms(12.34), "12.3 ms");
  EXPECT_EQ(format_ms(1500), "1.50 s");
  EXPECT_EQ(format_bytes(812), "812 B");
  EXPECT_EQ(format_bytes(46182), "45.1 KiB");
  EXPECT_EQ(format_bytes(3.2 * 1024 * 1024), "3.20 MiB");
}
