add_compile_options(-Wall -Wextra -Wno-unused-parameter)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # GCC 12 inlines Asio's awaitable frame operator new/delete (recycling allocator)
  # and wrongly reports them as mismatched; the pair is correct.
  add_compile_options(-Wno-mismatched-new-delete)
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
