// The thread that empties the ring buffer into a RecordQueue while the
// programs are attached, as fast as the kernel fills it, however long
// JavaScript takes over a batch or stays paused (docs/helper.md, "The addon
// (native/)"). It knows nothing of N-API or libuv: it tells whoever takes
// from the queue through a callback.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "deletion_programs.h"
#include "record_queue.h"
#include "system_error.h"

// What the queue dropped for want of room.
struct QueueLoss {
  uint64_t deletions = 0;  // deletion records
  uint64_t processes = 0;  // process records (the kernel sends those again)
};

// Who consumes the ring buffer: the drain thread from Start() to Stop(), and
// only it; the caller's thread (TakeBatch) before and after. Start, Stop,
// TakeBatch and TakeError belong to one thread, the libuv loop's.
class RingBufferDrain {
 public:
  // `programs` must outlive this drain. batch_bytes bounds a batch that
  // TakeBatch hands out.
  RingBufferDrain(DeletionPrograms& programs, size_t queue_bytes, size_t batch_bytes);
  ~RingBufferDrain();
  RingBufferDrain(const RingBufferDrain&) = delete;
  RingBufferDrain& operator=(const RingBufferDrain&) = delete;

  // Starts the thread. It calls `records_waiting` (from its own thread) when
  // records wait in the queue, or an error in TakeError(); the call must be
  // cheap and safe from any thread (uv_async_send).
  void Start(std::function<void()> records_waiting);
  // Stops and joins the thread: from here the ring buffer is the caller's.
  // What the thread took is in the queue; what it left, in the ring buffer.
  void Stop();
  bool running() const { return thread_.joinable(); }

  // Moves the oldest waiting records, at most batch_bytes, into *batch; false
  // where none waits. While stopped, it first takes from the ring buffer
  // what the queue has room for (throws SystemError where it cannot read it).
  bool TakeBatch(std::vector<uint8_t>* batch);
  // The first error the thread met since the last call, if any.
  std::optional<SystemError> TakeError();
  // While stopped: empties the queue and the ring buffer without handing
  // anything on, for a helper that ends before it could deliver them, and
  // counts the deletion records among them (abandoned()); returns how many.
  // Throws SystemError where the ring buffer cannot be read.
  uint64_t Discard();
  uint64_t abandoned() const { return abandoned_; }

  QueueLoss lost() const;
  size_t queued_bytes() const { return queue_.queued_bytes(); }
  // The most the queue has held since Start().
  size_t peak_queued_bytes() const { return queue_.peak_queued_bytes(); }

 private:
  void Run();
  // Blocks until records wait in the ring buffer, a stop is asked for, or
  // (while keys wait in forget_again_) a gather time has passed. False once
  // a stop is asked for.
  bool WaitForRecords();
  // Waits up to `milliseconds` for a stop: true where one is asked for.
  bool WaitForStop(int milliseconds);
  // The drain thread's pass over the ring buffer.
  void DrainRingBuffer();
  // A record for the queue, on whichever thread consumes: false where it
  // was dropped.
  bool Take(const uint8_t* record, size_t size);
  // The queue has no room for this record: what is lost with it.
  void DropRecord(const uint8_t* record, size_t size);
  // A dropped deletion record's directory names, kept where later records may need them.
  void KeepDirectoryNames(const uint8_t* record, size_t size);
  void ForgetAgain();
  void HandOn(const SystemError& error);
  void TellRecordsWaiting();

  DeletionPrograms& programs_;
  RecordQueue queue_;
  const size_t batch_bytes_;
  int stop_fd_ = -1;  // eventfd: readable once a stop is asked for
  int wait_fd_ = -1;  // epoll: the ring buffer's epoll fd and stop_fd_
  std::thread thread_;
  std::atomic<bool> stop_requested_{false};
  std::function<void()> records_waiting_;

  // Whichever thread consumes: the drain thread while it runs.
  std::vector<process_key> forget_again_;
  std::vector<uint8_t> dropped_;  // where KeepDirectoryNames marks a record
  size_t bytes_since_told_ = 0;

  std::atomic<uint64_t> lost_deletions_{0};
  std::atomic<uint64_t> lost_processes_{0};
  uint64_t abandoned_ = 0;  // the loop's thread's, as Discard
  std::mutex error_mutex_;
  std::optional<SystemError> error_;  // under error_mutex_
};
