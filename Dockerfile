# camgate's container image (docs/container.md). Targets:
#   runtime (the default, last stage): the gateway on debian:12-slim, run as user camgate
#   turn: Debian's coturn, the TURN server compose.yaml runs beside it
#   builder: compiles camgate and installs it into /opt/camgate
#     docker build -t camgate .
#     docker build --target turn -t camgate-turn .

FROM debian:12 AS builder
# Release: no debug info, so the stripped binaries are small. CAMGATE_CMAKE_ARGS: more
# -D options. CCACHE_DIR: point it at a cache bind-mounted with `podman build -v` to reuse
# a host's (docs/container.md).
ARG CMAKE_BUILD_TYPE=Release
ARG CAMGATE_CMAKE_ARGS=""
ARG CCACHE_DIR=/root/.cache/ccache
WORKDIR /src
COPY scripts/install-deps scripts/build scripts/
RUN scripts/install-deps --build-only && rm -rf /var/lib/apt/lists/*
COPY CMakeLists.txt ./
COPY cmake/ cmake/
COPY src/ src/
COPY apps/ apps/
COPY web/ web/
# The ccache cache survives between image builds (BuildKit and buildah cache mounts).
RUN --mount=type=cache,target=/root/.cache/ccache \
    CMAKE_BUILD_TYPE=$CMAKE_BUILD_TYPE scripts/build build \
      -DCAMGATE_BUILD_TESTS=OFF -DCAMGATE_BUILD_BENCH=OFF $CAMGATE_CMAKE_ARGS \
      --target camgate --target camgate-robot --target camgate-camsim \
 && cmake --install build --prefix /opt/camgate --strip

FROM debian:12-slim AS turn
RUN apt-get update \
 && apt-get install -y --no-install-recommends coturn tini \
 && rm -rf /var/lib/apt/lists/*
# The package's own unprivileged user; 3478 needs no privilege. turnserver as PID 1
# ignores SIGTERM: tini forwards it, so `docker stop` takes a moment, not 10 seconds.
USER turnserver
EXPOSE 3478/udp 3478/tcp
ENTRYPOINT ["tini", "--", "turnserver"]
CMD ["-n", "--log-file=stdout", "--no-cli"]

FROM debian:12-slim AS runtime
# What the binaries link (ldd build/bin/camgate* | dpkg -S), nothing else:
#   libboost-system1.74.0 libssl3 libjwt0 libsodium23 libsqlite3-0 libpq5 libturbojpeg0
#   libspdlog1.10 libfmt9 libtomlplusplus3 libmosquitto1 libhiredis0.14 libgstreamer1.0-0 libgstreamer-plugins-base1.0-0
#   libgstreamer-plugins-bad1.0-0 libglib2.0-0 (and libc6, libstdc++6, libgcc-s1 from the base).
# The GStreamer elements camgate creates at run time (src/media, src/recording, src/webrtc):
#   plugins-base: appsrc/appsink, videoconvert, videoscale, videotestsrc
#   plugins-good: jpegdec/jpegenc, rtph264pay/depay, rtpvp8pay/depay, vp8enc/vp8dec,
#                 mp4mux/qtdemux, rtpbin, v4l2src/v4l2h264enc
#   plugins-bad:  webrtcbin, dtls, srtp, sctp, h264parse, jpegparse
#   plugins-ugly: x264enc        nice: nicesrc/nicesink (libnice)
#   libav:        avdec_h264 (a robot's pictures as a camera's: snapshots, analysis)
# ca-certificates: external analyzers, webhooks and JWT keys over HTTPS.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libboost-system1.74.0 libssl3 libjwt0 libsodium23 libsqlite3-0 libpq5 libturbojpeg0 \
      libspdlog1.10 libfmt9 libtomlplusplus3 libmosquitto1 libhiredis0.14 libglib2.0-0 \
      libgstreamer1.0-0 libgstreamer-plugins-base1.0-0 libgstreamer-plugins-bad1.0-0 \
      gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad \
      gstreamer1.0-plugins-ugly gstreamer1.0-nice gstreamer1.0-libav \
      ca-certificates \
 && rm -rf /var/lib/apt/lists/*
# A fixed uid, so a bind-mounted data folder can be chowned to it ahead of time.
ARG CAMGATE_UID=10001
RUN useradd --system --uid "$CAMGATE_UID" --user-group --home-dir /var/lib/camgate \
      --shell /usr/sbin/nologin camgate \
 && install -d -o camgate -g camgate -m 0750 /var/lib/camgate
COPY --from=builder /opt/camgate /opt/camgate
COPY container/entrypoint.sh /usr/local/bin/camgate-entrypoint
COPY container/healthcheck.sh /usr/local/bin/camgate-healthcheck
ENV PATH=/opt/camgate/bin:$PATH \
    CAMGATE_DATA=/var/lib/camgate
USER camgate
WORKDIR /var/lib/camgate
VOLUME /var/lib/camgate
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
  CMD ["camgate-healthcheck"]
# camgate serve --config /etc/camgate/camgate.toml (if mounted, else one written from the
# environment) --data /var/lib/camgate
ENTRYPOINT ["camgate-entrypoint"]
CMD ["serve"]
