#include "media/main_loop.hpp"

#include <exception>

#include "core/logging.hpp"

namespace camgate::media {

namespace {

using task = std::function<void()>;

gboolean run_task_once(gpointer p) {
  try {
    (*static_cast<task*>(p))();
  } catch (const std::exception& e) {
    spdlog::error("media: {}", e.what());
  }
  return G_SOURCE_REMOVE;
}

void delete_task(gpointer p) {
  delete static_cast<task*>(p);
}

}  // namespace

void main_loop::start() {
  ctx_ = g_main_context_new();
  loop_ = g_main_loop_new(ctx_, FALSE);
  thread_ = std::thread([ctx = ctx_, loop = loop_] {
    g_main_context_push_thread_default(ctx);
    g_main_loop_run(loop);
    g_main_context_pop_thread_default(ctx);
  });
}

void main_loop::stop() {
  if (!thread_.joinable()) return;
  g_main_loop_quit(loop_);
  thread_.join();
}

void main_loop::close() {
  stop();
  if (loop_) g_main_loop_unref(loop_);
  if (ctx_) g_main_context_unref(ctx_);
  loop_ = nullptr;
  ctx_ = nullptr;
}

void main_loop::invoke(std::function<void()> fn) {
  g_main_context_invoke_full(ctx_, G_PRIORITY_DEFAULT, &run_task_once, new task(std::move(fn)),
                             &delete_task);
}

void main_loop::post(std::function<void()> fn) {
  GSource* src = g_idle_source_new();
  g_source_set_callback(src, &run_task_once, new task(std::move(fn)), &delete_task);
  g_source_attach(src, ctx_);
  g_source_unref(src);
}

attached_source main_loop::add_timeout(unsigned ms, std::function<bool()> fn) {
  using tick = std::function<bool()>;
  attached_source src(g_timeout_source_new(ms));
  g_source_set_callback(
      src.get(),
      [](gpointer p) -> gboolean {
        return (*static_cast<tick*>(p))() ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
      },
      new tick(std::move(fn)), [](gpointer p) { delete static_cast<tick*>(p); });
  g_source_attach(src.get(), ctx_);
  return src;
}

attached_source main_loop::watch_bus(GstElement* pipeline, std::function<void(GstMessage*)> fn) {
  using handler = std::function<void(GstMessage*)>;
  attached_source src;
  {
    gst_ref<GstBus> bus(gst_element_get_bus(pipeline));
    src.reset(gst_bus_create_watch(bus.get()));
  }
  GstBusFunc on_message = +[](GstBus*, GstMessage* m, gpointer p) -> gboolean {
    (*static_cast<handler*>(p))(m);
    return G_SOURCE_CONTINUE;
  };
  // A bus watch source calls a GstBusFunc through the GSourceFunc slot.
  g_source_set_callback(
      src.get(), reinterpret_cast<GSourceFunc>(reinterpret_cast<void (*)()>(on_message)),
      new handler(std::move(fn)), [](gpointer p) { delete static_cast<handler*>(p); });
  g_source_attach(src.get(), ctx_);
  return src;
}

}  // namespace camgate::media
