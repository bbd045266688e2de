// packaging/camgate.toml, the package's /etc/camgate/camgate.toml, lists every key at its
// default, commented out. These tests keep it true: it loads to the defaults (but for the
// one key it sets), its commented values are the defaults, and it names exactly the keys
// docs/configuration.md names, so neither can drift from the other.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include <unistd.h>

#include "config_text.hpp"
#include "core/config.hpp"

namespace camgate::core {
namespace {

std::filesystem::path source_dir() {
  if (const char* dir = std::getenv("CAMGATE_SOURCE_DIR")) return dir;
  // This file is tests/unit/core/conffile_test.cpp of the source tree.
  return std::filesystem::path(__FILE__).parent_path() / ".." / ".." / "..";
}

std::string read(const std::filesystem::path& file) {
  std::ifstream in(file);
  EXPECT_TRUE(in) << file;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

config load_text(const std::string& text) {
  return load_config_text(std::filesystem::temp_directory_path() /
                              ("camgate-conffile-test-" + std::to_string(::getpid()) + ".toml"),
                          text);
}

// What the package's file changes: the data folder systemd gives the service.
config package_defaults() {
  config c;
  c.store.data_dir = "/var/lib/camgate";
  return c;
}

const std::regex section_line(R"(^\s*#?\s*\[([A-Za-z0-9_.]+)\].*)");
const std::regex key_line(R"(^\s*#?\s*([a-z0-9_]+)\s*=.*)");

// "section.key" for every key line, commented or not, under the nearest table header
// (a commented one too: "# [analysis.analyzers.NAME]").
std::set<std::string> keys_of(const std::string& text) {
  std::set<std::string> keys;
  std::istringstream in(text);
  std::string line, section;
  std::smatch m;
  while (std::getline(in, line)) {
    if (std::regex_match(line, m, section_line))
      section = m[1];
    else if (std::regex_match(line, m, key_line))
      keys.insert(section + "." + std::string(m[1]));
  }
  return keys;
}

// The ```toml block of docs/configuration.md: the reference list of keys.
std::string documented_block() {
  const auto doc = read(source_dir() / "docs" / "configuration.md");
  const auto begin = doc.find("```toml\n");
  EXPECT_NE(begin, std::string::npos);
  const auto end = doc.find("\n```", begin + 8);
  EXPECT_NE(end, std::string::npos);
  return doc.substr(begin + 8, end - begin - 8);
}

std::string conffile() {
  return read(source_dir() / "packaging" / "camgate.toml");
}

std::string missing(const std::set<std::string>& from, const std::set<std::string>& in) {
  std::string out;
  for (const auto& k : from)
    if (!in.contains(k)) out += k + " ";
  return out;
}

TEST(conffile, LoadsToTheDefaultsButTheDataFolder) {
  EXPECT_TRUE(load_text(conffile()) == package_defaults());
  EXPECT_FALSE(load_text(conffile()) == config{});  // == sees a difference
}

TEST(conffile, EveryCommentedValueIsTheDefault) {
  // Uncomment each "# key = value" line (not the templates of named tables, which have
  // no default) and load: every value written there must be the default.
  std::istringstream in(conffile());
  std::string line, section, out;
  std::smatch m;
  int uncommented = 0;
  while (std::getline(in, line)) {
    if (std::regex_match(line, m, section_line)) section = m[1];
    if (line.starts_with("# ") && std::regex_match(line, key_line) &&
        section.find("NAME") == std::string::npos) {
      line = line.substr(2);
      ++uncommented;
    }
    out += line + "\n";
  }
  EXPECT_GT(uncommented, 80);
  config c;
  ASSERT_NO_THROW(c = load_text(out)) << out;
  EXPECT_TRUE(c == package_defaults());
}

TEST(conffile, NamesExactlyTheDocumentedKeys) {
  const auto doc = keys_of(documented_block());
  const auto file = keys_of(conffile());
  EXPECT_GT(doc.size(), 90u);
  EXPECT_TRUE(doc.contains("store.data_dir"));
  EXPECT_TRUE(doc.contains("analysis.analyzers.NAME.url"));
  EXPECT_EQ(missing(doc, file), "") << "documented, not in packaging/camgate.toml";
  EXPECT_EQ(missing(file, doc), "") << "in packaging/camgate.toml, not documented";
}

TEST(conffile, EachDefaultCountsInTheComparison) {
  // operator== must see every section: a changed key in each makes the configs differ.
  config a;
  auto differs = [&](auto change) {
    config b;
    change(b);
    return !(a == b);
  };
  EXPECT_TRUE(differs([](config& c) { c.server.threads = 3; }));
  EXPECT_TRUE(differs([](config& c) { c.server.zero_copy = false; }));
  EXPECT_TRUE(differs([](config& c) { c.store.data_dir = "x"; }));
  EXPECT_TRUE(differs([](config& c) { c.store.url = "postgresql://x/y"; }));
  EXPECT_TRUE(differs([](config& c) { c.analysis.defaults.fps = 1; }));
  EXPECT_TRUE(differs([](config& c) { c.analysis.external["a"].url = "http://x/"; }));
  EXPECT_TRUE(differs([](config& c) { c.integrations.mqtt.qos = 1; }));
  EXPECT_TRUE(differs([](config& c) { c.log.level = "debug"; }));
}

}  // namespace
}  // namespace camgate::core
