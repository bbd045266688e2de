#pragma once
#include <functional>
#include <thread>

#include <gst/gst.h>

#include "media/gst_ref.hpp"

namespace camgate::media {

// The media engine's own GLib main loop, run by one thread on a private GMainContext.
// Everything the engine owns is touched on that thread; other threads reach it through
// invoke and post.
class main_loop {
 public:
  main_loop() = default;
  ~main_loop() { close(); }
  main_loop(const main_loop&) = delete;
  main_loop& operator=(const main_loop&) = delete;

  // Creates the context and starts the thread that runs it.
  void start();
  // Quits the loop and joins its thread (once started; does nothing after).
  void stop();
  // stop(), then frees the context; sources still queued are freed with it, unrun.
  void close();

  // Runs fn on the loop thread: at once when called there, else as soon as possible.
  // An exception from fn is logged.
  void invoke(std::function<void()> fn);
  // Runs fn on the loop thread later, never inline (e.g. from a GStreamer thread).
  void post(std::function<void()> fn);
  // Calls fn every `ms` milliseconds on the loop thread while it returns true.
  attached_source add_timeout(unsigned ms, std::function<bool()> fn);
  // Calls fn on the loop thread for every message on the pipeline's bus.
  attached_source watch_bus(GstElement* pipeline, std::function<void(GstMessage*)> fn);

 private:
  GMainContext* ctx_ = nullptr;
  GMainLoop* loop_ = nullptr;
  std::thread thread_;
};

}  // namespace camgate::media
