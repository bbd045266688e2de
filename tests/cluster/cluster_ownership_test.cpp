// Recording and analysis ownership in a cluster (docs/cluster.md "Recordings and
// analysis"): three nodes with a `continuous` recording policy and continuous analysis
// for every camera; only the node holding the camera's lease records and analyses it.
#include "cluster_fixture.hpp"

#include <boost/asio.hpp>

namespace {

namespace asio = boost::asio;

// A Server-Sent Events reader for the tests: the `data:` lines of each event, parsed.
class sse_reader {
 public:
  sse_reader(std::uint16_t port, const std::string& target, const std::string& token)
      : socket_(ioc_) {
    socket_.connect({asio::ip::make_address("127.0.0.1"), port});
    const auto req = "GET " + target +
                     " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n"
                     "Authorization: Bearer " +
                     token + "\r\n\r\n";
    asio::write(socket_, asio::buffer(req));
  }
  // The next event's JSON, or nullopt after `timeout`.
  std::optional<json> next(std::chrono::milliseconds timeout) {
    const auto until = steady::now() + timeout;
    while (true) {
      if (!headers_done_) {
        if (auto end = buffer_.find("\r\n\r\n"); end != std::string::npos) {
          status_line_ = buffer_.substr(0, buffer_.find("\r\n"));
          buffer_.erase(0, end + 4);
          headers_done_ = true;
        }
      }
      if (headers_done_) {
        // Events end with a blank line; chunked framing lines are skipped by looking only
        // at "data:" lines.
        if (auto end = buffer_.find("\n\n"); end != std::string::npos) {
          const auto block = buffer_.substr(0, end);
          buffer_.erase(0, end + 2);
          for (std::size_t at = block.find("data:"); at != std::string::npos;
               at = block.find("data:", at + 5)) {
            const auto eol = block.find('\n', at);
            auto j =
                json::parse(block.substr(at + 5, eol == std::string::npos ? eol : eol - at - 5),
                            nullptr, false);
            if (j.is_object()) return j;
          }
          continue;
        }
      }
      if (steady::now() >= until || !fill(until)) return std::nullopt;
    }
  }
  const std::string& status_line() const { return status_line_; }

 private:
  bool fill(steady::time_point until) {
    char chunk[4096];
    bool got = false;
    socket_.async_read_some(asio::buffer(chunk), [&](boost::system::error_code ec, std::size_t n) {
      if (!ec) {
        buffer_.append(chunk, n);
        got = true;
      }
    });
    ioc_.restart();
    ioc_.run_for(std::chrono::duration_cast<std::chrono::milliseconds>(until - steady::now()));
    if (!ioc_.stopped()) {
      socket_.cancel();
      ioc_.restart();
      ioc_.run();
    }
    return got;
  }
  asio::io_context ioc_;
  asio::ip::tcp::socket socket_;
  std::string buffer_;
  bool headers_done_ = false;
  std::string status_line_;
};

class ClusterOwnership : public Cluster {
 protected:
  std::string node_config() const override {
    return "[recording]\npolicy = \"continuous\"\n"
           "[analysis.default]\nwhen = \"always\"\nfps = 2\nanalyzers = [\"motion\"]\n";
  }
  // The camera's recordings in state "recording", as the shared store has them.
  json recording_now(node& n) {
    auto r =
        http_request(n.port, camgate::http::verb::get,
                     "/api/recordings?state=recording&resource=camera:" + std::to_string(camera),
                     "", bearer(admin));
    if (r.status != 200) throw std::runtime_error("GET /api/recordings: " + r.body);
    return json::parse(r.body).at("recordings");
  }
  // Waits until exactly one node other than `not_on` records the camera; its row.
  std::optional<json> one_recording(steady::duration within, const std::string& not_on = "") {
    const auto until = steady::now() + within;
    while (steady::now() < until) {
      json mine = json::array();
      for (const auto& row : recording_now(*nodes[alive()]))
        if (row.at("node") != not_on) mine.push_back(row);
      if (mine.size() == 1) return mine[0];
      std::this_thread::sleep_for(100ms);
    }
    return std::nullopt;
  }
  std::size_t alive() {
    for (std::size_t i = 0; i < nodes.size(); ++i)
      if (nodes[i]->process->running()) return i;
    throw std::runtime_error("no node left");
  }
  int index_of(const std::string& name) {
    for (std::size_t i = 0; i < nodes.size(); ++i)
      if (nodes[i]->name == name) return static_cast<int>(i);
    return -1;
  }
};

TEST_F(ClusterOwnership, OnlyTheLeaseHolderRecordsAndOtherNodesNameIt) {
  const auto row = one_recording(8s);
  ASSERT_TRUE(row) << "one recording in progress across the three nodes";
  const int own = owner();
  ASSERT_GE(own, 0);
  EXPECT_EQ(row->at("node"), nodes[own]->name) << row->dump();
  EXPECT_EQ(row->at("reason"), "continuous");
  // Two passes later still one: the other nodes do not start their own.
  std::this_thread::sleep_for(2500ms);
  EXPECT_EQ(recording_now(*nodes[0]).size(), 1u) << recording_now(*nodes[0]).dump();
  const auto id = std::to_string(row->at("id").get<std::int64_t>());
  const auto other = (own + 1) % 3;
  // The REC indicator on another node: recording, by the owner.
  auto r = http_request(nodes[other]->port, camgate::http::verb::get,
                        "/api/cameras/" + std::to_string(camera) + "/recording", "", bearer(admin));
  ASSERT_EQ(r.status, 200u) << r.body;
  auto st = json::parse(r.body);
  EXPECT_EQ(st.at("recording"), true) << st.dump();
  EXPECT_EQ(st.at("node"), nodes[own]->name) << st.dump();
  EXPECT_EQ(st.at("current").at("id").get<std::int64_t>(), row->at("id").get<std::int64_t>());
  // Its file is on the owner's disk: another node names that node, the owner serves it.
  r = http_request(nodes[other]->port, camgate::http::verb::get, "/api/recordings/" + id + "/media",
                   "", bearer(admin));
  EXPECT_EQ(r.status, 421u) << r.body;
  auto err = json::parse(r.body);
  EXPECT_EQ(err.at("success"), false);
  EXPECT_EQ(err.at("node"), nodes[own]->name);
  EXPECT_NE(err.at("error").get<std::string>().find(nodes[own]->name), std::string::npos);
  r = http_request(nodes[own]->port, camgate::http::verb::get, "/api/recordings/" + id + "/media",
                   "", bearer(admin));
  EXPECT_EQ(r.status, 200u);
  EXPECT_GT(r.body.size(), 1000u) << "the owner plays its file up to its last fragment";
  // A recording on demand elsewhere: that node does not record the camera.
  r = http_request(nodes[other]->port, camgate::http::verb::post,
                   "/api/cameras/" + std::to_string(camera) + "/recordings", "", bearer(admin));
  EXPECT_EQ(r.status, 421u) << r.body;
}

TEST_F(ClusterOwnership, OwnerKilledAnotherNodeRecordsWithinFiveSeconds) {
  const auto before = one_recording(8s);
  ASSERT_TRUE(before);
  const auto dead = before->at("node").get<std::string>();
  const int own = index_of(dead);
  ASSERT_GE(own, 0);
  nodes[own]->killed = true;
  nodes[own]->process->signal(SIGKILL);
  nodes[own]->process->wait();
  const auto killed = steady::now();
  // The dead node's row stays "recording" until that node starts again (and repairs it).
  const auto after = one_recording(8s, dead);
  ASSERT_TRUE(after) << "no other node records the camera";
  const auto took = steady::now() - killed;
  std::printf("recording again on %s %.2f s after %s was killed\n",
              after->at("node").get<std::string>().c_str(),
              std::chrono::duration<double>(took).count(), dead.c_str());
  EXPECT_LT(took, 5s);
  EXPECT_NE(after->at("id"), before->at("id"));
}

TEST_F(ClusterOwnership, LeaseLostWithoutDyingEndsTheRecordingCleanly) {
  const auto row = one_recording(8s);
  ASSERT_TRUE(row);
  const auto was = row->at("node").get<std::string>();
  const auto id = row->at("id").get<std::int64_t>();
  std::this_thread::sleep_for(1500ms);  // a few fragments in the file
  // A node that does not exist takes the lease (as another node would after a pause of
  // the owner): the owner stops pulling, and its recording ends complete.
  const std::string cmd = "redis-cli -p " + std::to_string(redis->port) +
                          " SET camgate:lease:camera:" + std::to_string(camera) +
                          " 'node-x|999999' PX 4000 >/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  const auto until = steady::now() + 5s;
  json ended;
  while (steady::now() < until) {
    auto r = http_request(nodes[0]->port, camgate::http::verb::get,
                          "/api/recordings/" + std::to_string(id), "", bearer(admin));
    ASSERT_EQ(r.status, 200u) << r.body;
    ended = json::parse(r.body).at("recording");
    if (ended.at("state") != "recording") break;
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(ended.at("state"), "complete") << ended.dump();
  EXPECT_GT(ended.at("frames").get<std::int64_t>(), 0) << ended.dump();
  auto r = http_request(nodes[index_of(was)]->port, camgate::http::verb::get,
                        "/api/recordings/" + std::to_string(id) + "/media", "", bearer(admin));
  EXPECT_EQ(r.status, 200u);
  // Once the stolen lease runs out a real node takes it and records again.
  EXPECT_TRUE(one_recording(10s)) << "nobody records after the lease ran out";
}

TEST_F(ClusterOwnership, AnalysisRunsOnTheOwnerAndReachesViewersOnOtherNodes) {
  ASSERT_TRUE(one_recording(8s));  // the lease is taken
  const int own = owner();
  ASSERT_GE(own, 0);
  const auto other = (own + 1) % 3;
  const auto cam = "/api/cameras/" + std::to_string(camera);
  sse_reader sse(nodes[other]->port, cam + "/events", admin);
  const auto from = now();
  int analysis = 0;
  const auto until = steady::now() + 4s;
  while (steady::now() < until)
    if (auto e = sse.next(1s); e && e->value("type", "") == "analysis") ++analysis;
  EXPECT_NE(sse.status_line().find("200"), std::string::npos) << sse.status_line();
  std::printf("%s (not the owner): %d analysis events in 4 s over SSE\n",
              nodes[other]->name.c_str(), analysis);
  EXPECT_GE(analysis, 4) << "the owner's events reach a viewer on another node (2 a second)";
  // The others say why they do not analyse it.
  auto r = http_request(nodes[other]->port, camgate::http::verb::get, cam + "/analysis", "",
                        bearer(admin));
  ASSERT_EQ(r.status, 200u) << r.body;
  EXPECT_NE(r.body.find("another node analyses it"), std::string::npos) << r.body;
  // Stored once: at 2 passes a second one node's events are >= 250 ms apart; three nodes
  // analysing it would store three times as many, interleaved.
  std::this_thread::sleep_for(1500ms);  // results are written once a second
  r = http_request(nodes[other]->port, camgate::http::verb::get,
                   cam + "/analysis/results?type=analysis&from=" + std::to_string(from) +
                       "&to=" + std::to_string(from + 4),
                   "", bearer(admin));
  ASSERT_EQ(r.status, 200u) << r.body;
  const auto events = json::parse(r.body).at("events");
  EXPECT_GE(events.size(), 4u) << events.dump();
  EXPECT_LE(events.size(), 11u) << "stored by more than one node: " << events.size();
  for (std::size_t i = 1; i < events.size(); ++i)
    EXPECT_GE(
        events[i].at("at_us").get<std::int64_t>() - events[i - 1].at("at_us").get<std::int64_t>(),
        200000)
        << "two events " << i << " within 200 ms: analysed twice";
}

}  // namespace
