// Runs a libFuzzer target without libFuzzer (g++ builds): every file of the corpus
// directories given, then --iterations inputs mutated from them with a fixed seed,
// so a CTest run replays known-bad inputs and explores a little, deterministically.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  long iterations = 0;
  std::vector<std::vector<std::uint8_t>> corpus;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--iterations" && i + 1 < argc) {
      iterations = std::atol(argv[++i]);
      continue;
    }
    std::filesystem::path p(arg);
    std::vector<std::filesystem::path> files;
    if (std::filesystem::is_directory(p)) {
      for (auto& e : std::filesystem::directory_iterator(p))
        if (e.is_regular_file()) files.push_back(e.path());
    } else if (std::filesystem::exists(p)) {
      files.push_back(p);
    }
    for (auto& f : files) {
      std::ifstream in(f, std::ios::binary);
      corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
  }
  if (corpus.empty()) corpus.push_back({});
  for (auto& c : corpus) LLVMFuzzerTestOneInput(c.data(), c.size());

  std::mt19937_64 rng(12345);
  for (long n = 0; n < iterations; ++n) {
    auto input = corpus[rng() % corpus.size()];
    const int edits = 1 + static_cast<int>(rng() % 8);
    for (int e = 0; e < edits; ++e) {
      switch (rng() % 4) {
        case 0:  // flip a byte
          if (!input.empty()) input[rng() % input.size()] = static_cast<std::uint8_t>(rng());
          break;
        case 1:  // insert a byte
          input.insert(input.begin() + static_cast<long>(input.empty() ? 0 : rng() % input.size()),
                       static_cast<std::uint8_t>(rng()));
          break;
        case 2:  // cut a range
          if (!input.empty()) {
            auto at = rng() % input.size();
            auto len = std::min<std::size_t>(input.size() - at, rng() % 64);
            input.erase(input.begin() + static_cast<long>(at),
                        input.begin() + static_cast<long>(at + len));
          }
          break;
        case 3:  // duplicate a range
          if (!input.empty()) {
            auto at = rng() % input.size();
            auto len = std::min<std::size_t>(input.size() - at, rng() % 64);
            std::vector<std::uint8_t> piece(input.begin() + static_cast<long>(at),
                                            input.begin() + static_cast<long>(at + len));
            input.insert(input.begin() + static_cast<long>(rng() % (input.size() + 1)),
                         piece.begin(), piece.end());
          }
          break;
      }
    }
    LLVMFuzzerTestOneInput(input.data(), input.size());
  }
  std::printf("ran %zu corpus inputs and %ld mutations\n", corpus.size(), iterations);
  return 0;
}
