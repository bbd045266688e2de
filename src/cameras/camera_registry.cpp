#include "cameras/camera_registry.hpp"

#include <algorithm>
#include <cctype>
#include <set>

#include <spdlog/spdlog.h>

namespace camgate::cameras {

camera_registry::camera_registry(asio::io_context& ioc, store::camera_repository& repository,
                                 sources::source_options options)
    : ioc_(ioc), repository_(repository), options_(options) {}

camera_registry::~camera_registry() {
  stop_all(core::end_reason::gateway_stopping);
}

std::shared_ptr<camera> camera_registry::start(store::camera_record record) {
  auto cam = std::make_shared<camera>();
  cam->channel = std::make_shared<hub::channel>(std::to_string(record.id));
  sources::camera_endpoint ep{record.host, static_cast<std::uint16_t>(record.port), record.url};
  // Each source runs on its own strand so cameras never wait on one another.
  cam->source =
      std::make_shared<sources::camera_source>(asio::make_strand(ioc_), ep, options_, cam->channel);
  cam->record = std::move(record);
  if (held_)
    cam->from = upstream::held;
  else
    cam->source->start();
  spdlog::info("camera {} ({}) started: {}:{}{}", cam->record.id, cam->record.name,
               cam->record.host, cam->record.port,
               cam->record.url.empty() ? "" : " " + cam->record.url);
  return cam;
}

void camera_registry::load() {
  for (auto& record : repository_.list()) {
    auto cam = start(record);
    std::lock_guard lock(mutex_);
    cameras_[cam->record.id] = std::move(cam);
  }
}

bool camera_registry::set_upstream(std::int64_t id, upstream mode,
                                   sources::camera_endpoint relay_from) {
  std::shared_ptr<sources::camera_source> old, next;
  {
    std::lock_guard lock(mutex_);
    auto it = cameras_.find(id);
    if (it == cameras_.end()) return false;
    auto cam = std::make_shared<camera>(*it->second);
    const auto& r = cam->record;
    auto ep = mode == upstream::relay
                  ? std::move(relay_from)
                  : sources::camera_endpoint{r.host, static_cast<std::uint16_t>(r.port), r.url};
    next = std::make_shared<sources::camera_source>(asio::make_strand(ioc_), std::move(ep),
                                                    options_, cam->channel);
    old = std::exchange(cam->source, next);
    cam->from = mode;
    it->second = std::move(cam);
  }
  // The old connection closes before the new one opens: an ESP32 serves one client.
  old->stop();
  if (mode != upstream::held) next->start();
  return true;
}

std::shared_ptr<const camera> camera_registry::add(store::camera_record record) {
  auto stored = repository_.add(std::move(record));
  auto cam = start(std::move(stored));
  {
    std::lock_guard lock(mutex_);
    // reload() may have started it first (another node's notice of our own write).
    auto [it, inserted] = cameras_.try_emplace(cam->record.id, cam);
    if (!inserted) {
      cam->source->stop();
      return it->second;
    }
  }
  if (on_change_) on_change_();
  return cam;
}

void camera_registry::reload() {
  const auto records = repository_.list();
  std::set<std::int64_t> stored;
  for (const auto& r : records) {
    stored.insert(r.id);
    if (auto have = get(r.id)) {
      if (have->record.name != r.name) {
        std::lock_guard lock(mutex_);
        if (auto it = cameras_.find(r.id); it != cameras_.end()) {
          auto renamed = std::make_shared<camera>(*it->second);
          renamed->record.name = r.name;
          it->second = std::move(renamed);
        }
      }
      continue;
    }
    auto cam = start(r);
    std::lock_guard lock(mutex_);
    if (!cameras_.try_emplace(r.id, cam).second) cam->source->stop();
  }
  std::vector<std::shared_ptr<camera>> gone;
  {
    std::lock_guard lock(mutex_);
    for (auto it = cameras_.begin(); it != cameras_.end();) {
      if (stored.contains(it->first)) {
        ++it;
        continue;
      }
      gone.push_back(std::move(it->second));
      it = cameras_.erase(it);
    }
  }
  for (auto& cam : gone) {
    cam->source->stop();
    cam->channel->end(core::end_reason::camera_removed);
    spdlog::info("camera {} removed on another node", cam->record.id);
  }
}

bool camera_registry::remove(std::int64_t id, core::end_reason why) {
  std::shared_ptr<camera> cam;
  {
    std::lock_guard lock(mutex_);
    auto it = cameras_.find(id);
    if (it == cameras_.end()) return false;
    cam = std::move(it->second);
    cameras_.erase(it);
  }
  repository_.remove(id);
  cam->source->stop();
  cam->channel->end(why);
  spdlog::info("camera {} removed: {}", id, core::to_string(why));
  if (on_change_) on_change_();
  return true;
}

bool camera_registry::rename(std::int64_t id, const std::string& name) {
  if (!repository_.rename(id, name)) return false;
  {
    std::lock_guard lock(mutex_);
    auto it = cameras_.find(id);
    if (it == cameras_.end()) return false;
    auto renamed = std::make_shared<camera>(*it->second);
    renamed->record.name = name;
    it->second = std::move(renamed);
  }
  if (on_change_) on_change_();
  return true;
}

std::shared_ptr<const camera> camera_registry::get(std::int64_t id) const {
  std::lock_guard lock(mutex_);
  auto it = cameras_.find(id);
  return it == cameras_.end() ? nullptr : it->second;
}

std::shared_ptr<const camera> camera_registry::find_device(const std::string& host,
                                                           int port) const {
  const auto same_host = [&](const std::string& h) {
    return h.size() == host.size() &&
           std::equal(h.begin(), h.end(), host.begin(), [](char a, char b) {
             return std::tolower(static_cast<unsigned char>(a)) ==
                    std::tolower(static_cast<unsigned char>(b));
           });
  };
  std::lock_guard lock(mutex_);
  for (const auto& [id, cam] : cameras_)
    if (cam->record.port == port && same_host(cam->record.host)) return cam;
  return nullptr;
}

std::pair<std::shared_ptr<const camera>, bool> camera_registry::add_unique(
    store::camera_record record) {
  std::lock_guard lock(add_mutex_);
  if (auto existing = find_device(record.host, record.port)) return {existing, false};
  return {add(std::move(record)), true};
}

std::vector<std::shared_ptr<const camera>> camera_registry::list() const {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<const camera>> out;
  out.reserve(cameras_.size());
  for (const auto& [id, cam] : cameras_) out.push_back(cam);
  return out;
}

void camera_registry::stop_all(core::end_reason why) {
  std::map<std::int64_t, std::shared_ptr<camera>> all;
  {
    std::lock_guard lock(mutex_);
    all.swap(cameras_);
  }
  for (auto& [id, cam] : all) {
    cam->source->stop();
    cam->channel->end(why);
  }
}

}  // namespace camgate::cameras
