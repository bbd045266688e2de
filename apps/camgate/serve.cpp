// `camgate serve`: the composition root. Builds every part once and wires them.
#include <spdlog/spdlog.h>

#include <fstream>
#include <iostream>
#include <iterator>
#include <thread>

#include "access/access_index.hpp"
#include "access/access_sync.hpp"
#include "access/policy.hpp"
#include "access/session_registry.hpp"
#include "access/system_clock_source.hpp"
#include "api/routes.hpp"
#include "api/token_authenticator.hpp"
#include "auth/external_jwt_verifier.hpp"
#include "auth/refresh_service.hpp"
#include "auth/secret_file.hpp"
#include "auth/ticket_service.hpp"
#include "auth/token_service.hpp"
#include "cameras/camera_admission.hpp"
#include "cameras/camera_registry.hpp"
#include "cluster/cluster_node.hpp"
#include "cluster/event_bus.hpp"
#include "cluster/signal_bus.hpp"
#include "commands.hpp"
#include "core/clock.hpp"
#include "core/config.hpp"
#include "core/io_pool.hpp"
#include "core/logging.hpp"
#include "http/cors_policy.hpp"
#include "http/server.hpp"
#include "http/static_files.hpp"
#include "signaling/signaling_server.hpp"
#include "store/analysis_repository.hpp"
#include "store/audit_repository.hpp"
#include "store/booking_repository.hpp"
#include "store/change_watch.hpp"
#include "store/database.hpp"
#include "store/error.hpp"
#include "store/private_files.hpp"
#include "store/recording_repository.hpp"
#include "store/robot_repository.hpp"
#ifdef CAMGATE_WITH_RECORDING
#include "analysis.hpp"
#include "recordings.hpp"
#endif
#ifdef CAMGATE_WITH_WEBRTC
#include "webrtc/camera_signaling.hpp"
#include "webrtc/robot_relays.hpp"
#include "webrtc/whep_sessions.hpp"
#endif

#include <unistd.h>

namespace camgate::app {
namespace {

// The page ships beside the binary: <prefix>/bin/camgate serves <prefix>/share/camgate/web,
// where cmake --install puts it and where the build tree links the source web/.
std::filesystem::path find_web_root(const core::config& cfg, const serve_args& args) {
  if (args.web_root) return *args.web_root;
  if (!cfg.server.web_root.empty()) return cfg.server.web_root;
  std::error_code ec;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) {
    spdlog::warn("cannot find camgate's own path ({}): give the web page with --web-root",
                 ec.message());
    return {};
  }
  return exe.parent_path().parent_path() / "share" / "camgate" / "web";
}

sources::source_options source_options_from(const core::config::cameras_section& c) {
  sources::source_options o;
  o.connect_timeout = std::chrono::milliseconds(c.connect_timeout_ms);
  o.stall_timeout = std::chrono::milliseconds(c.stall_timeout_ms);
  o.stale_after = std::chrono::milliseconds(c.stale_after_ms);
  o.poll_fps = c.poll_fps;
  o.max_frame_bytes = static_cast<std::size_t>(c.max_frame_bytes);
  o.backoff_initial = std::chrono::milliseconds(c.backoff_initial_ms);
  o.backoff_max = std::chrono::milliseconds(c.backoff_max_ms);
  return o;
}

// The external issuer's JWTs ([external_jwt]), when configured.
std::unique_ptr<auth::external_jwt_verifier> external_verifier(
    const core::config::external_jwt_section& c) {
  if (c.algorithm.empty()) return nullptr;
  auth::external_jwt_config e;
  e.algorithm = c.algorithm;
  e.secret = c.secret;
  if (!c.public_key_file.empty()) {
    std::ifstream in(c.public_key_file);
    if (!in)
      throw std::runtime_error("external_jwt.public_key_file: cannot read " + c.public_key_file);
    e.public_key_pem.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  e.issuer = c.issuer;
  e.audience = c.audience;
  e.user_claim = c.user_claim;
  e.role_claim = c.role_claim;
  e.admin_role_value = c.admin_role_value;
  e.leeway_s = c.leeway_s;
  return std::make_unique<auth::external_jwt_verifier>(std::move(e));
}

}  // namespace

int serve(const serve_args& args) {
  core::config cfg = args.config_file ? core::load_config(*args.config_file) : core::config{};
  if (args.listen) cfg.server.listen = *args.listen;
  if (args.log_level) cfg.log.level = *args.log_level;
  core::init_logging(cfg.log.level);
  const auto listen = core::parse_host_port(cfg.server.listen);
  if (!listen)
    throw std::runtime_error("--listen must be HOST:PORT, got '" + cfg.server.listen + "'");

  // --data wins over [store] data_dir, which defaults to ./data.
  const std::filesystem::path data =
      args.data ? *args.data : std::filesystem::path(cfg.store.data_dir);
  store::create_private_directories(data);  // 0700: the database's hashes
  // SQLite in the data directory, or the PostgreSQL of [store] url; an unreachable server
  // stops the start here with host, port and libpq's reason.
  const auto db_owner = store::database::open(cfg.store.url, data);
  store::database& db = *db_owner;
  if (!cfg.store.url.empty()) spdlog::info("store: {}", db.describe());
  store::user_repository users(db);
  store::camera_repository camera_records(db);
  store::selection_repository selections(db);
  store::booking_repository bookings(db);
  store::robot_repository robots(db);
  store::audit_repository audit(db);
  store::recording_repository recording_rows(db);
  store::analysis_repository analysis_rows(db);
  if (auto n = audit.close_dangling(core::unix_micros() / 1000000, "gateway stopped"))
    spdlog::info("audit: closed {} session(s) left open by an earlier run", n);
  if (users.count() == 0)
    spdlog::warn("no users yet: add one with `camgate user add NAME --role admin --data {}`",
                 data.string());

  const std::string secret =
      cfg.auth.jwt_secret.empty() ? auth::load_or_create_secret(data) : cfg.auth.jwt_secret;
  auth::token_service tokens(secret, cfg.auth.token_ttl_s);
  auth::ticket_service tickets(secret);
  auth::ticket_service playback_tickets(secret, 3600);  // a player asks for ranges all along
  auth::refresh_service refresh(db, &audit,
                                {cfg.auth.refresh_ttl_s, cfg.auth.refresh_family_ttl_s});
  if (auto n = refresh.prune(core::unix_micros() / 1000000))
    spdlog::info("refresh tokens: forgot {} ended session row(s)", n);
  auto external = external_verifier(cfg.external_jwt);
  auto limits = api::request_limits::from(cfg.limits);

  const int threads = cfg.server.threads > 0
                          ? cfg.server.threads
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // One io_context per thread (see core::io_pool); the shared services run on main().
  core::io_pool io(threads);
  asio::io_context& ioc = io.main();
  asio::thread_pool blocking(1);
  asio::thread_pool recording_work(2);  // clips, fetches from cloud storage

  // Who may add which camera; the sources never connect to the gateway itself.
  cameras::camera_admission admission(cfg.cameras.allowed_networks);
  auto source_options = source_options_from(cfg.cameras);
  source_options.refuse_endpoint = [&admission](const tcp::endpoint& ep) {
    return admission.is_gateway(ep);
  };
  cameras::camera_registry registry(ioc, camera_records, source_options);
  // In a cluster a camera is pulled only by the node holding its lease (cluster/).
  const bool clustered = !cfg.cluster.redis.empty();
  if (clustered) registry.hold_sources();
  registry.load();

  access::system_clock_source wall_clock;
  // Access decisions read an in-memory index; writes through the API refresh it
  // (services.sync), writes by other processes (the CLI) reach it through the watch.
  access::access_index access_index;
  access::policy policy(access_index);
  access::session_registry live(policy, audit, wall_clock, {cfg.access.warn_before_s});
  access::access_sync sync(db, access_index, live);
  sync.refresh();
  live.start(ioc.get_executor());
  // Several gateways on one store and Redis: the other nodes' writes arrive over the
  // change feed, and each camera has one owner that pulls, records and analyses it
  // (docs/cluster.md). Made here, for the recorder and analysis to ask; started below.
  std::unique_ptr<cluster::cluster_node> node;
  if (clustered) {
    node = std::make_unique<cluster::cluster_node>(cfg, registry, [&sync] { sync.refresh(); });
    recording_rows.set_node(node->node_id());  // each recording row names its file's node
  }

  api::services services{cfg,      users, camera_records, selections, tokens, registry,
                         bookings, audit, robots,         policy,     live,   blocking};
  services.tickets = &tickets;
  services.limits = &limits;
  services.refresh = &refresh;
  services.admission = &admission;
  services.sync = &sync;
  services.recording_rows = &recording_rows;
  services.recording_work = &recording_work;
  services.playback_tickets = &playback_tickets;
#ifdef CAMGATE_WITH_WEBRTC
  // Cameras over WebRTC: an engine per watched camera, started by its first WHEP viewer.
  webrtc::whep_sessions_options webrtc_options;
  webrtc_options.media.bitrate_kbps = static_cast<int>(cfg.webrtc.camera_bitrate_kbps);
  webrtc_options.media.h264_encoder = cfg.webrtc.h264_encoder;
  webrtc_options.media.ice_local_addresses = cfg.webrtc.local_addresses;
  for (const auto& url : cfg.webrtc.stun_urls)
    webrtc_options.media.ice_servers.push_back({{url}, {}, {}});
  webrtc_options.linger = std::chrono::seconds(cfg.webrtc.encoder_linger_s);
  webrtc_options.max_sessions = static_cast<std::size_t>(cfg.webrtc.max_sessions);
  auto webrtc_cameras =
      webrtc::whep_sessions::create(ioc.get_executor(), blocking.get_executor(), webrtc_options);
  services.webrtc = webrtc_cameras.get();
#endif
  httpd::router router;
  auto authenticator = api::token_authenticator(
      {&tokens, &tickets, external.get(),
       // An external user is the local user of that name (their bookings), with the role
       // the issuer gave (never robot); unknown names are refused.
       [&users](const auth::identity& ext) -> std::optional<auth::identity> {
         auto local = users.find_by_name(ext.name);
         if (!local || local->role == "robot") return std::nullopt;
         return auth::identity{local->id, local->name, ext.role};
       },
       &access_index});
  router.set_authenticator(authenticator);
#ifdef CAMGATE_WITH_WEBRTC
  // Declared before the signaling server, whose hub calls them until it stops.
  std::shared_ptr<webrtc::robot_relays> relays;
  std::shared_ptr<webrtc::camera_signaling> cameras_over_signaling;
#endif
  // Declared before the signaling server, whose hub calls it until it stops.
  std::unique_ptr<cluster::signal_bus> signal_bus;
  // WebRTC signaling: Socket.IO at /socket.io/, plain WebSocket at /signaling.
  // Every Socket.IO session on one thread: a relayed message never crosses threads.
  signaling::signaling_server signaling(cfg, robots, policy, live, wall_clock, authenticator,
                                        &io.signaling());
  services.signaling = &signaling;
#ifdef CAMGATE_WITH_WEBRTC
  // Cameras over /signaling: a viewer offers to "camera:<id>", the camera's encoder answers.
  cameras_over_signaling = webrtc::camera_signaling::create(
      ioc.get_executor(), signaling.hub(), webrtc_cameras,
      [&registry](std::int64_t id) -> std::shared_ptr<hub::channel> {
        auto cam = registry.get(id);
        return cam ? cam->channel : nullptr;
      });
  signaling.hub().set_cameras(cameras_over_signaling.get());
#endif
  if (cfg.robots.media == "relay") {
#ifdef CAMGATE_WITH_WEBRTC
    // Robots through the gateway: one upstream per watched robot, whatever the viewers.
    webrtc::robot_relays_options relay_options;
    relay_options.media.ice_local_addresses = cfg.webrtc.local_addresses;
    relay_options.media.ice_servers = webrtc_options.media.ice_servers;
    relay_options.linger = std::chrono::seconds(cfg.robots.relay_linger_s);
    relay_options.keep_warm = cfg.robots.relay_keep_warm;
    relays = webrtc::robot_relays::create(ioc.get_executor(), blocking.get_executor(),
                                          signaling.hub(), relay_options);
    signaling.hub().set_relay(relays.get());
    services.relays = relays.get();
    webrtc_cameras->set_relays(relays);
#else
    throw std::runtime_error("robots.media = \"relay\" needs a build with GStreamer");
#endif
  }
  webrtc::robot_relays* relay_ptr = nullptr;
#ifdef CAMGATE_WITH_WEBRTC
  relay_ptr = relays.get();
#endif
  // Connected to this node (in a cluster, the node that owns its upstream): recordings and
  // analysis of a robot run there only.
  const auto robot_online = [&signaling](std::string_view name) {
    const auto st = signaling.robot_state_of(name);
    return st.online && st.node.empty();
  };
  // In a cluster, only the node that pulls a camera (or has the robot) records and
  // analyses it; alone, everything is this gateway's.
  const auto own = app::make_ownership(node.get(), services, robot_online);
  // Continuous analysis by profile, its events (SSE, WebSocket) and integrations.
  auto analysis = app::start_analysis(services, analysis_rows, access_index, ioc.get_executor(),
                                      relay_ptr, robot_online, own);
#ifdef CAMGATE_WITH_RECORDING
  // Recording by policy (bookings, continuous) and on demand; after a crash, the files
  // that were being written are repaired first.
  auto recordings = app::start_recordings(services, recording_rows, access_index, data, relay_ptr,
                                          robot_online, own);
  recording::service* recording_service = recordings.service.get();
#else
  void* recording_service = nullptr;
#endif
  sync.on_refresh([&signaling, recording_service](const access::access_snapshot& s) {
    signaling.hub().end_revoked(s);
#ifdef CAMGATE_WITH_RECORDING
    recording_service->poke();  // a booking that began or ended starts or stops its recording now
#else
    (void)recording_service;
#endif
  });
  // Declared after everything its refreshes reach, so it stops first; the second refresh
  // covers writes made before it took its first reading. In a cluster the nodes' writes
  // arrive over the change feed at once; the watch is then the slower backstop for the
  // CLI's writes and for a feed message lost with Redis.
  store::change_watch watch(db, std::chrono::milliseconds(clustered ? 2000 : 250),
                            [&sync] { sync.refresh(); });
  sync.refresh();
  // The owner's analysis events reach the viewers on the other nodes over Redis.
  std::shared_ptr<cluster::event_bus> event_bus;
  if (clustered) {
    services.publish_change = [&node] { node->changed("access"); };
    services.cluster_status = [&node] { return node->status(); };
    services.cluster_metrics = [&node] { return node->metrics(); };
#ifdef CAMGATE_WITH_RECORDING
    // A camera taken or lost: the recorder's pass now, not within the second.
    node->on_ownership_change([recording_service] { recording_service->poke(); });
#endif
    node->start(router);
    event_bus = std::make_shared<cluster::event_bus>(cluster::parse_redis_url(cfg.cluster.redis),
                                                     node->node_id(), *analysis.events);
    analysis.events->add_sink(event_bus);
    event_bus->start();
    // Robots and viewers on different nodes (docs/cluster.md). With the media relay the
    // robot's node owns its upstream: remote viewers' offers go to its relay.
    signal_bus = std::make_unique<cluster::signal_bus>(cluster::parse_redis_url(cfg.cluster.redis),
                                                       node->node_id(), signaling.hub());
    signaling.hub().set_cluster(signal_bus.get(), node->node_id());
    signal_bus->start();
  }
  services.presence_of = [&signaling](std::string_view name) {
    const auto st = signaling.robot_state_of(name);
    return api::robot_presence{st.online, static_cast<int>(st.viewers), st.node};
  };
  router.set_admission([&limits](const httpd::request_context& ctx) { return limits.admit(ctx); });
  api::register_routes(router, services);
  const auto web_root = find_web_root(cfg, args);
  if (!web_root.empty() && !std::filesystem::is_regular_file(web_root / "index.html"))
    spdlog::warn("no web page in {} (no index.html): give --web-root or [server] web_root",
                 web_root.string());
  // An empty root would serve the working directory: no page at all instead.
  if (!web_root.empty()) router.set_fallback(httpd::static_files(web_root));

  httpd::server_options http_options;
  http_options.connection_context = [&io]() -> asio::io_context& { return io.next(); };
  http_options.websocket_origins = httpd::websocket_origin(cfg.cors.allowed_origins);
  // PostgreSQL out of reach: writes (and reads the index does not hold) answer 503;
  // streams and access checks go on from memory.
  http_options.error_answer = [](const std::exception& e) -> std::optional<httpd::response> {
    if (dynamic_cast<const store::unavailable*>(&e) == nullptr) return std::nullopt;
    return httpd::json_error(http::status::service_unavailable, "database unavailable");
  };
  std::shared_ptr<httpd::cors_policy> cors;
  if (!cfg.cors.allowed_origins.empty()) {
    httpd::cors_options co;
    co.allowed_origins = cfg.cors.allowed_origins;
    co.allow_credentials = cfg.cors.allow_credentials;
    co.max_age_s = cfg.cors.max_age_s;
    co.exposed_headers = {"Retry-After", "X-Timestamp", "X-Frame-Seq", "Location", "Link"};
    cors = std::make_shared<httpd::cors_policy>(std::move(co));
    http_options.intercept = [cors](const httpd::request& req) { return cors->preflight(req); };
    http_options.decorate = [cors](const httpd::request& req, httpd::response_message& res) {
      cors->decorate(req, res);
    };
  }
  if (args.tls_cert || args.tls_key) {
    if (!args.tls_cert || !args.tls_key)
      throw std::runtime_error("--tls-cert and --tls-key go together");
    auto tls = std::make_shared<ssl::context>(ssl::context::tls_server);
    tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    tls->use_certificate_chain_file(args.tls_cert->string());
    tls->use_private_key_file(args.tls_key->string(), ssl::context::pem);
    http_options.tls = std::move(tls);
  }
  httpd::server server(ioc, router, http_options);
  auto bound = server.listen(tcp::endpoint(asio::ip::make_address(listen->host), listen->port));
  admission.set_gateway(bound);  // before io.run(): no source has connected yet
  server.start();
  // Tests and scripts read this line to learn the port.
  std::cout << "camgate listening on " << (http_options.tls ? "https://" : "http://")
            << bound.address().to_string() << ":" << bound.port() << std::endl;
  spdlog::info("camgate {} serving {} camera(s), web page from {}, {} thread(s)", CAMGATE_VERSION,
               registry.list().size(), web_root.string(), threads);

  asio::signal_set signals(ioc, SIGINT, SIGTERM);
  asio::steady_timer grace(ioc);
  signals.async_wait([&](error_code ec, int sig) {
    if (ec) return;
    spdlog::info("signal {}: shutting down", sig);
    server.stop();
    signaling.stop();
    live.cut_all(access::end_reason::gateway_stopping);
#ifdef CAMGATE_WITH_WEBRTC
    webrtc_cameras->shutdown();
    if (relays) relays->shutdown();
#endif
    registry.stop_all(core::end_reason::gateway_stopping);
    // Give viewers a moment to receive their close frames, then stop.
    grace.expires_after(std::chrono::milliseconds(300));
    grace.async_wait([&](error_code) { io.stop(); });
  });

  io.run();
  analysis.stop();
  if (event_bus) event_bus->stop();  // after the analysis' last events
#ifdef CAMGATE_WITH_RECORDING
  recordings.service->stop();  // every file closed and its row complete
#endif
  if (signal_bus) {
    signal_bus->stop();  // after signaling.stop(): its robots' leave notices go out
    signaling.hub().set_cluster(nullptr);
  }
  if (node) node->stop();  // frees this node's leases for the others
  watch.stop();
  live.stop();
  blocking.join();
  recording_work.join();
  spdlog::info("camgate stopped");
  return 0;
}

}  // namespace camgate::app
