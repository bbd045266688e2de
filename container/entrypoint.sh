#!/bin/sh
# The image's entrypoint. `serve` (the default command) starts the gateway with
# $CAMGATE_CONFIG when that file exists (mount your own), otherwise with a config written
# from the environment: camgate's TOML has no variables, and compose's .env must give
# camgate and coturn the same TURN secret. Any other command runs `camgate ARGS...`.
set -eu

data=${CAMGATE_DATA:-/var/lib/camgate}
config=${CAMGATE_CONFIG:-/etc/camgate/camgate.toml}
camgate=${CAMGATE_BIN:-camgate}

# Values that would need escaping in TOML are refused rather than mangled.
check_plain() {
  case $2 in
    *[\"\\]* | *'
'*)
      echo "camgate-entrypoint: $1 must not contain quotes, backslashes or line breaks" >&2
      exit 64
      ;;
  esac
}

toml_string() { printf '"%s"' "$2"; }

# A comma-separated list as a TOML array of strings.
toml_list() {
  name=$1 list=$2 out="" item=""
  while [ -n "$list" ]; do
    item=${list%%,*}
    case $list in *,*) list=${list#*,} ;; *) list="" ;; esac
    [ -n "$item" ] || continue
    out="$out${out:+, }$(toml_string "$name" "$item")"
  done
  printf '[%s]' "$out"
}

# Only the keys the environment sets; every other key keeps its default
# (docs/configuration.md).
write_config() {
  echo "# written by camgate-entrypoint from the container's environment"
  echo "[server]"
  echo "listen = $(toml_string CAMGATE_LISTEN "${CAMGATE_LISTEN:-0.0.0.0:8080}")"
  echo "[webrtc]"
  echo "stun_urls = $(toml_list CAMGATE_STUN_URLS "${CAMGATE_STUN_URLS:-}")"
  echo "turn_urls = $(toml_list CAMGATE_TURN_URLS "${CAMGATE_TURN_URLS:-}")"
  echo "turn_secret = $(toml_string CAMGATE_TURN_SECRET "${CAMGATE_TURN_SECRET:-}")"
  if [ -n "${CAMGATE_LOCAL_ADDRESSES:-}" ]; then
    echo "local_addresses = $(toml_list CAMGATE_LOCAL_ADDRESSES "$CAMGATE_LOCAL_ADDRESSES")"
  fi
  # A shared store and a cluster (docs/postgresql.md, docs/cluster.md): every node of a
  # cluster needs the same store, JWT secret and cluster secret, and its own node id and
  # advertised URL.
  if [ -n "${CAMGATE_STORE_URL:-}" ]; then
    echo "[store]"
    echo "url = $(toml_string CAMGATE_STORE_URL "$CAMGATE_STORE_URL")"
  fi
  if [ -n "${CAMGATE_JWT_SECRET:-}" ]; then
    echo "[auth]"
    echo "jwt_secret = $(toml_string CAMGATE_JWT_SECRET "$CAMGATE_JWT_SECRET")"
  fi
  if [ -n "${CAMGATE_CLUSTER_REDIS:-}" ]; then
    echo "[cluster]"
    echo "redis = $(toml_string CAMGATE_CLUSTER_REDIS "$CAMGATE_CLUSTER_REDIS")"
    [ -z "${CAMGATE_NODE_ID:-}" ] || echo "node_id = $(toml_string CAMGATE_NODE_ID "$CAMGATE_NODE_ID")"
    [ -z "${CAMGATE_CLUSTER_SECRET:-}" ] ||
      echo "secret = $(toml_string CAMGATE_CLUSTER_SECRET "$CAMGATE_CLUSTER_SECRET")"
    [ -z "${CAMGATE_CLUSTER_SECRET_FILE:-}" ] ||
      echo "secret_file = $(toml_string CAMGATE_CLUSTER_SECRET_FILE "$CAMGATE_CLUSTER_SECRET_FILE")"
    echo "advertise_url = $(toml_string CAMGATE_ADVERTISE_URL "${CAMGATE_ADVERTISE_URL:-}")"
  fi
}

if [ "${1:-serve}" != serve ]; then
  exec "$camgate" "$@"
fi
[ $# -gt 0 ] && shift
if [ ! -f "$config" ]; then
  for name in CAMGATE_LISTEN CAMGATE_STUN_URLS CAMGATE_TURN_URLS CAMGATE_TURN_SECRET \
    CAMGATE_LOCAL_ADDRESSES CAMGATE_STORE_URL CAMGATE_JWT_SECRET CAMGATE_CLUSTER_REDIS \
    CAMGATE_NODE_ID CAMGATE_CLUSTER_SECRET CAMGATE_CLUSTER_SECRET_FILE CAMGATE_ADVERTISE_URL; do
    eval "check_plain $name \"\${$name:-}\""
  done
  generated=${CAMGATE_GENERATED_CONFIG:-${TMPDIR:-/tmp}/camgate.toml}
  (umask 077 && write_config >"$generated")
  config=$generated
fi
exec "$camgate" serve --config "$config" --data "$data" "$@"
