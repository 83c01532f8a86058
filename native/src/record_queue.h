// Records taken from the ring buffer that wait for JavaScript: the drain
// thread appends them, the libuv loop takes them in batches. Bounded by a
// budget of bytes, so that a reader that does not read costs the helper at
// most that much (docs/helper.md, "Back-pressure and loss").
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

// Thread-safe for one appending thread and one taking thread. Records are
// kept in the format of a batch: each as its length (uint32_t, native byte
// order) followed by its bytes; the budget counts those bytes.
class RecordQueue {
 public:
  // A batch taken is at most batch_bytes, and so is the largest record.
  RecordQueue(size_t budget_bytes, size_t batch_bytes);
  ~RecordQueue();
  RecordQueue(const RecordQueue&) = delete;
  RecordQueue& operator=(const RecordQueue&) = delete;

  // Appends one record: false, and nothing appended, where it would take the
  // queue over its budget, plus `over_budget` bytes where the caller allows
  // them (or no memory could be had for it).
  bool Append(const void* record, size_t size, size_t over_budget = 0);
  // Whether a record of `size` bytes would fit in the budget now.
  bool HasRoomFor(size_t size) const;

  // Moves the oldest records, at most batch_bytes of them, into *batch (which
  // it empties first); false where none waits.
  bool TakeBatch(std::vector<uint8_t>* batch);

  size_t budget_bytes() const { return budget_bytes_; }
  size_t queued_bytes() const;
  // The most the queue has held since the last ResetPeak().
  size_t peak_queued_bytes() const;
  void ResetPeak();

 private:
  class Chunk;

  std::unique_ptr<Chunk> NewChunk();           // with mutex_ held
  void Recycle(std::unique_ptr<Chunk> chunk);  // with mutex_ held

  const size_t budget_bytes_;
  const size_t batch_bytes_;
  mutable std::mutex mutex_;
  // Oldest first; records are appended to the last, and each is taken whole,
  // so that a batch never splits one.
  std::deque<std::unique_ptr<Chunk>> chunks_;
  std::vector<std::unique_ptr<Chunk>> spares_;  // emptied, kept for the next ones
  size_t queued_bytes_ = 0;
  size_t peak_queued_bytes_ = 0;
};
