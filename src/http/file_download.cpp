#include "http/file_download.hpp"

#include <spdlog/spdlog.h>

#include <fstream>
#include <memory>

#include "http/byte_range.hpp"

namespace camgate::httpd {
namespace {

constexpr std::size_t kPiece = 256 * 1024;
constexpr std::chrono::seconds kWriteTimeout{30};  // a stalled client gives the file up

template <typename Stream>
asio::awaitable<void> send_file(Stream stream, std::string head, std::filesystem::path file,
                                std::shared_ptr<std::ifstream> opened, byte_range r) {
  auto& tcp = beast::get_lowest_layer(stream);
  auto& in = *opened;
  try {
    tcp.expires_after(kWriteTimeout);
    co_await asio::async_write(stream, asio::buffer(head), asio::use_awaitable);
    in.seekg(static_cast<std::streamoff>(r.first));
    std::vector<char> piece(kPiece);
    std::uint64_t left = r.length();
    while (left > 0 && in) {
      const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(left, kPiece));
      in.read(piece.data(), static_cast<std::streamsize>(n));
      const auto got = static_cast<std::size_t>(in.gcount());
      if (got == 0) break;
      tcp.expires_after(kWriteTimeout);
      co_await asio::async_write(stream, asio::buffer(piece.data(), got), asio::use_awaitable);
      left -= got;
    }
    if (left > 0) spdlog::warn("download of {}: the file shrank while it was sent", file.string());
  } catch (const std::exception& e) {
    spdlog::debug("download of {} ended early: {}", file.string(), e.what());
  }
  error_code ec;
  tcp.socket().shutdown(tcp::socket::shutdown_send, ec);
  tcp.close();
}

}  // namespace

response file_download(const std::filesystem::path& file, std::string_view content_type,
                       std::string_view range_header, std::string_view attachment_name) {
  // Opened now: the caller may remove the file (a clip made for this response) at once.
  auto in = std::make_shared<std::ifstream>(file, std::ios::binary);
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec || !*in) return json_error(http::status::not_found, "the file is not here");
  auto asked = parse_range(range_header, size, UINT64_MAX);
  if (std::holds_alternative<bool>(asked)) {
    return range_not_satisfiable(size);
  }
  const auto* got = std::get_if<byte_range>(&asked);
  const byte_range r = got ? *got : byte_range{0, size ? size - 1 : 0};
  const std::uint64_t length = size ? r.length() : 0;
  std::string head = got ? "HTTP/1.1 206 Partial Content\r\n" : "HTTP/1.1 200 OK\r\n";
  head += "Content-Type: " + std::string(content_type) + "\r\n";
  head += "Content-Length: " + std::to_string(length) + "\r\nAccept-Ranges: bytes\r\n";
  if (got)
    head += "Content-Range: bytes " + std::to_string(r.first) + "-" + std::to_string(r.last) + "/" +
            std::to_string(size) + "\r\n";
  if (!attachment_name.empty())
    head +=
        "Content-Disposition: attachment; filename=\"" + std::string(attachment_name) + "\"\r\n";
  head += "Cache-Control: no-store\r\nConnection: close\r\n\r\n";
  response res;
  res.takeover = [head = std::move(head), file, in,
                  r = size ? r : byte_range{1, 0}](connection&& c) {
    std::visit(
        [&](auto&& stream) {
          auto ex = stream.get_executor();
          asio::co_spawn(ex, send_file(std::move(stream), head, file, in, r), asio::detached);
        },
        std::move(c.stream));
  };
  return res;
}

}  // namespace camgate::httpd
