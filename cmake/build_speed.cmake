# Build speed: ccache, shared precompiled headers, debug-info level and a build scope.
# The CI budget (.ci/run) is what this file is for: three builds (normal, ASan+UBSan,
# TSan) on two cores.

# ccache, when installed. Its cache lives outside the clone (ccache's own default,
# ~/.cache/ccache, or CCACHE_DIR), so a fresh clone on the same machine hits it.
# base_dir makes the paths relative to the clone, so a clone elsewhere hits too;
# the sloppiness lets ccache cache files compiled with a precompiled header.
option(CAMGATE_CCACHE "Compile through ccache when it is installed" ON)
find_program(CCACHE_PROGRAM ccache)
if(CAMGATE_CCACHE AND CCACHE_PROGRAM AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
  set(CMAKE_CXX_COMPILER_LAUNCHER
      ${CMAKE_COMMAND} -E env CCACHE_BASEDIR=${PROJECT_SOURCE_DIR}
      CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
      CCACHE_NOHASHDIR=1 ${CCACHE_PROGRAM})
  message(STATUS "camgate: compiling through ${CCACHE_PROGRAM}")
elseif(CAMGATE_CCACHE)
  message(STATUS "camgate: ccache not found (Debian package ccache); compiling without it")
endif()

# Debug information costs about a third of the compile time of Asio/Beast code. The
# sanitizer builds keep line tables (-g1: enough for symbolized stack traces).
set(CAMGATE_DEBUG_INFO "" CACHE STRING "Debug info flag for every file (e.g. -g1); empty keeps the build type's")
if(CAMGATE_DEBUG_INFO)
  foreach(cfg RELWITHDEBINFO DEBUG)
    string(REGEX REPLACE "(^| )-g[0-9]*( |$)" " " CMAKE_CXX_FLAGS_${cfg} "${CMAKE_CXX_FLAGS_${cfg}}")
  endforeach()
  add_compile_options(${CAMGATE_DEBUG_INFO})
endif()

# Precompiled headers: Asio, Beast and nlohmann-json are parsed once per build instead of
# once per file. One PCH for the libraries and apps, one with GoogleTest for the tests;
# every target reuses one of them (REUSE_FROM), so the header is compiled twice in all.
option(CAMGATE_PCH "Use precompiled headers" ON)
set(_camgate_pch_headers
    <algorithm> <chrono> <cstdint> <functional> <map> <memory> <mutex> <optional>
    <string> <string_view> <utility> <vector>
    <boost/asio.hpp> <boost/beast/core.hpp> <boost/beast/http.hpp>
    <boost/beast/websocket.hpp> <boost/beast/ssl.hpp> <nlohmann/json.hpp>)

function(camgate_define_pch)
  if(NOT CAMGATE_PCH)
    return()
  endif()
  file(WRITE ${CMAKE_BINARY_DIR}/camgate_pch.cpp "// translation unit for the shared PCH\n")
  add_library(camgate_pch OBJECT ${CMAKE_BINARY_DIR}/camgate_pch.cpp)
  target_link_libraries(camgate_pch PRIVATE Boost::boost nlohmann_json::nlohmann_json)
  target_precompile_headers(camgate_pch PRIVATE ${_camgate_pch_headers})
  if(CAMGATE_BUILD_TESTS)
    file(WRITE ${CMAKE_BINARY_DIR}/camgate_test_pch.cpp "// translation unit for the tests' PCH\n")
    add_library(camgate_test_pch OBJECT ${CMAKE_BINARY_DIR}/camgate_test_pch.cpp)
    target_link_libraries(camgate_test_pch PRIVATE Boost::boost nlohmann_json::nlohmann_json
                                                   GTest::gtest GTest::gmock)
    target_precompile_headers(camgate_test_pch PRIVATE ${_camgate_pch_headers}
                              <gtest/gtest.h> <gmock/gmock.h>)
  endif()
endfunction()

# Every C++ target under `dir` reuses the shared PCH (tests the one with GoogleTest).
# Targets with a PCH of their own (GStreamer's, in src/robot) keep it.
function(camgate_apply_pch dir)
  if(NOT CAMGATE_PCH)
    return()
  endif()
  get_property(targets DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  foreach(t ${targets})
    get_target_property(type ${t} TYPE)
    get_target_property(own ${t} PRECOMPILE_HEADERS)
    get_target_property(reuse ${t} PRECOMPILE_HEADERS_REUSE_FROM)
    if(t MATCHES "^camgate_(test_)?pch$" OR type STREQUAL "INTERFACE_LIBRARY" OR type STREQUAL "UTILITY"
       OR own OR reuse)
      continue()
    endif()
    get_target_property(links ${t} LINK_LIBRARIES)
    if(TARGET camgate_test_pch AND "${links}" MATCHES "GTest::")
      target_precompile_headers(${t} REUSE_FROM camgate_test_pch)
    else()
      target_precompile_headers(${t} REUSE_FROM camgate_pch)
    endif()
  endforeach()
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(s ${subdirs})
    camgate_apply_pch(${s})
  endforeach()
endfunction()
