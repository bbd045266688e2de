add_compile_options(-Wall -Wextra -Wno-unused-parameter)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # GCC 12 inlines Asio's awaitable frame operator new/delete (recycling allocator)
  # and wrongly reports them as mismatched; the pair is correct.
  add_compile_options(-Wno-mismatched-new-delete)
endif()
# Optimization of the sanitizer builds. Instrumented code is slow to optimize: one
# Beast-heavy file (http_connection.cpp) takes 57 s at -O2 with ASan+UBSan, 33 s at -O1
# and 16 s at -O0 (10 s unsanitized at -O2). The tests are I/O-bound, so ASan+UBSan
# builds at -O0 (UBSan also elides fewer checks there); TSan is ~5x slower at run time
# without optimization and builds at -O1 (10 s for the same file).
if(CAMGATE_SANITIZE STREQUAL "thread")
  set(_camgate_sanitize_opt -O1)
elseif(CAMGATE_SANITIZE)
  set(_camgate_sanitize_opt -O0)
endif()
set(CAMGATE_SANITIZE_OPT "${_camgate_sanitize_opt}" CACHE STRING
    "Optimization flag of a sanitizer build (default -O0 for ASan+UBSan, -O1 for TSan)")
if(CAMGATE_SANITIZE AND CAMGATE_SANITIZE_OPT)
  foreach(cfg RELWITHDEBINFO RELEASE DEBUG MINSIZEREL)
    string(REGEX REPLACE "(^| )-O[0-3gs]?( |$)" " " CMAKE_CXX_FLAGS_${cfg} "${CMAKE_CXX_FLAGS_${cfg}}")
  endforeach()
  add_compile_options(${CAMGATE_SANITIZE_OPT})
endif()
if(CAMGATE_SANITIZE STREQUAL "thread")
  add_compile_options(-fsanitize=thread -fno-omit-frame-pointer)
  # Asio's fenced blocks are std::atomic_thread_fence, which TSan does not model (g++
  # warns, -Wtsan). Handlers already pass between threads through the scheduler's
  # mutexes, which TSan sees; the fence adds nothing on x86 but a false alarm.
  add_compile_definitions(BOOST_ASIO_DISABLE_FENCED_BLOCK)
  add_link_options(-fsanitize=thread)
elseif(CAMGATE_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
# Asio and Beast are compiled once (src/core/asio_impl.cpp) instead of in every file.
add_compile_definitions(BOOST_ASIO_SEPARATE_COMPILATION BOOST_BEAST_SEPARATE_COMPILATION
                        BOOST_BEAST_USE_STD_STRING_VIEW BOOST_ASIO_NO_DEPRECATED)
