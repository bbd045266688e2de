#pragma once
#include <memory>
#include <mutex>

namespace camgate::core {

// A shared_ptr slot for copy-on-write state: one writer swaps in a new immutable value,
// any number of readers take the current one. Load and store only.
//
// Why a mutex and not std::atomic<std::shared_ptr>: libstdc++ 12 guards that type with a
// lock bit inside the control-block pointer, which ThreadSanitizer cannot see (GCC 12.3
// adds the annotations; Debian 12 ships 12.2), so every reader was reported as a race and
// annotations from outside cannot mark where the real lock is taken. The lock here is held
// only for a reference-count increment (~20 ns uncontended), and TSan checks it for real.
template <class T>
class atomic_shared_ptr {
 public:
  atomic_shared_ptr() = default;
  explicit atomic_shared_ptr(std::shared_ptr<T> p) : p_(std::move(p)) {}
  atomic_shared_ptr(const atomic_shared_ptr&) = delete;
  atomic_shared_ptr& operator=(const atomic_shared_ptr&) = delete;

  std::shared_ptr<T> load() const {
    std::lock_guard lock(mu_);
    return p_;
  }
  void store(std::shared_ptr<T> p) {
    {
      std::lock_guard lock(mu_);
      p_.swap(p);
    }
    // the old value (now in p) is released outside the lock: its destructor may be long
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<T> p_;
};

}  // namespace camgate::core
