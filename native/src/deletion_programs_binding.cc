// The JavaScript face of DeletionPrograms: converts arguments and errors, and
// delivers records from the libuv loop in batches.
//
//   const programs = new DeletionPrograms(onRecords, {attachMode?, btfPath?, ringBufferBytes?});
//   programs.attach(); ... programs.pause(); programs.resume(); ...
//   programs.detach(); while (!programs.deliverWaiting()) { ...resume later... } programs.close();
//
// onRecords(batch: Buffer) receives records as they wait in the ring buffer,
// each as a uint32 length and its bytes; the addon's `layout`
// (record_layout.cc) tells JavaScript where the fields of bpf/deletions.h lie.
// pause() stops taking records from the ring buffer (also between the
// batches of one delivery) until resume(): the kernel holds them meanwhile,
// and counts what it cannot hold as lost.
#include <napi.h>
#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "bindings.h"
#include "deletion_programs.h"
#include "deletions.h"

namespace {

// Large enough that a storm is delivered in few calls, small enough that the
// loop gets back to other work (JSON-RPC requests, timers) between them, and
// that a pause() asked for by one batch comes before much more is taken.
constexpr size_t kBatchBytes = 256 << 10;

// How long records gather after the ring buffer's fd became readable. The
// kernel wakes a reader that has caught up at the very next record, so a
// reader that keeps up with a deleter would otherwise be woken for every
// record or two, and pay a callback into JavaScript for each; a moment's
// wait turns a storm into batches of hundreds of records, and spares the
// deleting process most of the wakeups (the kernel wakes no one while the
// reader is behind).
constexpr uint64_t kGatherMs = 2;

// While a deleter fills the ring buffer as fast as it is read, one turn of
// the loop delivers at most this many batches before it lets the loop see to
// its other work (signals, output, requests) and comes back.
constexpr size_t kMaxBatchesPerTurn = 4;

// How long delivery waits after the poll reported an error before it drains
// the ring buffer and polls again. libuv has stopped the handle by then
// (unix/poll.c, on POLLERR) and would not call it again: without the retry
// no record would be delivered any more. Draining needs no poll
// (ring_buffer__consume reads the buffer itself), so an error that persists
// still lets records through, at most 50 ms late, for 20 wakeups a second.
constexpr uint64_t kPollRetryMs = 50;

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
                           InstanceMethod<&DeletionProgramsBinding::SetReportFailed>("setReportFailed"),
                           InstanceMethod<&DeletionProgramsBinding::Lost>("lost"),
                           InstanceMethod<&DeletionProgramsBinding::ForgetProcess>("forgetProcess"),
                           InstanceMethod<&DeletionProgramsBinding::Close>("close"),
                           InstanceAccessor<&DeletionProgramsBinding::TracesIoUring>("tracesIoUring"),
                           InstanceAccessor<&DeletionProgramsBinding::IoUringProblem>("ioUringProblem"),
                       });
  }

  explicit DeletionProgramsBinding(const Napi::CallbackInfo& info) : Napi::ObjectWrap<DeletionProgramsBinding>(info) {
    Napi::Env env = info.Env();
    if (!info[0].IsFunction()) throw Napi::TypeError::New(env, "DeletionPrograms: onRecords must be a function");
    ProgramOptions options;
    if (info[1].IsObject()) {
      Napi::Object given = info[1].As<Napi::Object>();
      Napi::Value btf_path = given.Get("btfPath");
      if (btf_path.IsString()) {
        options.btf_path = btf_path.As<Napi::String>().Utf8Value();
      } else if (!btf_path.IsUndefined()) {
        throw Napi::TypeError::New(env, "DeletionPrograms: btfPath must be a string");
      }
      Napi::Value attach_mode = given.Get("attachMode");
      if (attach_mode.IsString() && attach_mode.As<Napi::String>().Utf8Value() == "raw") {
        options.attach_mode = AttachMode::kRaw;
      } else if (attach_mode.IsString() && attach_mode.As<Napi::String>().Utf8Value() == "tracepoint") {
        options.attach_mode = AttachMode::kTracepoint;
      } else if (!attach_mode.IsUndefined()) {
        throw Napi::TypeError::New(env, "DeletionPrograms: attachMode must be \"raw\" or \"tracepoint\"");
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
    }
    on_records_ = Napi::Persistent(info[0].As<Napi::Function>());
    async_context_ = std::make_unique<Napi::AsyncContext>(env, "SyscallTraceRecords");
    try {
      programs_ = std::make_unique<DeletionPrograms>(options);
    } catch (const SystemError& error) {
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
    poll_ = new uv_poll_t;
    poll_->data = this;
    uv_poll_init(loop, poll_, programs.poll_fd());
    gather_timer_ = new uv_timer_t;
    gather_timer_->data = this;
    uv_timer_init(loop, gather_timer_);
    if (!paused_) uv_poll_start(poll_, UV_READABLE, OnReadable);
    Ref();  // keep this object alive while the loop may call into it
  }

  // Detaches; what is still in the ring buffer is then taken with
  // deliverWaiting(), at the pace JavaScript chooses.
  void Detach(const Napi::CallbackInfo& info) {
    DeletionPrograms& programs = Open(info.Env());
    if (!programs.attached()) return;
    programs.Detach();
    StopPolling();
    Unref();
  }

  // Takes no more records from the ring buffer until resume(); a delivery
  // under way stops after the batch in hand.
  void Pause(const Napi::CallbackInfo&) {
    paused_ = true;
    if (poll_ != nullptr) {
      uv_poll_stop(poll_);
      uv_timer_stop(gather_timer_);
    }
  }

  // Records that came while paused are delivered now, rather than on the
  // next readable event: the kernel does not wake a reader that is behind.
  void Resume(const Napi::CallbackInfo&) {
    if (!paused_) return;
    paused_ = false;
    if (poll_ != nullptr) uv_timer_start(gather_timer_, OnGathered, 0, 0);
  }

  // deliverWaiting(): boolean — delivers what waits in the ring buffer now;
  // true once none waits, false where pause() came first.
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
    Napi::Object result = Napi::Object::New(env);
    result.Set("deletions", Napi::Number::New(env, static_cast<double>(lost.deletions)));
    result.Set("processes", Napi::Number::New(env, static_cast<double>(lost.processes)));
    result.Set("inFlight", Napi::Number::New(env, static_cast<double>(lost.in_flight)));
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

  void Close(const Napi::CallbackInfo&) {
    if (programs_ && programs_->attached()) Unref();
    Shutdown();
  }

  void Shutdown() {
    StopPolling();
    programs_.reset();  // destroys the links: nothing stays attached
    if (env_cleanup_registered_) {
      napi_remove_env_cleanup_hook(Env(), OnEnvCleanup, this);
      env_cleanup_registered_ = false;
    }
  }

  void StopPolling() {
    if (poll_ == nullptr) return;
    uv_poll_stop(poll_);
    uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* handle) { delete reinterpret_cast<uv_poll_t*>(handle); });
    poll_ = nullptr;
    uv_timer_stop(gather_timer_);
    uv_close(reinterpret_cast<uv_handle_t*>(gather_timer_), [](uv_handle_t* handle) { delete reinterpret_cast<uv_timer_t*>(handle); });
    gather_timer_ = nullptr;
  }

  // The gather timer also retries after an error: it is stopped by pause()
  // and closed with the poll handle, and never runs while the poll does, so
  // a retry cannot come after detach(), close() or pause(). Nothing is
  // reported: the loop's only way to JavaScript, an uncaught exception,
  // would end the helper that the retry keeps delivering.
  static void OnReadable(uv_poll_t* handle, int status, int /*events*/) {
    auto* self = static_cast<DeletionProgramsBinding*>(handle->data);
    uv_poll_stop(self->poll_);
    uv_timer_start(self->gather_timer_, OnGathered, status < 0 ? kPollRetryMs : kGatherMs, 0);
  }

  static void OnGathered(uv_timer_t* handle) {
    auto* self = static_cast<DeletionProgramsBinding*>(handle->data);
    Delivery delivery = self->DeliverWaitingRecords(Caller::kLoop, kMaxBatchesPerTurn);
    // The callback may have paused, detached or closed this programs.
    if (self->paused_ || self->poll_ == nullptr) return;
    if (delivery == Delivery::kTurnOver) {
      uv_timer_start(self->gather_timer_, OnGathered, 0, 0);
    } else {
      uv_poll_start(self->poll_, UV_READABLE, OnReadable);
    }
  }

  // Who asked for a delivery, and so who hears of an error in it: a caller
  // in JavaScript gets it thrown; the loop has no caller to throw to, so the
  // error becomes an uncaught exception.
  enum class Caller { kJavaScript, kLoop };

  enum class Delivery {
    kAllDelivered,  // none waits (or the programs were closed)
    kPaused,        // the callback paused delivery
    kTurnOver,      // max_batches were delivered; more may wait
  };

  // Drains the ring buffer into batches and hands each to JavaScript. The
  // callback may close the programs, so they are looked up again after it.
  Delivery DeliverWaitingRecords(Caller caller, size_t max_batches = SIZE_MAX) {
    Napi::Env env = Env();
    for (size_t batches = 0;; batches++) {
      if (paused_) return Delivery::kPaused;
      if (!programs_) return Delivery::kAllDelivered;
      if (batches == max_batches) return Delivery::kTurnOver;
      batch_.clear();
      bool more = false;
      try {
        more = programs_->Drain(&batch_, kBatchBytes);
      } catch (const SystemError& error) {
        if (caller == Caller::kJavaScript) throw ToJsError(env, error);
        Napi::HandleScope scope(env);
        napi_fatal_exception(env, ToJsError(env, error).Value());
        return Delivery::kAllDelivered;
      }
      if (batch_.empty()) return Delivery::kAllDelivered;
      Napi::HandleScope scope(env);
      Napi::Buffer<uint8_t> buffer = Napi::Buffer<uint8_t>::Copy(env, batch_.data(), batch_.size());
      try {
        on_records_.MakeCallback(Value(), {buffer}, *async_context_);
      } catch (const Napi::Error& error) {
        if (caller == Caller::kJavaScript) throw;
        napi_fatal_exception(env, error.Value());
        return Delivery::kAllDelivered;
      }
      if (!more) return paused_ ? Delivery::kPaused : Delivery::kAllDelivered;
    }
  }

  std::unique_ptr<DeletionPrograms> programs_;
  Napi::FunctionReference on_records_;
  std::unique_ptr<Napi::AsyncContext> async_context_;
  uv_poll_t* poll_ = nullptr;  // while attached
  uv_timer_t* gather_timer_ = nullptr;  // while attached
  bool paused_ = false;
  std::vector<uint8_t> batch_;
  bool env_cleanup_registered_ = true;
};

}  // namespace

Napi::Function DefineDeletionPrograms(Napi::Env env) { return DeletionProgramsBinding::Define(env); }
