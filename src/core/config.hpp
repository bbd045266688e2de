#pragma once
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace camgate::core {

// Everything an operator can set in the TOML file (docs/configuration.md lists it).
// Defaults are what `camgate serve` runs with when no file is given. Every section compares
// with ==, so a test can prove a file (packaging/camgate.toml) gives exactly the defaults.
struct config {
  struct server_section {
    std::string listen = "0.0.0.0:8080";
    int threads = 0;       // 0: one per core
    std::string web_root;  // empty: bin/../share/camgate/web beside the binary
    // MJPEG parts and binary WebSocket messages on plain TCP go out with sendfile from sealed
    // pages (docs/architecture.md); false copies them into every socket, as TLS does.
    bool zero_copy = true;
    bool operator==(const server_section&) const = default;
  } server;
  // Where the gateway keeps its state: camgate.db, jwt_secret, recordings/.
  struct store_section {
    std::string data_dir = "data";  // relative to the working directory; `serve --data` wins
    // Empty: SQLite at <data_dir>/camgate.db; "postgresql://user:pass@host:port/db":
    // that PostgreSQL database (docs/postgresql.md). data_dir still holds the rest.
    std::string url;
    bool operator==(const store_section&) const = default;
  } store;
  struct auth_section {
    std::string jwt_secret;  // empty: generated once into <data>/jwt_secret
    std::int64_t token_ttl_s = 3600;
    // Marks the session cookie Secure (HTTPS only). Set automatically with --tls-cert.
    bool cookie_secure = false;
    // Rotating refresh tokens (POST /auth/refresh): one token's lifetime, and a login's
    // absolute lifetime however often it is refreshed.
    std::int64_t refresh_ttl_s = 30 * 86400;
    std::int64_t refresh_family_ttl_s = 90 * 86400;
    bool operator==(const auth_section&) const = default;
  } auth;
  // JWTs issued by another service (the dental-AI backend), accepted beside our own when
  // `algorithm` is set. See auth::external_jwt_config.
  struct external_jwt_section {
    std::string algorithm;        // "" (off), "HS256", "RS256" or "ES256"
    std::string secret;           // HS256
    std::string public_key_file;  // RS256 / ES256: PEM SubjectPublicKeyInfo
    std::string issuer;
    std::string audience;
    std::string user_claim = "sub";
    std::string role_claim = "role";
    std::string admin_role_value = "admin";
    std::int64_t leeway_s = 30;
    bool operator==(const external_jwt_section&) const = default;
  } external_jwt;
  struct cors_section {
    std::vector<std::string> allowed_origins;  // empty: no cross-origin access
    bool allow_credentials = true;
    std::int64_t max_age_s = 600;
    bool operator==(const cors_section&) const = default;
  } cors;
  // Caps per client; 0 turns a cap off.
  struct limits_section {
    double login_per_minute_ip = 30;   // login attempts per client address (NAT: many users)
    double login_per_minute_user = 5;  // login attempts per user name
    double login_burst = 10;
    double refresh_per_minute_ip = 60;  // POST /auth/refresh per client address (login_burst)
    double api_per_second_user = 50;    // authenticated requests per user
    double api_burst = 100;
    std::int64_t streams_per_user = 16;  // concurrent MJPEG + WebSocket + signaling streams
    // Failures for one name from all addresses together only delay its logins (right
    // and wrong passwords alike), so strangers cannot lock a user out.
    std::int64_t login_failure_delay_ms = 1000;
    bool operator==(const limits_section&) const = default;
  } limits;
  struct cameras_section {
    std::int64_t connect_timeout_ms = 3000;
    std::int64_t stall_timeout_ms = 3000;
    std::int64_t stale_after_ms = 1000;
    double poll_fps = 5.0;
    std::int64_t max_frame_bytes = 8 * 1024 * 1024;
    std::int64_t backoff_initial_ms = 100;
    std::int64_t backoff_max_ms = 1000;
    std::int64_t probe_timeout_ms = 3000;
    std::int64_t snapshot_max_age_ms = 1000;
    std::int64_t snapshot_wait_ms = 2000;
    std::int64_t viewer_write_timeout_s = 10;
    // CIDRs in which a non-admin may add cameras; empty: only admins add cameras.
    std::vector<std::string> allowed_networks;
    bool operator==(const cameras_section&) const = default;
  } cameras;
  struct access_section {
    std::int64_t warn_before_s =
        60;  // live streams get "session-expiring" this long before the end
    bool operator==(const access_section&) const = default;
  } access;
  // ICE servers handed to WebRTC peers by GET /api/webrtc/ice-servers.
  struct webrtc_section {
    std::vector<std::string> stun_urls;  // "stun:stun.example.org:3478"
    std::vector<std::string> turn_urls;  // "turn:turn.example.org:3478?transport=udp"
    std::string turn_secret;             // coturn use-auth-secret; empty: no credentials
    std::int64_t turn_ttl_s = 86400;     // lifetime of the TURN credentials
    // Cameras over WebRTC (WHEP): each watched camera's pictures are encoded once.
    std::vector<std::string> local_addresses;  // libnice's host addresses; empty: all but lo
    std::string h264_encoder = "auto";  // auto (v4l2h264enc, else x264enc) | x264enc | v4l2h264enc
    std::int64_t camera_bitrate_kbps = 1500;  // target of each camera's encoder
    std::int64_t encoder_linger_s = 10;       // an encoder stays this long after its last viewer
    std::int64_t max_sessions = 200;          // WebRTC viewers of cameras, all cameras (503)
    bool operator==(const webrtc_section&) const = default;
  } webrtc;
  struct robots_section {
    // "p2p": each viewer's peer connection goes to the robot; "relay": the gateway is the
    // robot's one viewer and forwards its stream, undecoded, to every viewer.
    std::string media = "relay";
    std::int64_t relay_linger_s = 5;  // a relay's upstream stays this long after its last viewer
    // Relay: keep every online robot's upstream open, viewers or not: a viewer's first
    // picture then needs only its own connection (~0.3 s), for the robot's upload all along.
    bool relay_keep_warm = false;
    bool operator==(const robots_section&) const = default;
  } robots;
  // Recordings (src/recording): what is recorded, where, and how long it is kept.
  struct recording_section {
    // "off" | "bookings" (while a booking of the camera or robot is live, one recording per
    // booking) | "continuous". Recordings on demand (the API) work in every policy.
    std::string policy = "off";
    std::string dir = "recordings";    // relative to the data folder unless absolute
    std::int64_t bitrate_kbps = 1000;  // H.264 target for MJPEG cameras
    std::int64_t fragment_ms = 500;    // a kill -9 loses about this plus the encoder's delay
    std::int64_t segment_s = 3600;     // a continuous recording starts a new file this often
    std::int64_t keep_days = 30;       // 0: no age limit
    double max_disk_gb = 0;            // all recordings together; 0: no cap
    double min_free_disk_gb = 1;       // the oldest go first below this
    // Run after each recording is complete, with {path}, {id}, {resource} and {booking}
    // replaced (e.g. `rclone copyto {path} s3:bucket/{resource}/{id}.mp4`); empty: none.
    std::string on_complete;
    // Where on_complete put it (same placeholders, e.g. `s3:bucket/{resource}/{id}.mp4`):
    // when set and on_complete exits 0 the recording is marked offloaded with this URL.
    std::string remote_url;
    bool delete_after_offload = false;  // remove the local file once offloaded
    // Brings {remote} back to {path} for playback (e.g. `rclone copyto {remote} {path}`).
    std::string fetch_command;
    std::int64_t offload_timeout_s = 600;  // a hook running longer is killed
    bool operator==(const recording_section&) const = default;
  } recording;
  // The signaling server (/socket.io/ and /signaling).
  struct signaling_section {
    std::int64_t max_message_bytes = 64 * 1024;  // one message / packet
    double messages_per_second = 50;             // per connection, sustained
    double message_burst = 100;                  // per connection
    std::int64_t connections_per_user = 8;       // open signaling connections per user
    std::int64_t max_connections = 20000;        // all signaling connections
    std::int64_t ping_interval_ms = 25000;       // heartbeat (Engine.IO ping, WebSocket ping)
    std::int64_t ping_timeout_ms = 20000;        // no answer this long after a ping: dropped
    // Engine.IO sessions opened without a credential ("pending") have their own caps,
    // so token-less handshakes cannot fill max_connections.
    std::int64_t pending_per_address = 8;         // pending sessions per client address (429)
    std::int64_t max_pending_connections = 1000;  // all pending sessions (503)
    std::int64_t connect_timeout_ms = 10000;      // pending this long without CONNECT: dropped
    bool operator==(const signaling_section&) const = default;
  } signaling;
  // Analysis of live pictures (src/analysis): [analysis], [analysis.default] and one
  // [analysis.analyzers.NAME] per external analyzer (config_analysis.cpp reads them).
  struct analysis_section {
    std::int64_t workers = 2;            // threads of the built-in analyzers (bounded pool)
    std::int64_t keep_days = 7;          // stored results; 0: no age limit
    std::int64_t max_results = 1000000;  // stored results of all cameras; the oldest go first
    std::int64_t max_fps = 10;           // the highest rate a profile may ask for
    // A camera's or robot's profile until the API sets its own.
    struct profile_section {
      std::string when = "off";  // off | always | watched | bookings
      double fps = 2;
      std::vector<std::string> analyzers{"exposure", "sharpness", "motion", "frozen", "black"};
      bool operator==(const profile_section&) const = default;
    } defaults;
    // Built-in analyzers' thresholds.
    double motion_threshold = 0.01;       // share of changed cells that is motion
    std::int64_t frozen_after_ms = 3000;  // same picture (or none) this long: frozen
    double black_luma = 16;               // mean luma under this (and flat): black frame
    // The seed's hook to the dental-AI service: pictures POSTed to a URL.
    struct external_section {
      std::string url;                   // http://host:port/path (http only)
      std::string format = "multipart";  // multipart (DeepStack / CodeProject.AI) | jpeg
      std::string field = "image";       // the multipart field name
      std::string auth_header;           // "Authorization: Bearer ..." sent as is; "" none
      std::int64_t timeout_ms = 5000;
      std::int64_t max_response_bytes = 1024 * 1024;
      bool operator==(const external_section&) const = default;
    };
    std::map<std::string, external_section> external;  // by analyzer name
    bool operator==(const analysis_section&) const = default;
  } analysis;
  // Where events (analysis results, alerts, camera states) go besides viewers.
  struct integrations_section {
    struct webhook_section {
      std::string url;     // http://host:port/path
      std::string secret;  // HMAC-SHA256 of the body in X-Camgate-Signature; "" none
      std::vector<std::string> events{"alert", "camera-state"};  // event types sent
      std::int64_t timeout_ms = 5000;
      std::int64_t max_queue = 1000;  // events waiting; the oldest are dropped past it
      bool operator==(const webhook_section&) const = default;
    };
    std::map<std::string, webhook_section> webhooks;  // [integrations.webhooks.NAME]
    struct mqtt_section {
      std::string host;  // "" : off
      std::int64_t port = 1883;
      std::string client_id = "camgate";
      std::string username;
      std::string password;
      std::string topic_prefix = "camgate";  // <prefix>/cameras/<id>/<type>
      std::int64_t qos = 0;
      std::vector<std::string> events{"analysis", "alert", "camera-state"};
      bool operator==(const mqtt_section&) const = default;
    } mqtt;
    bool operator==(const integrations_section&) const = default;
  } integrations;
  // Several gateways on one PostgreSQL and Redis (docs/cluster.md).
  struct cluster_section {
    std::string redis;          // "redis://host:port"; empty: a single node, no Redis
    std::string node_id;        // empty: <hostname>-<pid>
    std::string secret;         // the cluster secret for node-to-node calls...
    std::string secret_file;    // ...or the file holding it
    std::string advertise_url;  // how other nodes reach this node's HTTP
    bool operator==(const cluster_section&) const = default;
  } cluster;
  struct log_section {
    std::string level = "info";
    bool operator==(const log_section&) const = default;
  } log;
  bool operator==(const config&) const = default;
};

// Reads a TOML file over the defaults; throws std::runtime_error naming the file,
// line and key on a syntax error or a value of the wrong type or range.
config load_config(const std::filesystem::path& file);

// Parses "HOST:PORT" ("[::1]:80" for IPv6); nullopt when malformed.
struct host_port {
  std::string host;
  std::uint16_t port = 0;
};
std::optional<host_port> parse_host_port(std::string_view text);

}  // namespace camgate::core
