#pragma once
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace camgate::httpd {

// Decodes %XX escapes (and '+' as space when `plus_is_space`); nullopt on a bad escape.
std::optional<std::string> percent_decode(std::string_view in, bool plus_is_space);

// Splits "a=1&b=two" into a map; later duplicates win; undecodable pairs are dropped.
std::map<std::string, std::string, std::less<>> parse_query(std::string_view query);

}  // namespace camgate::httpd
