#include "cameras/camera_registry.hpp"

#include <algorithm>
#include <cctype>

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

std::shared_ptr<const camera> camera_registry::add(store::camera_record record) {
  auto stored = repository_.add(std::move(record));
  auto cam = start(std::move(stored));
  std::lock_guard lock(mutex_);
  cameras_[cam->record.id] = cam;
  return cam;
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
  return true;
}

bool camera_registry::rename(std::int64_t id, const std::string& name) {
  if (!repository_.rename(id, name)) return false;
  std::lock_guard lock(mutex_);
  auto it = cameras_.find(id);
  if (it == cameras_.end()) return false;
  auto renamed = std::make_shared<camera>(*it->second);
  renamed->record.name = name;
  it->second = std::move(renamed);
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
