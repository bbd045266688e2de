# Every dependency is a Debian package (scripts/install-deps installs them).
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS system)
find_package(OpenSSL REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(spdlog REQUIRED)
find_package(CLI11 REQUIRED)
find_package(tomlplusplus REQUIRED)
find_package(SQLite3 REQUIRED)
# libpq: the PostgreSQL store backend ([store] url).
find_package(PostgreSQL REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(JWT REQUIRED IMPORTED_TARGET libjwt)
pkg_check_modules(SODIUM REQUIRED IMPORTED_TARGET libsodium)
pkg_check_modules(TURBOJPEG REQUIRED IMPORTED_TARGET libturbojpeg)
# The MQTT event sink (src/integrations).
pkg_check_modules(MOSQUITTO REQUIRED IMPORTED_TARGET libmosquitto)
# hiredis: the cluster's Redis client (src/cluster, [cluster] redis).
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)
# Its .pc adds -D_FILE_OFFSET_BITS=64 (a no-op on 64-bit), which made every file that links
# it skip the shared precompiled header (-Winvalid-pch): only its include folder is kept.
set_property(TARGET PkgConfig::HIREDIS PROPERTY INTERFACE_COMPILE_OPTIONS "")
if(CAMGATE_BUILD_TESTS)
  find_package(GTest REQUIRED)
endif()
if(CAMGATE_BUILD_BENCH)
  find_package(benchmark REQUIRED)
endif()
# camgate-robot: GStreamer with webrtcbin (gst-plugins-bad) and libnice. Optional: without
# it camgate and camgate-camsim still build; what is left out is said, not skipped silently.
pkg_check_modules(GST IMPORTED_TARGET gstreamer-1.0 gstreamer-sdp-1.0 gstreamer-webrtc-1.0
                  gstreamer-app-1.0 gstreamer-video-1.0)
if(GST_FOUND)
  message(STATUS "GStreamer ${GST_gstreamer-1.0_VERSION} found: building camgate-robot and its tests")
else()
  message(WARNING
    "GStreamer development files (gstreamer-1.0, -sdp, -webrtc, -app, -video) not found: "
    "NOT building camgate-robot, its library camgate_robot, the robot media tests "
    "(test_robot) or the js_robot suite. camgate and camgate-camsim build without it. "
    "To build them, install the Debian packages libgstreamer1.0-dev "
    "libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev "
    "gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad "
    "gstreamer1.0-plugins-ugly gstreamer1.0-nice (or run scripts/install-deps) and "
    "configure again.")
endif()
