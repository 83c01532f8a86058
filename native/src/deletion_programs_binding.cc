// The JavaScript face of DeletionPrograms: converts arguments and errors, and
// delivers records on the libuv loop in batches.
//
//   const programs = new DeletionPrograms(onRecords, {attachMode?, programSet?, keepTracepointEvents?, btfPath?, ringBufferBytes?, queueBytes?});
//   programs.attach(); ... programs.pause(); programs.resume(); ...
//   programs.detach(); while (!programs.deliverWaiting()) { ...resume later... } programs.close();
//   (or, to end now: programs.detach(); programs.discardWaiting(); programs.close();)
//
// onRecords(batch: Buffer) receives records in the order the kernel sent
// them, each as a uint32 length and its bytes; the addon's `layout`
// (record_layout.cc) tells JavaScript where the fields of bpf/deletions.h lie.
// While attached, a thread of the addon's own (ring_buffer_drain.h) empties
// the ring buffer into a queue of queueBytes, whatever JavaScript is doing,
// and the loop hands the queue's records to onRecords. pause() stops that
// delivery (also between the batches of one delivery) until resume(): the
// queue holds what comes meanwhile, and counts what it has no room for as
// lost (lost().queueFull).
#include <napi.h>
#include <uv.h>

#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "bindings.h"
#include "deletion_programs.h"
#include "deletions.h"
#include "ring_buffer_drain.h"

namespace {

// Large enough that a storm is delivered in few calls, small enough that the
// loop gets back to other work (JSON-RPC requests, timers) between them, and
// that a pause() asked for by one batch comes before much more is delivered.
// The queue keeps records in chunks of this size.
constexpr size_t kBatchBytes = 256 << 10;

// While the queue holds more than a turn's worth, one turn of the loop
// delivers at most this many batches before it lets the loop see to its
// other work (signals, output, requests) and comes back.
constexpr size_t kMaxBatchesPerTurn = 4;

// Memory for records that wait for JavaScript: about 450,000 deletions of
// short paths, a storm's worth, while the output is behind. The least still
// holds several of the largest records (8.5 KiB).
constexpr size_t kDefaultQueueBytes = 64 << 20;
constexpr double kMinQueueBytes = 64 << 10;
constexpr double kMaxQueueBytes = 4.0 * (1 << 30);

// How long detach() waits, once the entries are detached, for the calls
// under way to reach their exit programs: a deletion takes microseconds, one
// on a slow or hung file system may take longer than anyone would wait for a
// Ctrl-C; those still under way then are counted (lost().unfinished).
constexpr auto kUnfinishedPatience = std::chrono::milliseconds(200);
constexpr auto kUnfinishedPoll = std::chrono::milliseconds(1);
// The count of calls under way falls as an exit program begins, before it
// has built and committed its record: this long lets the last ones commit
// before the exits are detached and the ring buffer read for the last time.
constexpr auto kExitProgramsSettle = std::chrono::milliseconds(5);

// An option that names one of `choices`: sets `value` to what it means, and
// leaves it as it is where the option is absent.
template <typename Meaning>
void ReadChoice(Napi::Env env, const Napi::Object& given, const char* name,
                std::initializer_list<std::pair<const char*, Meaning>> choices, Meaning& value) {
  Napi::Value option = given.Get(name);
  if (option.IsUndefined()) return;
  std::string text = option.IsString() ? option.As<Napi::String>().Utf8Value() : "";
  std::string names;
  for (const auto& [choice, meaning] : choices) {
    if (option.IsString() && text == choice) {
      value = meaning;
      return;
    }
    names += std::string(names.empty() ? "" : " or ") + "\"" + choice + "\"";
  }
  throw Napi::TypeError::New(env, std::string("DeletionPrograms: ") + name + " must be " + names);
}

class DeletionProgramsBinding : public Napi::ObjectWrap<DeletionProgramsBinding> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "DeletionPrograms",
                       {
                           InstanceMethod<&DeletionProgramsBinding::Attach>("attach"),
                           InstanceMethod<&DeletionProgramsBinding::Detach>("detach"),
                           InstanceMethod<&DeletionProgramsBinding::Pause>("pause"),
                           InstanceMethod<&DeletionProgramsBinding::Resume>("resume"),
                           InstanceMethod<&DeletionProgramsBinding::DeliverWaiting>("deliverWaiting"),
                           InstanceMethod<&DeletionProgramsBinding::DiscardWaiting>("discardWaiting"),
                           InstanceMethod<&DeletionProgramsBinding::SetReportFailed>("setReportFailed"),
                           InstanceMethod<&DeletionProgramsBinding::Lost>("lost"),
                           InstanceMethod<&DeletionProgramsBinding::ForgetProcess>("forgetProcess"),
                           InstanceMethod<&DeletionProgramsBinding::ForgetDirectories>("forgetDirectories"),
                           InstanceMethod<&DeletionProgramsBinding::ClearScope>("clearScope"),
                           InstanceMethod<&DeletionProgramsBinding::LearnScope>("learnScope"),
                           InstanceMethod<&DeletionProgramsBinding::Close>("close"),
                           InstanceAccessor<&DeletionProgramsBinding::TracesIoUring>("tracesIoUring"),
                           InstanceAccessor<&DeletionProgramsBinding::IoUringProblem>("ioUringProblem"),
                           InstanceAccessor<&DeletionProgramsBinding::QueuedBytes>("queuedBytes"),
                           InstanceAccessor<&DeletionProgramsBinding::PeakQueuedBytes>("peakQueuedBytes"),
                       });
  }

  explicit DeletionProgramsBinding(const Napi::CallbackInfo& info) : Napi::ObjectWrap<DeletionProgramsBinding>(info) {
    Napi::Env env = info.Env();
    if (!info[0].IsFunction()) throw Napi::TypeError::New(env, "DeletionPrograms: onRecords must be a function");
    ProgramOptions options;
    size_t queue_bytes = kDefaultQueueBytes;
    if (info[1].IsObject()) {
      Napi::Object given = info[1].As<Napi::Object>();
      Napi::Value btf_path = given.Get("btfPath");
      if (btf_path.IsString()) {
        options.btf_path = btf_path.As<Napi::String>().Utf8Value();
      } else if (!btf_path.IsUndefined()) {
        throw Napi::TypeError::New(env, "DeletionPrograms: btfPath must be a string");
      }
      ReadChoice(env, given, "attachMode", {{"raw", AttachMode::kRaw}, {"tracepoint", AttachMode::kTracepoint}},
                 options.attach_mode);
      ReadChoice(env, given, "programSet", {{"newer", ProgramSet::kNewer}, {"older", ProgramSet::kOlder}},
                 options.program_set);
      Napi::Value keep_events = given.Get("keepTracepointEvents");
      if (keep_events.IsBoolean()) {
        options.keep_tracepoint_events = keep_events.As<Napi::Boolean>().Value();
      } else if (!keep_events.IsUndefined()) {
        throw Napi::TypeError::New(env, "DeletionPrograms: keepTracepointEvents must be a boolean");
      }
      Napi::Value ring_bytes = given.Get("ringBufferBytes");
      if (ring_bytes.IsNumber()) {
        double bytes = ring_bytes.As<Napi::Number>().DoubleValue();
        if (bytes < 1 || bytes > (1u << 31) || bytes != static_cast<uint32_t>(bytes)) {
          throw Napi::RangeError::New(env, "DeletionPrograms: ringBufferBytes must be a whole number up to 2 GiB");
        }
        options.ring_buffer_bytes = static_cast<uint32_t>(bytes);
      } else if (!ring_bytes.IsUndefined()) {
        throw Napi::TypeError::New(env, "DeletionPrograms: ringBufferBytes must be a number");
      }
      Napi::Value given_queue_bytes = given.Get("queueBytes");
      if (given_queue_bytes.IsNumber()) {
        double bytes = given_queue_bytes.As<Napi::Number>().DoubleValue();
        if (!(bytes >= kMinQueueBytes && bytes <= kMaxQueueBytes) || bytes != std::floor(bytes)) {
          throw Napi::RangeError::New(env, "DeletionPrograms: queueBytes must be a whole number from 64 KiB to 4 GiB");
        }
        queue_bytes = static_cast<size_t>(bytes);
      } else if (!given_queue_bytes.IsUndefined()) {
        throw Napi::TypeError::New(env, "DeletionPrograms: queueBytes must be a number");
      }
    }
    on_records_ = Napi::Persistent(info[0].As<Napi::Function>());
    async_context_ = std::make_unique<Napi::AsyncContext>(env, "SyscallTraceRecords");
    try {
      programs_ = std::make_unique<DeletionPrograms>(options);
      drain_ = std::make_unique<RingBufferDrain>(*programs_, queue_bytes, kBatchBytes);
    } catch (const SystemError& error) {
      programs_.reset();  // now, not whenever the collector gets to this object
      throw ToJsError(env, error);
    }
    napi_add_env_cleanup_hook(env, OnEnvCleanup, this);
  }

  ~DeletionProgramsBinding() override { Shutdown(); }

 private:
  static void OnEnvCleanup(void* data) {
    auto* self = static_cast<DeletionProgramsBinding*>(data);
    self->env_cleanup_registered_ = false;  // node is running it now
    self->Shutdown();
  }

  DeletionPrograms& Open(Napi::Env env) {
    if (!programs_) throw Napi::Error::New(env, "DeletionPrograms: already closed");
    return *programs_;
  }

  void Attach(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    DeletionPrograms& programs = Open(env);
    if (programs.attached()) return;
    try {
      programs.Attach();
    } catch (const SystemError& error) {
      throw ToJsError(env, error);
    }
    uv_loop_t* loop = nullptr;
    napi_get_uv_event_loop(env, &loop);
    records_waiting_ = new uv_async_t;
    uv_async_init(loop, records_waiting_, OnRecordsWaiting);
    records_waiting_->data = this;
    try {
      drain_->Start([handle = records_waiting_] { uv_async_send(handle); });
    } catch (const SystemError& error) {
      programs.Detach();
      CloseRecordsWaiting();
      throw ToJsError(env, error);
    }
    // What an earlier attach left in the queue goes first.
    if (!paused_) uv_async_send(records_waiting_);
    Ref();  // keep this object alive while the loop may call into it
  }

  // Detaches and stops the drain thread; what is still in the queue and the
  // ring buffer is then taken with deliverWaiting(), at the pace JavaScript
  // chooses. The entries go first; the exits stay attached until the calls
  // under way have ended and sent their records (at most
  // kUnfinishedPatience), and those that have not are counted lost. The
  // drain thread goes on reading meanwhile.
  void Detach(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    DeletionPrograms& programs = Open(env);
    if (!programs.attached()) return;
    programs.DetachEntries();
    auto deadline = std::chrono::steady_clock::now() + kUnfinishedPatience;
    while (programs.calls_in_flight() > 0 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(kUnfinishedPoll);
    }
    std::this_thread::sleep_for(kExitProgramsSettle);
    programs.Detach();
    unfinished_ += programs.calls_in_flight();
    StopDelivery();
    Unref();
  }

  // discardWaiting(): number — once detached, empties the queue and the ring
  // buffer without delivering them, for a helper that must end now; the
  // deletions among them are counted lost (lost().abandoned) and their
  // number returned.
  Napi::Value DiscardWaiting(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (Open(env).attached()) throw Napi::Error::New(env, "discardWaiting: detach first");
    try {
      return Napi::Number::New(env, static_cast<double>(drain_->Discard()));
    } catch (const SystemError& error) {
      throw ToJsError(env, error);
    }
  }

  // Delivers no more records until resume(); a delivery under way stops
  // after the batch in hand. The drain thread goes on filling the queue.
  void Pause(const Napi::CallbackInfo&) { paused_ = true; }

  // Records that came while paused are delivered now: the drain thread
  // tells the loop only of records it adds.
  void Resume(const Napi::CallbackInfo&) {
    if (!paused_) return;
    paused_ = false;
    if (records_waiting_ != nullptr) uv_async_send(records_waiting_);
  }

  // deliverWaiting(): boolean — delivers what waits now, in the queue and,
  // once detached, in the ring buffer; true once none waits, false where
  // pause() came first.
  Napi::Value DeliverWaiting(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Open(env);
    return Napi::Boolean::New(env, DeliverWaitingRecords(Caller::kJavaScript) == Delivery::kAllDelivered);
  }

  Napi::Value TracesIoUring(const Napi::CallbackInfo& info) {
    return Napi::Boolean::New(info.Env(), Open(info.Env()).traces_io_uring());
  }

  Napi::Value IoUringProblem(const Napi::CallbackInfo& info) {
    return Napi::String::New(info.Env(), Open(info.Env()).io_uring_problem());
  }

  Napi::Value QueuedBytes(const Napi::CallbackInfo& info) {
    Open(info.Env());
    return Napi::Number::New(info.Env(), static_cast<double>(drain_->queued_bytes()));
  }

  Napi::Value PeakQueuedBytes(const Napi::CallbackInfo& info) {
    Open(info.Env());
    return Napi::Number::New(info.Env(), static_cast<double>(drain_->peak_queued_bytes()));
  }

  void SetReportFailed(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsBoolean()) throw Napi::TypeError::New(env, "setReportFailed: expects a boolean");
    Open(env).SetReportFailed(info[0].As<Napi::Boolean>().Value());
  }

  Napi::Value Lost(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    LostCounts lost;
    try {
      lost = Open(env).Lost();
    } catch (const SystemError& error) {
      throw ToJsError(env, error);
    }
    // A process record dropped from the queue is lost as one the kernel had
    // no room for is: the kernel sends it again either way.
    QueueLoss dropped = drain_->lost();
    Napi::Object result = Napi::Object::New(env);
    result.Set("deletions", Napi::Number::New(env, static_cast<double>(lost.deletions)));
    result.Set("processes", Napi::Number::New(env, static_cast<double>(lost.processes + dropped.processes)));
    result.Set("inFlight", Napi::Number::New(env, static_cast<double>(lost.in_flight)));
    result.Set("queueFull", Napi::Number::New(env, static_cast<double>(dropped.deletions)));
    result.Set("filtered", Napi::Number::New(env, static_cast<double>(lost.filtered)));
    result.Set("unfinished", Napi::Number::New(env, static_cast<double>(unfinished_)));
    result.Set("abandoned", Napi::Number::New(env, static_cast<double>(drain_->abandoned())));
    return result;
  }

  // forgetProcess(tgid, execId, startTime: bigint)
  void ForgetProcess(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsBigInt()) {
      throw Napi::TypeError::New(env, "forgetProcess: expects (tgid: number, execId: number, startTime: bigint)");
    }
    process_key key = {};
    bool lossless = false;
    key.tgid = info[0].As<Napi::Number>().Uint32Value();
    key.exec_id = info[1].As<Napi::Number>().Uint32Value();
    key.start_time = info[2].As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) throw Napi::RangeError::New(env, "forgetProcess: startTime must fit in 64 bits");
    try {
      Open(env).ForgetProcess(key);
    } catch (const SystemError& error) {
      throw ToJsError(env, error);
    }
  }

  void ForgetDirectories(const Napi::CallbackInfo& info) { Open(info.Env()).ForgetDirectories(); }

  void ClearScope(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
      Open(env).ClearScope();
    } catch (const SystemError& error) {
      throw ToJsError(env, error);
    }
  }

  // learnScope(fds: number[]): number
  Napi::Value LearnScope(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsArray()) throw Napi::TypeError::New(env, "learnScope: expects an array of file descriptors");
    Napi::Array given = info[0].As<Napi::Array>();
    std::vector<int> fds;
    for (uint32_t i = 0; i < given.Length(); i++) {
      Napi::Value fd = given.Get(i);
      if (!fd.IsNumber() || fd.As<Napi::Number>().DoubleValue() != fd.As<Napi::Number>().Int32Value() ||
          fd.As<Napi::Number>().Int32Value() < 0) {
        throw Napi::TypeError::New(env, "learnScope: each file descriptor must be a whole number, 0 or more");
      }
      fds.push_back(fd.As<Napi::Number>().Int32Value());
    }
    size_t learned = 0;
    try {
      learned = Open(env).LearnScope(fds);
    } catch (const SystemError& error) {
      throw ToJsError(env, error);
    }
    return Napi::Number::New(env, static_cast<double>(learned));
  }

  void Close(const Napi::CallbackInfo&) {
    if (programs_ && programs_->attached()) Unref();
    Shutdown();
  }

  // The thread is stopped and joined before the programs, whose ring buffer
  // it reads, are destroyed.
  void Shutdown() {
    StopDelivery();
    drain_.reset();
    programs_.reset();  // destroys the links: nothing stays attached
    if (env_cleanup_registered_) {
      napi_remove_env_cleanup_hook(Env(), OnEnvCleanup, this);
      env_cleanup_registered_ = false;
    }
  }

  // Joins the drain thread, then closes the handle it signals: no signal can
  // come after the close. The thread never waits for the loop, so this
  // returns within a record even when called from inside onRecords.
  void StopDelivery() {
    if (records_waiting_ == nullptr) return;
    drain_->Stop();
    CloseRecordsWaiting();
  }

  void CloseRecordsWaiting() {
    uv_close(reinterpret_cast<uv_handle_t*>(records_waiting_),
             [](uv_handle_t* handle) { delete reinterpret_cast<uv_async_t*>(handle); });
    records_waiting_ = nullptr;
  }

  // The drain thread added records to the queue, or met an error; or resume()
  // or the previous turn asked for a turn.
  static void OnRecordsWaiting(uv_async_t* handle) {
    auto* self = static_cast<DeletionProgramsBinding*>(handle->data);
    Delivery delivery = self->DeliverWaitingRecords(Caller::kLoop, kMaxBatchesPerTurn);
    // The callback may have detached or closed the programs, closing this handle.
    if (delivery == Delivery::kTurnOver && self->records_waiting_ == handle) uv_async_send(handle);
  }

  // Who asked for a delivery, and so who hears of an error in it: a caller
  // in JavaScript gets it thrown; the loop has no caller to throw to, so the
  // error becomes an uncaught exception.
  enum class Caller { kJavaScript, kLoop };

  enum class Delivery {
    kAllDelivered,  // none waits (or the programs were closed)
    kPaused,        // the callback paused delivery
    kTurnOver,      // max_batches were delivered, or an error reported; more may wait
  };

  // Hands the waiting records to JavaScript in batches, and the drain
  // thread's errors as any of delivery's (even while paused). The callback
  // may close the programs, so they are looked up again after it.
  Delivery DeliverWaitingRecords(Caller caller, size_t max_batches = SIZE_MAX) {
    Napi::Env env = Env();
    for (size_t batches = 0;; batches++) {
      if (!drain_) return Delivery::kAllDelivered;
      if (std::optional<SystemError> error = drain_->TakeError()) {
        if (caller == Caller::kJavaScript) throw ToJsError(env, *error);
        Napi::HandleScope scope(env);
        napi_fatal_exception(env, ToJsError(env, *error).Value());
        return Delivery::kTurnOver;  // the records go on at the next turn
      }
      if (paused_) return Delivery::kPaused;
      if (batches == max_batches) return Delivery::kTurnOver;
      try {
        if (!drain_->TakeBatch(&batch_)) return Delivery::kAllDelivered;
      } catch (const SystemError& error) {
        if (caller == Caller::kJavaScript) throw ToJsError(env, error);
        Napi::HandleScope scope(env);
        napi_fatal_exception(env, ToJsError(env, error).Value());
        return Delivery::kAllDelivered;
      }
      Napi::HandleScope scope(env);
      Napi::Buffer<uint8_t> buffer = Napi::Buffer<uint8_t>::Copy(env, batch_.data(), batch_.size());
      try {
        on_records_.MakeCallback(Value(), {buffer}, *async_context_);
      } catch (const Napi::Error& error) {
        if (caller == Caller::kJavaScript) throw;
        napi_fatal_exception(env, error.Value());
        return Delivery::kTurnOver;  // where the exception is handled, delivery goes on
      }
    }
  }

  // Declared in this order so that the drain, which reads the programs' ring
  // buffer, is destroyed first.
  std::unique_ptr<DeletionPrograms> programs_;
  std::unique_ptr<RingBufferDrain> drain_;
  Napi::FunctionReference on_records_;
  std::unique_ptr<Napi::AsyncContext> async_context_;
  uv_async_t* records_waiting_ = nullptr;  // while attached: the drain thread's way to the loop
  bool paused_ = false;
  uint64_t unfinished_ = 0;  // calls under way at a detach that never reached their exit program
  std::vector<uint8_t> batch_;
  bool env_cleanup_registered_ = true;
};

}  // namespace

Napi::Function DefineDeletionPrograms(Napi::Env env) { return DeletionProgramsBinding::Define(env); }
