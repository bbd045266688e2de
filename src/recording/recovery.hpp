#pragma once
#include "store/recording_repository.hpp"

namespace camgate::recording {

struct recovered {
  int complete = 0;  // the file plays: its row now holds what the file holds
  int damaged = 0;   // missing, empty or unreadable
};

// At start-up, before any recording begins: every row still "recording" was being
// written when the gateway stopped (a crash, kill -9). Its fragmented MP4 plays up to its
// last fragment, so the row is ended from the file itself; a file that holds no picture
// is marked damaged (and kept, for whoever wants to look).
recovered recover_recordings(store::recording_repository& repo);

}  // namespace camgate::recording
