#pragma once
#include <atomic>
#include <memory>

// ThreadSanitizer does not see the lock libstdc++ 12 keeps inside
// std::atomic<std::shared_ptr> (a bit of the control-block pointer; GCC 12.3 and 13 add
// the annotations) and reports the pointer it guards as a race. These annotations
// describe that same lock to TSan: they add no synchronisation the type does not have.
#if defined(__SANITIZE_THREAD__)
#define CAMGATE_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CAMGATE_TSAN 1
#endif
#endif
#ifdef CAMGATE_TSAN
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
#endif

namespace camgate::core {

// std::atomic<std::shared_ptr<T>> for copy-on-write state (one writer swaps in a new
// immutable value, any number of readers take the current one): load and store only.
template <class T>
class atomic_shared_ptr {
 public:
  atomic_shared_ptr() = default;
  explicit atomic_shared_ptr(std::shared_ptr<T> p) : p_(std::move(p)) {}

  std::shared_ptr<T> load() const {
    annotate_lock();
    auto p = p_.load(std::memory_order_acquire);
    annotate_unlock();
    return p;
  }
  void store(std::shared_ptr<T> p) {
    annotate_lock();
    p_.store(std::move(p), std::memory_order_release);
    annotate_unlock();
  }

 private:
#ifdef CAMGATE_TSAN
  void annotate_lock() const {
    __tsan_acquire(const_cast<void*>(static_cast<const void*>(&p_)));
  }
  void annotate_unlock() const {
    __tsan_release(const_cast<void*>(static_cast<const void*>(&p_)));
  }
#else
  void annotate_lock() const {}
  void annotate_unlock() const {}
#endif

  std::atomic<std::shared_ptr<T>> p_;
};

}  // namespace camgate::core
