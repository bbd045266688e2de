#include "recording/offloader.hpp"

#include <filesystem>
#include <optional>

#include "core/logging.hpp"
#include "recording/shell_command.hpp"

namespace camgate::recording {

namespace fs = std::filesystem;

namespace {

std::string shell_quote(std::string_view v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'')
      out += "'\\''";  // close, an escaped quote, reopen
    else
      out += c;
  }
  return out + "'";
}

std::optional<std::string> placeholder(std::string_view name, const store::recording_row& row,
                                       std::string_view remote) {
  if (name == "path") return row.path;
  if (name == "id") return std::to_string(row.id);
  if (name == "resource") return row.resource_kind + "-" + std::to_string(row.resource_id);
  if (name == "kind") return row.resource_kind;
  if (name == "resource_id") return std::to_string(row.resource_id);
  if (name == "booking") return row.booking_id ? std::to_string(*row.booking_id) : std::string();
  if (name == "remote") return std::string(remote);
  return std::nullopt;
}

// `quote`: values for /bin/sh; without, as they are (remote_url is a name, not a command).
std::string expand(std::string_view tmpl, const store::recording_row& row, std::string_view remote,
                   bool quote) {
  std::string out;
  std::size_t i = 0;
  while (i < tmpl.size()) {
    const auto open = tmpl.find('{', i);
    if (open == std::string_view::npos) break;
    out.append(tmpl.substr(i, open - i));
    const auto close = tmpl.find('}', open + 1);
    const auto value = close == std::string_view::npos
                           ? std::nullopt
                           : placeholder(tmpl.substr(open + 1, close - open - 1), row, remote);
    if (value) {
      out += quote ? shell_quote(*value) : *value;
      i = close + 1;
    } else {
      out += '{';
      i = open + 1;
    }
  }
  if (i < tmpl.size()) out.append(tmpl.substr(i));
  return out;
}

bool is_file(const std::string& path) {
  std::error_code ec;
  return fs::is_regular_file(path, ec);
}

// "exit 3: the last stderr line" / "killed after 600 s" for logs and errors.
std::string describe(const shell_result& r, std::chrono::seconds timeout) {
  std::string what;
  if (!r.error.empty())
    what = r.error;
  else if (r.timed_out)
    what = "killed after " + std::to_string(timeout.count()) + " s";
  else
    what = "exit " + std::to_string(r.exit_code);
  const auto tail = last_lines(r.stderr_tail, 1);
  return tail.empty() ? what : what + ": " + tail;
}

}  // namespace

std::string expand_command(std::string_view tmpl, const store::recording_row& row,
                           std::string_view remote) {
  return expand(tmpl, row, remote, true);
}

// One fetch in flight: later callers for the same id wait for its outcome.
struct offloader::fetch {
  std::condition_variable done_cv;
  bool done = false;
  bool ok = false;
  std::string error;
};

offloader::offloader(store::recording_repository& repo, offload_options options)
    : repo_(repo), options_(std::move(options)) {
  // The logger registry is made on first use; made here, before the thread, its making
  // happens-before the worker's first log line (spdlog's lazy static is not atomic for
  // ThreadSanitizer).
  spdlog::default_logger_raw();
  if (!options_.on_complete.empty()) worker_ = std::thread([this] { run(); });
}

offloader::~offloader() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    if (!queue_.empty())
      spdlog::info("offload: {} recording(s) left for the next start", queue_.size());
    queue_.clear();
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void offloader::completed(const store::recording_row& row) {
  if (options_.on_complete.empty()) return;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) return;
    queue_.push_back(row);
  }
  wake_.notify_one();
}

int offloader::requeue_pending() {
  // Without remote_url nothing records that a hook ran: rerunning at every start would
  // copy everything again.
  if (options_.on_complete.empty() || options_.remote_url.empty()) return 0;
  store::recording_filter complete;
  complete.state = "complete";
  complete.node = repo_.node();  // the files on this node's disk
  const auto rows = repo_.list(complete);
  for (const auto& r : rows) completed(r);
  if (!rows.empty()) spdlog::info("offload: {} recording(s) not offloaded yet", rows.size());
  return static_cast<int>(rows.size());
}

bool offloader::wait_idle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return idle_.wait_for(lock, timeout, [this] { return queue_.empty() && !busy_; });
}

void offloader::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    if (stopping_) break;
    const auto row = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    try {
      offload(row);
    } catch (const std::exception& e) {
      spdlog::error("recording {}: offload: {}", row.id, e.what());
    }
    lock.lock();
    busy_ = false;
    if (queue_.empty()) idle_.notify_all();
  }
  busy_ = false;
  idle_.notify_all();
}

void offloader::offload(const store::recording_row& queued) {
  // The row as it is now: retention may have removed it, a requeue may have queued it twice.
  const auto row = repo_.get(queued.id);
  if (!row || row->state != "complete") return;
  if (!is_file(row->path)) {
    spdlog::error("recording {}: not offloaded, its file is missing: {}", row->id, row->path);
    return;
  }
  const auto remote = expand(options_.remote_url, *row, "", false);
  const auto started = std::chrono::steady_clock::now();
  const auto r = run_shell(expand_command(options_.on_complete, *row, remote), options_.timeout);
  if (!r.ok()) {
    spdlog::error("recording {}: on_complete failed ({}), it stays local", row->id,
                  describe(r, options_.timeout));
    return;
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - started)
                      .count();
  if (const auto out = last_lines(r.stdout_tail, 3); !out.empty())
    spdlog::debug("recording {}: on_complete: {}", row->id, out);
  if (remote.empty()) {
    spdlog::info("recording {}: on_complete done in {} ms", row->id, ms);
    return;
  }
  repo_.offloaded(row->id, remote);
  spdlog::info("recording {}: offloaded to {} in {} ms", row->id, remote, ms);
  if (options_.delete_after_offload) {
    std::error_code ec;
    fs::remove(row->path, ec);
    if (ec)
      spdlog::warn("recording {}: offloaded, but {} stays: {}", row->id, row->path, ec.message());
  }
}

bool offloader::ensure_local(const store::recording_row& row, std::string& error) {
  if (is_file(row.path)) return true;
  std::shared_ptr<fetch> f;
  bool mine = false;
  {
    std::unique_lock lock(mutex_);
    auto& slot = fetches_[row.id];
    if (!slot) {
      slot = std::make_shared<fetch>();
      mine = true;
    }
    f = slot;
    if (!mine) {
      f->done_cv.wait(lock, [&] { return f->done; });
      error = f->error;
      return f->ok;
    }
  }
  std::string why;
  bool ok = false;
  try {
    ok = fetch_file(row, why);
  } catch (const std::exception& e) {
    why = e.what();
  }
  {
    std::lock_guard lock(mutex_);
    f->done = true;
    f->ok = ok;
    f->error = why;
    fetches_.erase(row.id);
  }
  f->done_cv.notify_all();
  error = why;
  return ok;
}

bool offloader::fetch_file(const store::recording_row& row, std::string& error) {
  if (is_file(row.path)) return true;  // fetched by a call that just finished
  if (row.state != "offloaded" || !row.remote_url || row.remote_url->empty()) {
    error = "the file " + row.path + " is missing and the recording was not offloaded";
    return false;
  }
  if (options_.fetch_command.empty()) {
    error = "the recording is at " + *row.remote_url +
            " and no recording.fetch_command is configured to bring it back";
    return false;
  }
  const fs::path dest(row.path);
  std::error_code ec;
  if (dest.has_parent_path()) fs::create_directories(dest.parent_path(), ec);
  auto temp_row = row;
  temp_row.path = row.path + ".fetching";
  fs::remove(temp_row.path, ec);
  const auto r = run_shell(expand_command(options_.fetch_command, temp_row, *row.remote_url),
                           options_.timeout);
  if (r.ok() && is_file(temp_row.path)) {
    fs::rename(temp_row.path, row.path, ec);
    if (!ec) {
      spdlog::info("recording {}: fetched back from {}", row.id, *row.remote_url);
      return true;
    }
    error = "cannot rename " + temp_row.path + ": " + ec.message();
  } else if (r.ok()) {
    error = "fetch_command exited 0 but wrote no file (is " + *row.remote_url + " there?)";
  } else {
    error = "fetch_command failed (" + describe(r, options_.timeout) + ")";
  }
  fs::remove(temp_row.path, ec);
  spdlog::error("recording {}: cannot fetch {}: {}", row.id, *row.remote_url, error);
  return false;
}

}  // namespace camgate::recording
