#include "cluster/cluster_node.hpp"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <fstream>
#include <iterator>

#include "cluster/internal_stream.hpp"

namespace camgate::cluster {
namespace {

std::string read_secret(const core::config::cluster_section& c) {
  if (c.secret_file.empty()) return c.secret;
  std::ifstream in(c.secret_file);
  if (!in) throw std::runtime_error("cluster.secret_file: cannot read " + c.secret_file);
  std::string s{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  if (s.size() < 32)
    throw std::runtime_error("cluster.secret_file: the secret needs >= 32 characters");
  return s;
}

std::string advertise(std::string url) {
  while (url.ends_with('/')) url.pop_back();
  return url;
}

}  // namespace

std::string default_node_id() {
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) != 0) std::snprintf(host, sizeof host, "camgate");
  return std::string(host) + "-" + std::to_string(::getpid());
}

cluster_node::cluster_node(const core::config& cfg, cameras::camera_registry& cameras,
                           std::function<void()> reload_access)
    : cfg_(cfg),
      cameras_(cameras),
      node_id_(cfg.cluster.node_id.empty() ? default_node_id() : cfg.cluster.node_id),
      secret_(read_secret(cfg.cluster)),
      feed_(parse_redis_url(cfg.cluster.redis), node_id_,
            [&cameras, reload = std::move(reload_access)](const std::string& what) {
              if (what != "cameras") reload();
              if (what != "access") cameras.reload();
            }),
      leases_(parse_redis_url(cfg.cluster.redis), node_id_, advertise(cfg.cluster.advertise_url),
              secret_, cameras) {}

cluster_node::~cluster_node() {
  stop();
}

void cluster_node::start(httpd::router& router) {
  add_internal_routes(router, cameras_, leases_, secret_,
                      std::chrono::seconds(cfg_.cameras.viewer_write_timeout_s));
  cameras_.on_change([this] { feed_.publish("cameras"); });
  feed_.start();
  leases_.start();
  spdlog::info("cluster: node {} on Redis {}, reachable at {}", node_id_,
               parse_redis_url(cfg_.cluster.redis).redacted(), cfg_.cluster.advertise_url);
}

void cluster_node::stop() {
  leases_.stop();
  feed_.stop();
}

nlohmann::json cluster_node::status() const {
  const auto held = leases_.held();
  return {{"node_id", node_id_},
          {"role", held.empty() ? "relay" : "owner"},
          {"redis", feed_.connected() && leases_.connected() ? "connected" : "disconnected"},
          {"leases", held}};
}

std::string cluster_node::metrics() const {
  const std::string label = "{node_id=\"" + node_id_ + "\"}";
  std::string out;
  out += "# HELP camgate_cluster_redis_up 1 when this node reaches the cluster's Redis\n";
  out += "# TYPE camgate_cluster_redis_up gauge\n";
  out += "camgate_cluster_redis_up" + label + " " +
         std::string(feed_.connected() && leases_.connected() ? "1" : "0") + "\n";
  out += "# HELP camgate_cluster_leases_held cameras this node pulls (holds the lease of)\n";
  out += "# TYPE camgate_cluster_leases_held gauge\n";
  out += "camgate_cluster_leases_held" + label + " " + std::to_string(leases_.held().size()) + "\n";
  out += "# HELP camgate_cluster_leases_acquired_total camera leases this node took\n";
  out += "# TYPE camgate_cluster_leases_acquired_total counter\n";
  out += "camgate_cluster_leases_acquired_total" + label + " " +
         std::to_string(leases_.acquired_total()) + "\n";
  return out;
}

}  // namespace camgate::cluster
