#include "ring_buffer_drain.h"

#include <linux/types.h>  // the __u32 and friends of bpf/deletions.h
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

#include "deletions.h"

namespace {

// How long records gather after the ring buffer became readable. The kernel
// wakes a reader that has caught up at the very next record it commits
// (bpf_ringbuf_commit() wakes when the consumer position is that record's),
// so a reader that keeps up with a deleter would otherwise be woken for
// every record or two, and the deleter would pay for each wakeup; a moment's
// wait turns a storm into passes of hundreds of records, and the kernel
// wakes no one while the reader is behind. The ring buffer must hold what
// comes in this time: at half a million deletions a second, about 70 KiB.
constexpr int kGatherMs = 1;

// How long the thread waits after a failed wait or read before it reads
// again, so that an error that persists is not met thousands of times a
// second. Reading needs no wait (ring_buffer__consume reads the buffer
// itself), so records still come through, at most this late.
constexpr int kRetryMs = 50;

// A process record dropped within a pass is forgotten a second time after
// the next gather, at most this many of them per pass (see DropRecord).
constexpr size_t kForgetAgainMax = 1024;

// The largest record the kernel sends: the room a batch and the queue must
// have left for TakeBatch to take one more while stopped.
constexpr size_t kLargestRecordBytes = std::max(sizeof(deletion_record), sizeof(process_record));

// A rename's destination record: half of a rename, which its source's
// record reports or loses, and so no deletion of its own to count.
bool IsRenameDestination(const uint8_t* record, size_t size) {
  return size > offsetof(deletion_record, rename) && record[0] == RECORD_DELETION &&
         (record[offsetof(deletion_record, rename)] & RENAME_DESTINATION);
}

// A deletion record that a reader would report: not one the queue kept for
// its directory's names only (DELETION_DROPPED), already counted lost, nor
// a rename's destination record.
bool IsDeliverableDeletion(const uint8_t* record, size_t size) {
  if (size < offsetof(deletion_record, flags) + sizeof(uint16_t) || record[0] != RECORD_DELETION) return false;
  uint16_t flags;
  memcpy(&flags, record + offsetof(deletion_record, flags), sizeof(flags));
  return !(flags & DELETION_DROPPED) && !IsRenameDestination(record, size);
}

[[noreturn]] void ThrowSetupError(int error_number, const char* step) {
  throw SystemError(error_number, std::string(step) + " failed: " + ErrnoText(error_number));
}

}  // namespace

RingBufferDrain::RingBufferDrain(DeletionPrograms& programs, size_t queue_bytes, size_t batch_bytes)
    : programs_(programs), queue_(queue_bytes, batch_bytes), batch_bytes_(batch_bytes) {
  forget_again_.reserve(kForgetAgainMax);  // so that DropRecord allocates nothing
  dropped_.resize(sizeof(deletion_record));
  stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd_ < 0) ThrowSetupError(errno, "creating an eventfd for the ring buffer's drain thread");
  wait_fd_ = epoll_create1(EPOLL_CLOEXEC);
  epoll_event ring_readable = {.events = EPOLLIN, .data = {.fd = programs_.poll_fd()}};
  epoll_event stop_asked = {.events = EPOLLIN, .data = {.fd = stop_fd_}};
  if (wait_fd_ < 0 || epoll_ctl(wait_fd_, EPOLL_CTL_ADD, programs_.poll_fd(), &ring_readable) != 0 ||
      epoll_ctl(wait_fd_, EPOLL_CTL_ADD, stop_fd_, &stop_asked) != 0) {
    int error_number = errno;
    if (wait_fd_ >= 0) close(wait_fd_);
    close(stop_fd_);
    ThrowSetupError(error_number, "setting up the ring buffer's drain thread to wait (epoll)");
  }
}

RingBufferDrain::~RingBufferDrain() {
  Stop();
  close(wait_fd_);
  close(stop_fd_);
}

void RingBufferDrain::Start(std::function<void()> records_waiting) {
  if (running()) return;
  records_waiting_ = std::move(records_waiting);
  stop_requested_ = false;
  queue_.ResetPeak();
  // The thread is born with every signal blocked (glibc keeps its own two
  // open, which privileges.cc relies on): the process's signals go to the
  // threads that handle them, and the thread's waits are not cut short.
  sigset_t all;
  sigset_t previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  try {
    thread_ = std::thread(&RingBufferDrain::Run, this);
  } catch (const std::system_error& error) {
    pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    records_waiting_ = nullptr;
    ThrowSetupError(error.code().value(), "starting the ring buffer's drain thread");
  }
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  pthread_setname_np(thread_.native_handle(), "ring-drain");
}

void RingBufferDrain::Stop() {
  if (!running()) return;
  stop_requested_ = true;
  uint64_t one = 1;
  // Cannot fail: the counter is never near its limit.
  while (write(stop_fd_, &one, sizeof(one)) < 0 && errno == EINTR) {
  }
  thread_.join();
  uint64_t count;
  while (read(stop_fd_, &count, sizeof(count)) < 0 && errno == EINTR) {
  }
  // From here a call could find the loop's handle closed.
  records_waiting_ = nullptr;
}

bool RingBufferDrain::TakeBatch(std::vector<uint8_t>* batch) {
  if (!running() && queue_.queued_bytes() == 0) {
    // Stopped: nothing more comes, so nothing needs dropping. Records are
    // taken while the batch and the queue have room for the largest there
    // is; the rest wait in the ring buffer for the next batch.
    programs_.Consume([this](const uint8_t* record, size_t size) {
      Take(record, size);
      return queue_.queued_bytes() + sizeof(uint32_t) + kLargestRecordBytes <= batch_bytes_ &&
             queue_.HasRoomFor(kLargestRecordBytes);
    });
  }
  return queue_.TakeBatch(batch);
}

uint64_t RingBufferDrain::Discard() {
  if (running()) return 0;
  uint64_t discarded = 0;
  std::vector<uint8_t> batch;
  while (queue_.TakeBatch(&batch)) {
    for (size_t at = 0; at + sizeof(uint32_t) <= batch.size();) {
      uint32_t size;
      memcpy(&size, batch.data() + at, sizeof(size));
      at += sizeof(size);
      if (size > batch.size() - at) break;
      if (IsDeliverableDeletion(batch.data() + at, size)) discarded++;
      at += size;
    }
  }
  programs_.Consume([&discarded](const uint8_t* record, size_t size) {
    if (IsDeliverableDeletion(record, size)) discarded++;
    return true;
  });
  abandoned_ += discarded;
  return discarded;
}

std::optional<SystemError> RingBufferDrain::TakeError() {
  std::lock_guard<std::mutex> lock(error_mutex_);
  return std::exchange(error_, std::nullopt);
}

QueueLoss RingBufferDrain::lost() const {
  QueueLoss lost;
  lost.deletions = lost_deletions_;
  lost.processes = lost_processes_;
  return lost;
}

void RingBufferDrain::Run() {
  while (WaitForRecords()) {
    if (WaitForStop(kGatherMs)) break;
    ForgetAgain();
    DrainRingBuffer();
  }
}

bool RingBufferDrain::WaitForRecords() {
  epoll_event events[2];
  int ready = epoll_wait(wait_fd_, events, 2, forget_again_.empty() ? -1 : kGatherMs);
  if (ready < 0 && errno != EINTR) {
    // Not handed on: the loop's only way to report it ends the helper, which
    // can go on draining without waiting.
    return !WaitForStop(kRetryMs);
  }
  return !stop_requested_;
}

bool RingBufferDrain::WaitForStop(int milliseconds) {
  pollfd stop_asked = {.fd = stop_fd_, .events = POLLIN, .revents = 0};
  poll(&stop_asked, 1, milliseconds);
  return stop_requested_;
}

void RingBufferDrain::DrainRingBuffer() {
  try {
    programs_.Consume([this](const uint8_t* record, size_t size) {
      // A storm can keep one pass going for long: the loop hears of each
      // batch's worth, not only of the pass's end.
      if (Take(record, size) && (bytes_since_told_ += sizeof(uint32_t) + size) >= batch_bytes_) {
        TellRecordsWaiting();
      }
      return !stop_requested_;
    });
  } catch (const SystemError& error) {
    HandOn(error);
    WaitForStop(kRetryMs);
  }
  if (bytes_since_told_ > 0) TellRecordsWaiting();
}

bool RingBufferDrain::Take(const uint8_t* record, size_t size) {
  if (queue_.Append(record, size)) return true;
  DropRecord(record, size);
  return false;
}

// The one place that decides what a record the queue has no room for costs.
// A deletion record is lost, and counted (lost().deletions, queueFull in
// JavaScript). A process record is lost too (counted with the kernel's lost
// process records), but the kernel is told to send it again with the
// process's next deletion, so that only the deletions in between miss the
// command line. The kernel marks a process as sent right after it sends the
// record (report_process() in bpf/deletions.bpf.c): a record read at once
// can be forgotten before it is marked, so the key is forgotten once more
// after the next gather (ForgetAgain), by which time it surely is.
//
// A deletion record that brings its directory's names (DELETION_DIRECTORY_NAMED)
// is lost as a deletion but kept for its names, marked DELETION_DROPPED, in
// room beyond the budget (an eighth of it): later records of its thread name
// that directory by id alone, and would otherwise be reported incomplete.
void RingBufferDrain::DropRecord(const uint8_t* record, size_t size) {
  bool process = size >= offsetof(process_record, process) + sizeof(process_key) && record[0] == RECORD_PROCESS;
  if (!process) {
    if (!IsRenameDestination(record, size)) lost_deletions_++;
    KeepDirectoryNames(record, size);
    return;
  }
  lost_processes_++;
  process_key key;
  memcpy(&key, record + offsetof(process_record, process), sizeof(key));
  try {
    programs_.ForgetProcess(key);
  } catch (const SystemError& error) {
    HandOn(error);
  }
  if (forget_again_.size() < kForgetAgainMax) forget_again_.push_back(key);
}

void RingBufferDrain::KeepDirectoryNames(const uint8_t* record, size_t size) {
  uint16_t flags;
  if (record[0] != RECORD_DELETION || size < offsetof(deletion_record, data) || size > sizeof(deletion_record)) return;
  memcpy(&flags, record + offsetof(deletion_record, flags), sizeof(flags));
  if (!(flags & DELETION_DIRECTORY_NAMED)) return;
  flags |= DELETION_DROPPED;
  memcpy(dropped_.data(), record, size);
  memcpy(dropped_.data() + offsetof(deletion_record, flags), &flags, sizeof(flags));
  queue_.Append(dropped_.data(), size, queue_.budget_bytes() / 8);
}

void RingBufferDrain::ForgetAgain() {
  for (const process_key& key : forget_again_) {
    try {
      programs_.ForgetProcess(key);
    } catch (const SystemError& error) {
      HandOn(error);
    }
  }
  forget_again_.clear();
}

void RingBufferDrain::HandOn(const SystemError& error) {
  {
    std::lock_guard<std::mutex> lock(error_mutex_);
    if (!error_) error_ = error;
  }
  TellRecordsWaiting();
}

void RingBufferDrain::TellRecordsWaiting() {
  bytes_since_told_ = 0;
  if (records_waiting_) records_waiting_();
}
