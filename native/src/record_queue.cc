#include "record_queue.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <utility>

namespace {

constexpr size_t kLengthBytes = sizeof(uint32_t);

// Emptied chunks kept for the next records, so that a steady flow maps and
// unmaps nothing; those beyond are given back to the system at once.
constexpr size_t kSpareChunks = 2;

}  // namespace

// batch_bytes of memory that records are appended to. Mapped and unmapped
// rather than taken from malloc: glibc serves blocks of this size from its
// heap once the first one is freed (its mmap threshold rises to them), and
// a heap keeps what a storm made it grow to; an unmapped chunk is given
// back to the system. The kernel backs only the pages written to.
class RecordQueue::Chunk {
 public:
  static std::unique_ptr<Chunk> Map(size_t capacity) {
    void* memory = mmap(nullptr, capacity, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) return nullptr;
    return std::unique_ptr<Chunk>(new Chunk(static_cast<uint8_t*>(memory), capacity));
  }
  ~Chunk() { munmap(bytes_, capacity_); }
  Chunk(const Chunk&) = delete;
  Chunk& operator=(const Chunk&) = delete;

  bool HasRoomFor(size_t bytes) const { return capacity_ - used_ >= bytes; }
  void Append(const void* record, size_t size) {
    uint32_t length = static_cast<uint32_t>(size);
    memcpy(bytes_ + used_, &length, kLengthBytes);
    memcpy(bytes_ + used_ + kLengthBytes, record, size);
    used_ += kLengthBytes + size;
  }
  const uint8_t* bytes() const { return bytes_; }
  size_t used() const { return used_; }
  void Empty() { used_ = 0; }

 private:
  Chunk(uint8_t* bytes, size_t capacity) : bytes_(bytes), capacity_(capacity) {}

  uint8_t* bytes_;
  size_t capacity_;
  size_t used_ = 0;
};

RecordQueue::RecordQueue(size_t budget_bytes, size_t batch_bytes)
    : budget_bytes_(budget_bytes), batch_bytes_(batch_bytes) {}

RecordQueue::~RecordQueue() = default;

bool RecordQueue::Append(const void* record, size_t size, size_t over_budget) {
  size_t bytes = kLengthBytes + size;
  std::lock_guard<std::mutex> lock(mutex_);
  if (queued_bytes_ + bytes > budget_bytes_ + over_budget || bytes > batch_bytes_) return false;
  if (chunks_.empty() || !chunks_.back()->HasRoomFor(bytes)) {
    std::unique_ptr<Chunk> chunk = NewChunk();
    if (!chunk) return false;
    // Appending runs inside libbpf's callback, which no exception may cross.
    try {
      chunks_.push_back(std::move(chunk));
    } catch (const std::bad_alloc&) {
      return false;
    }
  }
  chunks_.back()->Append(record, size);
  queued_bytes_ += bytes;
  peak_queued_bytes_ = std::max(peak_queued_bytes_, queued_bytes_);
  return true;
}

bool RecordQueue::HasRoomFor(size_t size) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return queued_bytes_ + kLengthBytes + size <= budget_bytes_;
}

bool RecordQueue::TakeBatch(std::vector<uint8_t>* batch) {
  batch->clear();
  // Never grows past batch_bytes: chunks hold that much at most, and a
  // second one is taken only where it fits.
  batch->reserve(batch_bytes_);
  std::lock_guard<std::mutex> lock(mutex_);
  while (!chunks_.empty()) {
    Chunk& oldest = *chunks_.front();
    if (!batch->empty() && batch->size() + oldest.used() > batch_bytes_) break;
    batch->insert(batch->end(), oldest.bytes(), oldest.bytes() + oldest.used());
    queued_bytes_ -= oldest.used();
    if (chunks_.size() == 1) {
      // The chunk records are appended to: emptied where it is, so that a
      // trickle of records reuses one chunk rather than mapping one each.
      oldest.Empty();
      break;
    }
    Recycle(std::move(chunks_.front()));
    chunks_.pop_front();
  }
  return !batch->empty();
}

size_t RecordQueue::queued_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return queued_bytes_;
}

size_t RecordQueue::peak_queued_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return peak_queued_bytes_;
}

void RecordQueue::ResetPeak() {
  std::lock_guard<std::mutex> lock(mutex_);
  peak_queued_bytes_ = queued_bytes_;
}

std::unique_ptr<RecordQueue::Chunk> RecordQueue::NewChunk() {
  if (spares_.empty()) return Chunk::Map(batch_bytes_);
  std::unique_ptr<Chunk> chunk = std::move(spares_.back());
  spares_.pop_back();
  return chunk;
}

void RecordQueue::Recycle(std::unique_ptr<Chunk> chunk) {
  if (spares_.size() >= kSpareChunks) return;  // unmapped here
  chunk->Empty();
  spares_.push_back(std::move(chunk));
}
