#pragma once
#include <memory>

#include <gst/gst.h>

namespace camgate::media {

// Owning holders of one GStreamer / GLib reference each: they adopt the reference they
// are given and release it when destroyed. To share an object use share_ref.
namespace detail {
struct object_unref {
  void operator()(gpointer p) const { gst_object_unref(p); }
};
struct gobject_unref {
  void operator()(gpointer p) const { g_object_unref(p); }
};
struct caps_unref {
  void operator()(GstCaps* c) const { gst_caps_unref(c); }
};
struct sample_unref {
  void operator()(GstSample* s) const { gst_sample_unref(s); }
};
struct buffer_unref {
  void operator()(GstBuffer* b) const { gst_buffer_unref(b); }
};
struct message_unref {
  void operator()(GstMessage* m) const { gst_message_unref(m); }
};
// A source attached to a context is detached there too, so its callback never runs again.
struct source_drop {
  void operator()(GSource* s) const {
    g_source_destroy(s);
    g_source_unref(s);
  }
};
}  // namespace detail

template <class T>
using gst_ref = std::unique_ptr<T, detail::object_unref>;  // a GstObject
template <class T>
using gobject_ref = std::unique_ptr<T, detail::gobject_unref>;
using caps_ref = std::unique_ptr<GstCaps, detail::caps_unref>;
using sample_ref = std::unique_ptr<GstSample, detail::sample_unref>;
using buffer_ref = std::unique_ptr<GstBuffer, detail::buffer_unref>;
using message_ref = std::unique_ptr<GstMessage, detail::message_unref>;
using attached_source = std::unique_ptr<GSource, detail::source_drop>;

// A new reference to `obj`, which its other owners keep holding.
template <class T>
gst_ref<T> share_ref(T* obj) {
  return gst_ref<T>(static_cast<T*>(gst_object_ref(obj)));
}

}  // namespace camgate::media
