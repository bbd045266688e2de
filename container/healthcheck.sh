#!/bin/bash
# The image's HEALTHCHECK: GET /health on the gateway's own port, without curl in the
# image (bash's /dev/tcp). Healthy only on an HTTP 200 within the timeout.
set -euo pipefail
host=${CAMGATE_HEALTH_HOST:-127.0.0.1}
port=${CAMGATE_HEALTH_PORT:-8080}
exec 3<>"/dev/tcp/$host/$port"
printf 'GET /health HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$host" >&3
read -r -t "${CAMGATE_HEALTH_TIMEOUT:-4}" status_line <&3
case $status_line in
  "HTTP/1.1 200 "* | "HTTP/1.0 200 "*) exit 0 ;;
  *) echo "camgate-healthcheck: ${status_line%$'\r'}" >&2; exit 1 ;;
esac
