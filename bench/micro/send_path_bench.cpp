// The kernel's cost of sending one frame to N viewers over TCP loopback, by send path:
//   write     copy the frame into each socket (what npm mjpeg-proxy does)
//   sendfile  hand each socket the pages of a sealed memfd (camgate's zero copy today)
//   tee       vmsplice the frame once into a pipe, then per viewer tee() it into the
//             viewer's pipe and splice() that into the socket (no page-cache lookups)
// One thread sends at `fps`; another reads every socket (epoll) and counts the bytes.
// Prints the sending thread's CPU per frame and viewer (user + system, RUSAGE_THREAD).
// On loopback the viewers' TCP receive work runs in the sender's softirq, so it is part
// of that figure, for every path alike. bench/analysis.md has the figures.
//
//   camgate-bench-sendpath write|sendfile|tee VIEWERS FRAME_BYTES FRAMES [FPS]
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace {

double thread_cpu_s() {
  rusage u{};
  getrusage(RUSAGE_THREAD, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

[[noreturn]] void die(const char* what) {
  std::perror(what);
  std::exit(1);
}

// Empties a pipe (a viewer that fell behind starts the next frame clean).
void drain(int pipe_read, int devnull) {
  while (splice(pipe_read, nullptr, devnull, nullptr, 1 << 20, SPLICE_F_NONBLOCK) > 0) {
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: %s write|sendfile|tee VIEWERS FRAME_BYTES FRAMES [FPS]\n",
                 argv[0]);
    return 2;
  }
  const std::string mode = argv[1];
  const int n = std::atoi(argv[2]);
  const auto frame = static_cast<size_t>(std::atol(argv[3]));
  const int frames = std::atoi(argv[4]);
  const int fps = argc > 5 ? std::atoi(argv[5]) : 30;
  if ((mode != "write" && mode != "sendfile" && mode != "tee") || n < 1 || frame < 1 ||
      frame > (1 << 20) || frames < 1 || fps < 1) {
    std::fprintf(stderr, "bad arguments (FRAME_BYTES at most 1 MiB)\n");
    return 2;
  }

  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (bind(listener, reinterpret_cast<sockaddr*>(&addr), len) < 0 ||
      getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) < 0 ||
      listen(listener, 4096) < 0)
    die("listen");
  std::vector<int> viewer(n), gateway(n);
  for (int i = 0; i < n; ++i) {
    viewer[i] = socket(AF_INET, SOCK_STREAM, 0);
    if (connect(viewer[i], reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) die("connect");
    gateway[i] = accept(listener, nullptr, nullptr);
    if (gateway[i] < 0) die("accept (raise ulimit -n)");
    const int lowat = 128 * 1024;  // as camgate sets it
    setsockopt(gateway[i], IPPROTO_TCP, TCP_NOTSENT_LOWAT, &lowat, sizeof lowat);
    fcntl(gateway[i], F_SETFL, O_NONBLOCK);
    fcntl(viewer[i], F_SETFL, O_NONBLOCK);
  }

  std::atomic<bool> stop{false};
  std::atomic<long long> received{0};
  std::thread reader([&] {
    const int ep = epoll_create1(0);
    for (int fd : viewer) {
      epoll_event e{};
      e.events = EPOLLIN;
      e.data.fd = fd;
      epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
    }
    std::vector<char> buf(1 << 20);
    std::array<epoll_event, 256> ready{};
    while (!stop) {
      const int k = epoll_wait(ep, ready.data(), static_cast<int>(ready.size()), 100);
      for (int j = 0; j < k; ++j) {
        ssize_t r;
        while ((r = read(ready[j].data.fd, buf.data(), buf.size())) > 0) received += r;
      }
    }
    close(ep);
  });

  // The frame: bytes that never change once made, as camgate's frames.
  auto* bytes = static_cast<char*>(
      mmap(nullptr, frame, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  for (size_t i = 0; i < frame; ++i) bytes[i] = static_cast<char>(i * 131);
  const int memfd = memfd_create("frame", MFD_ALLOW_SEALING);
  if (write(memfd, bytes, frame) != static_cast<ssize_t>(frame)) die("memfd");
  fcntl(memfd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
  const int devnull = open("/dev/null", O_WRONLY);
  std::array<int, 2> frame_pipe{-1, -1};
  std::vector<std::array<int, 2>> viewer_pipe(mode == "tee" ? n : 0);
  if (mode == "tee") {
    // A pipe holds up to its slot count of pages: room for the frame, in both.
    const int room = static_cast<int>((frame / 4096 + 2) * 4096);
    if (pipe2(frame_pipe.data(), O_NONBLOCK) < 0 || fcntl(frame_pipe[1], F_SETPIPE_SZ, room) < 0)
      die("frame pipe");
    for (auto& p : viewer_pipe)
      if (pipe2(p.data(), O_NONBLOCK) < 0 || fcntl(p[1], F_SETPIPE_SZ, room) < 0)
        die("viewer pipe (fs.pipe-user-pages-soft?)");
  }

  long short_sends = 0;
  const double cpu0 = thread_cpu_s();
  const auto t0 = std::chrono::steady_clock::now();
  for (int f = 0; f < frames; ++f) {
    if (mode == "tee") {
      drain(frame_pipe[0], devnull);
      iovec iov{bytes, frame};
      while (iov.iov_len > 0) {
        const ssize_t r = vmsplice(frame_pipe[1], &iov, 1, 0);
        if (r <= 0) die("vmsplice");
        iov.iov_base = static_cast<char*>(iov.iov_base) + r;
        iov.iov_len -= static_cast<size_t>(r);
      }
    }
    for (int i = 0; i < n; ++i) {
      ssize_t sent = 0;
      if (mode == "write") {
        sent = write(gateway[i], bytes, frame);
      } else if (mode == "sendfile") {
        off_t off = 0;
        sent = sendfile(gateway[i], memfd, &off, frame);
      } else if (tee(frame_pipe[0], viewer_pipe[i][1], frame, SPLICE_F_NONBLOCK) ==
                 static_cast<ssize_t>(frame)) {
        sent = splice(viewer_pipe[i][0], nullptr, gateway[i], nullptr, frame,
                      SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
        if (sent != static_cast<ssize_t>(frame)) drain(viewer_pipe[i][0], devnull);
      }
      if (sent != static_cast<ssize_t>(frame)) ++short_sends;
    }
    std::this_thread::sleep_until(t0 + std::chrono::microseconds(1'000'000LL * (f + 1) / fps));
  }
  const double cpu = thread_cpu_s() - cpu0;
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  stop = true;
  reader.join();
  std::printf(
      "%-8s viewers=%d frame=%zu: %.2f us of sender CPU per frame and viewer, %.1f %% of a core "
      "at %.1f frames/s; %ld short sends, %.0f of %.0f MB received\n",
      mode.c_str(), n, frame, 1e6 * cpu / (static_cast<double>(frames) * n), 100 * cpu / wall,
      frames / wall, short_sends, static_cast<double>(received) / 1e6,
      static_cast<double>(frames) * n * static_cast<double>(frame) / 1e6);
  return 0;
}
