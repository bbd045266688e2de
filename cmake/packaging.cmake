# Debian packages (docs/packaging.md): `cmake --build build --target package` or
# scripts/package write <build>/packages/camgate_<version>_<arch>.deb (the gateway,
# camgate-camsim, the web page, /etc/camgate/camgate.toml, camgate.service) and
# camgate-robot_<version>_<arch>.deb (the robot agent, robot.toml, its unit).
#
# Install components: `gateway` and `robot` hold what `cmake --install` installs anywhere
# (binaries, page, docs); `gateway-system` and `robot-system` hold what only a package
# puts on the system (/etc, systemd units, Debian's copyright and changelog), so they are
# EXCLUDE_FROM_ALL: a plain `cmake --install build --prefix ~/x` never writes to /etc.
# CPack asks for each component by name, which installs them too.

set(CAMGATE_PACKAGE_MAINTAINER "camgate maintainers <camgate@example.invalid>"
    CACHE STRING "Maintainer field of the Debian packages (name <email>): set it for a release")
set(CAMGATE_PACKAGE_VENDOR "the camgate authors"
    CACHE STRING "Copyright holder named in /usr/share/doc/camgate*/copyright")

set(CAMGATE_PACKAGE_RELEASE 1 CACHE STRING "Debian revision of the packages (version-RELEASE)")

set(pkg_src ${PROJECT_SOURCE_DIR}/packaging)
set(pkg_gen ${CMAKE_BINARY_DIR}/packaging)
set(has_robot FALSE)
if(TARGET camgate-robot)
  set(has_robot TRUE)
endif()

# Debian wants a copyright file and a gzipped changelog (gzip -n: no time stamp, so the
# same sources give the same package) in each package's doc folder.
# Dated by the last commit (or SOURCE_DATE_EPOCH when set): the same sources, the same text.
if(NOT DEFINED ENV{SOURCE_DATE_EPOCH})
  execute_process(COMMAND git log -1 --format=%ct WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                  OUTPUT_VARIABLE pkg_epoch OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(pkg_epoch)
    set(ENV{SOURCE_DATE_EPOCH} ${pkg_epoch})
  endif()
endif()
string(TIMESTAMP pkg_year "%Y" UTC)
string(TIMESTAMP pkg_date "%a, %d %b %Y %H:%M:%S +0000" UTC)
set(CAMGATE_PACKAGE_YEAR ${pkg_year})
set(CAMGATE_PACKAGE_DATE ${pkg_date})
find_program(CAMGATE_GZIP gzip REQUIRED)
foreach(pkg camgate camgate-robot)
  set(CAMGATE_PACKAGE_NAME ${pkg})
  configure_file(${pkg_src}/debian/copyright.in ${pkg_gen}/${pkg}/copyright @ONLY)
  configure_file(${pkg_src}/debian/changelog.in ${pkg_gen}/${pkg}/changelog.Debian @ONLY)
  execute_process(COMMAND ${CAMGATE_GZIP} -9nf ${pkg_gen}/${pkg}/changelog.Debian
                  COMMAND_ERROR_IS_FATAL ANY)
endforeach()

# camgate: binaries and page install with the apps' own rules (component gateway).
install(FILES README.md docs/configuration.md docs/packaging.md
        DESTINATION share/doc/camgate COMPONENT gateway)
install(FILES ${pkg_gen}/camgate/copyright ${pkg_gen}/camgate/changelog.Debian.gz
        DESTINATION share/doc/camgate COMPONENT gateway-system EXCLUDE_FROM_ALL)
install(FILES ${pkg_src}/debian/camgate/lintian-overrides RENAME camgate
        DESTINATION share/lintian/overrides COMPONENT gateway-system EXCLUDE_FROM_ALL)
install(FILES ${pkg_src}/camgate.toml
        DESTINATION /etc/camgate COMPONENT gateway-system EXCLUDE_FROM_ALL)
install(FILES ${pkg_src}/systemd/camgate.service
        DESTINATION /lib/systemd/system COMPONENT gateway-system EXCLUDE_FROM_ALL)
if(has_robot)
  install(FILES docs/robot.md DESTINATION share/doc/camgate-robot COMPONENT robot)
  install(FILES ${pkg_gen}/camgate-robot/copyright ${pkg_gen}/camgate-robot/changelog.Debian.gz
          DESTINATION share/doc/camgate-robot COMPONENT robot-system EXCLUDE_FROM_ALL)
  install(FILES ${pkg_src}/debian/camgate-robot/lintian-overrides RENAME camgate-robot
          DESTINATION share/lintian/overrides COMPONENT robot-system EXCLUDE_FROM_ALL)
  install(FILES ${pkg_src}/robot.toml
          DESTINATION /etc/camgate COMPONENT robot-system EXCLUDE_FROM_ALL)
  install(FILES ${pkg_src}/systemd/camgate-robot.service
          DESTINATION /lib/systemd/system COMPONENT robot-system EXCLUDE_FROM_ALL)
endif()

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME camgate)
set(CPACK_PACKAGE_VENDOR ${CAMGATE_PACKAGE_VENDOR})
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR}/packages)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ONE_PER_GROUP)
set(CPACK_COMPONENTS_ALL gateway gateway-system)
if(has_robot)
  list(APPEND CPACK_COMPONENTS_ALL robot robot-system)
endif()

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # name_version-release_arch.deb
# A Debian revision: the package is not "native" (its changelog is changelog.Debian.gz).
set(CPACK_DEBIAN_PACKAGE_RELEASE ${CAMGATE_PACKAGE_RELEASE})
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${CAMGATE_PACKAGE_MAINTAINER})
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Library dependencies come from dpkg-shlibdeps, which reads the binaries' NEEDED entries.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# Scripts 0755, other control files 0644, as dpkg and lintian expect.
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# GStreamer loads its elements as plugins at run time (jpegdec, mp4mux and qtdemux in
# -good, webrtcbin in -bad, x264enc in -ugly, nicesrc/nicesink in gstreamer1.0-nice), which
# no NEEDED entry shows dpkg-shlibdeps; adduser runs in camgate's postinst.
set(pkg_gst_plugins "gstreamer1.0-plugins-base, gstreamer1.0-plugins-good, \
gstreamer1.0-plugins-bad, gstreamer1.0-plugins-ugly, gstreamer1.0-nice")

# The group's name is the package's: CPACK_DEBIAN_<GROUP>_* set its control fields.
set(CPACK_DEBIAN_CAMGATE_PACKAGE_NAME camgate)
set(CPACK_DEBIAN_CAMGATE_PACKAGE_DEPENDS "adduser, ${pkg_gst_plugins}")
set(CPACK_DEBIAN_CAMGATE_PACKAGE_CONTROL_EXTRA
    ${pkg_src}/debian/camgate/conffiles ${pkg_src}/debian/camgate/postinst
    ${pkg_src}/debian/camgate/prerm ${pkg_src}/debian/camgate/postrm)
set(CPACK_DEBIAN_CAMGATE-ROBOT_PACKAGE_NAME camgate-robot)
set(CPACK_DEBIAN_CAMGATE-ROBOT_PACKAGE_DEPENDS ${pkg_gst_plugins})
set(CPACK_DEBIAN_CAMGATE-ROBOT_PACKAGE_CONTROL_EXTRA
    ${pkg_src}/debian/camgate-robot/conffiles ${pkg_src}/debian/camgate-robot/postinst
    ${pkg_src}/debian/camgate-robot/prerm ${pkg_src}/debian/camgate-robot/postrm)

# First line: the synopsis; the rest: the extended description.
set(CPACK_DEBIAN_CAMGATE_DESCRIPTION "camera streaming gateway for clinics and robotics labs
camgate keeps one upstream connection to each network camera (an ESP32-CAM
serves a single client) and fans its frames out to authenticated viewers:
snapshots, MJPEG, WebSocket and WebRTC (WHEP), with access bound to bookings,
recordings, picture analysis and a web page. Includes camgate-camsim, a
simulated ESP32 camera, and camgate.service (not enabled on install).")
set(CPACK_DEBIAN_CAMGATE-ROBOT_DESCRIPTION "robot-side agent of the camgate gateway
camgate-robot streams a robot's camera (V4L2, libcamera or a GStreamer
pipeline) over WebRTC through a camgate gateway, one encoder for all viewers.
Includes camgate-robot.service (not enabled on install).")

include(CPack)

cpack_add_component_group(camgate)
cpack_add_component(gateway GROUP camgate)
cpack_add_component(gateway-system GROUP camgate)
if(has_robot)
  cpack_add_component_group(camgate-robot)
  cpack_add_component(robot GROUP camgate-robot)
  cpack_add_component(robot-system GROUP camgate-robot)
endif()
