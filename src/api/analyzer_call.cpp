#include "api/analyzer_call.hpp"

#include "analysis/service.hpp"
#include "core/clock.hpp"

namespace camgate::api {

std::optional<httpd::response> check_analyzer_name(services& s, const std::string& name) {
  const auto known = s.analysis ? s.analysis->known_analyzers() : analysis::builtin_analyzers();
  if (known.contains(name)) return std::nullopt;
  std::string names;
  for (const auto& k : known) names += (names.empty() ? "" : ", ") + k;
  return httpd::json_error(http::status::bad_request,
                           "unknown analyzer '" + name.substr(0, 64) + "' (known: " + names + ")");
}

asio::awaitable<std::variant<nlohmann::json, httpd::response>> call_analyzer(
    services& s, const std::string& name, access::resource what, core::frame_ptr picture) {
  auto external = s.analysis ? s.analysis->external(name) : nullptr;
  if (!external) {
    auto home = co_await asio::this_coro::executor;
    co_await asio::post(s.blocking.get_executor(), asio::use_awaitable);
    analysis::resource_analysis once(
        what, s.analysis ? s.analysis->builtins() : analysis::builtin_settings{});
    analysis::profile p;
    p.analyzers = {name};
    auto events = once.run(p, picture, core::unix_micros());
    co_await asio::post(home, asio::use_awaitable);
    const auto& body = events.front()->body;
    if (body.contains("error"))
      co_return httpd::json_error(http::status::bad_gateway, body["error"].get<std::string>());
    co_return body["results"][name];
  }
  const auto key = std::string(access::to_string(what.kind)) + ":" + std::to_string(what.id);
  auto result =
      co_await asio::async_initiate<decltype(asio::use_awaitable), void(analysis::http_analysis)>(
          [&](auto handler) {
            auto h = std::make_shared<decltype(handler)>(std::move(handler));
            external->analyze(key, picture, [h](const analysis::http_analysis& r) {
              auto ex = asio::get_associated_executor(*h);
              asio::dispatch(ex, [h, r]() mutable { (*h)(r); });
            });
          },
          asio::use_awaitable);
  if (!result.ok)
    co_return httpd::json_error(http::status::bad_gateway,
                                "analyzer " + name + ": " + result.error);
  co_return nlohmann::json{
      {"result", result.body}, {"ms", result.ms}, {"frame_seq", result.frame_seq}};
}

}  // namespace camgate::api
