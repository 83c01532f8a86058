// The JavaScript face of DeletionTracer: converts arguments and errors, and
// delivers records from the libuv loop in batches.
//
//   const tracer = new Tracer(onRecords, {attachMode?, btfPath?, ringBufferBytes?});
//   tracer.attach(); ... tracer.pause(); tracer.resume(); ...
//   tracer.detach(); while (!tracer.deliverWaiting()) { ...resume later... } tracer.close();
//
// onRecords(batch: Buffer) receives records as they wait in the ring buffer,
// each as a uint32 length and its bytes; `layout` tells JavaScript where the
// fields of bpf/deletions.h lie. pause() stops taking records from the ring
// buffer (also between the batches of one delivery) until resume(): the
// kernel holds them meanwhile, and counts what it cannot hold as lost.
#include <napi.h>
#include <uv.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "deletion_tracer.h"
#include "deletions.h"
#include "privileges.h"

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

Napi::Error ToJsError(Napi::Env env, const TracerError& error) {
  Napi::Error js_error = Napi::Error::New(env, error.what());
  js_error.Set("errno", Napi::Number::New(env, error.error_number()));
  const char* code = strerrorname_np(error.error_number());
  if (code != nullptr) js_error.Set("code", Napi::String::New(env, code));
  return js_error;
}

class Tracer : public Napi::ObjectWrap<Tracer> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Tracer",
                       {
                           InstanceMethod<&Tracer::Attach>("attach"),
                           InstanceMethod<&Tracer::Detach>("detach"),
                           InstanceMethod<&Tracer::Pause>("pause"),
                           InstanceMethod<&Tracer::Resume>("resume"),
                           InstanceMethod<&Tracer::DeliverWaiting>("deliverWaiting"),
                           InstanceMethod<&Tracer::SetReportFailed>("setReportFailed"),
                           InstanceMethod<&Tracer::Lost>("lost"),
                           InstanceMethod<&Tracer::ForgetProcess>("forgetProcess"),
                           InstanceMethod<&Tracer::Close>("close"),
                       });
  }

  explicit Tracer(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Tracer>(info) {
    Napi::Env env = info.Env();
    if (!info[0].IsFunction()) throw Napi::TypeError::New(env, "Tracer: onRecords must be a function");
    TracerOptions options;
    if (info[1].IsObject()) {
      Napi::Object given = info[1].As<Napi::Object>();
      Napi::Value btf_path = given.Get("btfPath");
      if (btf_path.IsString()) {
        options.btf_path = btf_path.As<Napi::String>().Utf8Value();
      } else if (!btf_path.IsUndefined()) {
        throw Napi::TypeError::New(env, "Tracer: btfPath must be a string");
      }
      Napi::Value attach_mode = given.Get("attachMode");
      if (attach_mode.IsString() && attach_mode.As<Napi::String>().Utf8Value() == "raw") {
        options.attach_mode = AttachMode::kRaw;
      } else if (attach_mode.IsString() && attach_mode.As<Napi::String>().Utf8Value() == "tracepoint") {
        options.attach_mode = AttachMode::kTracepoint;
      } else if (!attach_mode.IsUndefined()) {
        throw Napi::TypeError::New(env, "Tracer: attachMode must be \"raw\" or \"tracepoint\"");
      }
      Napi::Value ring_bytes = given.Get("ringBufferBytes");
      if (ring_bytes.IsNumber()) {
        double bytes = ring_bytes.As<Napi::Number>().DoubleValue();
        if (bytes < 1 || bytes > (1u << 31) || bytes != static_cast<uint32_t>(bytes)) {
          throw Napi::RangeError::New(env, "Tracer: ringBufferBytes must be a whole number up to 2 GiB");
        }
        options.ring_buffer_bytes = static_cast<uint32_t>(bytes);
      } else if (!ring_bytes.IsUndefined()) {
        throw Napi::TypeError::New(env, "Tracer: ringBufferBytes must be a number");
      }
    }
    on_records_ = Napi::Persistent(info[0].As<Napi::Function>());
    async_context_ = std::make_unique<Napi::AsyncContext>(env, "SyscallTraceRecords");
    try {
      tracer_ = std::make_unique<DeletionTracer>(options);
    } catch (const TracerError& error) {
      throw ToJsError(env, error);
    }
    napi_add_env_cleanup_hook(env, OnEnvCleanup, this);
  }

  ~Tracer() override { Shutdown(); }

 private:
  static void OnEnvCleanup(void* data) {
    auto* self = static_cast<Tracer*>(data);
    self->env_cleanup_registered_ = false;  // node is running it now
    self->Shutdown();
  }

  DeletionTracer& Open(Napi::Env env) {
    if (!tracer_) throw Napi::Error::New(env, "Tracer: already closed");
    return *tracer_;
  }

  void Attach(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    DeletionTracer& tracer = Open(env);
    if (tracer.attached()) return;
    try {
      tracer.Attach();
    } catch (const TracerError& error) {
      throw ToJsError(env, error);
    }
    uv_loop_t* loop = nullptr;
    napi_get_uv_event_loop(env, &loop);
    poll_ = new uv_poll_t;
    poll_->data = this;
    uv_poll_init(loop, poll_, tracer.poll_fd());
    gather_timer_ = new uv_timer_t;
    gather_timer_->data = this;
    uv_timer_init(loop, gather_timer_);
    if (!paused_) uv_poll_start(poll_, UV_READABLE, OnReadable);
    Ref();  // keep this object alive while the loop may call into it
  }

  // Detaches; what is still in the ring buffer is then taken with
  // deliverWaiting(), at the pace JavaScript chooses.
  void Detach(const Napi::CallbackInfo& info) {
    DeletionTracer& tracer = Open(info.Env());
    if (!tracer.attached()) return;
    tracer.Detach();
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
    } catch (const TracerError& error) {
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
    } catch (const TracerError& error) {
      throw ToJsError(env, error);
    }
  }

  void Close(const Napi::CallbackInfo&) {
    if (tracer_ && tracer_->attached()) Unref();
    Shutdown();
  }

  void Shutdown() {
    StopPolling();
    tracer_.reset();  // destroys the links: nothing stays attached
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

  static void OnReadable(uv_poll_t* handle, int status, int /*events*/) {
    auto* self = static_cast<Tracer*>(handle->data);
    if (status < 0) return;  // the fd reported an error; the next readable event retries
    uv_poll_stop(self->poll_);
    uv_timer_start(self->gather_timer_, OnGathered, kGatherMs, 0);
  }

  static void OnGathered(uv_timer_t* handle) {
    auto* self = static_cast<Tracer*>(handle->data);
    Delivery delivery = self->DeliverWaitingRecords(Caller::kLoop, kMaxBatchesPerTurn);
    // The callback may have paused, detached or closed this tracer.
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
    kAllDelivered,  // none waits (or the tracer was closed)
    kPaused,        // the callback paused the tracer
    kTurnOver,      // max_batches were delivered; more may wait
  };

  // Drains the ring buffer into batches and hands each to JavaScript. The
  // callback may close this tracer, so the tracer is looked up again after it.
  Delivery DeliverWaitingRecords(Caller caller, size_t max_batches = SIZE_MAX) {
    Napi::Env env = Env();
    for (size_t batches = 0;; batches++) {
      if (paused_) return Delivery::kPaused;
      if (!tracer_) return Delivery::kAllDelivered;
      if (batches == max_batches) return Delivery::kTurnOver;
      batch_.clear();
      bool more = false;
      try {
        more = tracer_->Drain(&batch_, kBatchBytes);
      } catch (const TracerError& error) {
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

  std::unique_ptr<DeletionTracer> tracer_;
  Napi::FunctionReference on_records_;
  std::unique_ptr<Napi::AsyncContext> async_context_;
  uv_poll_t* poll_ = nullptr;  // while attached
  uv_timer_t* gather_timer_ = nullptr;  // while attached
  bool paused_ = false;
  std::vector<uint8_t> batch_;
  bool env_cleanup_registered_ = true;
};

#define FIELD(object, type, field) object.Set(#field, Napi::Number::New(env, offsetof(type, field)))

// Where each field of the records in bpf/deletions.h lies, and what its
// constants are, so that JavaScript decodes them without a second copy of
// the layout.
Napi::Object RecordLayout(Napi::Env env) {
  Napi::Object deletion = Napi::Object::New(env);
  deletion.Set("size", Napi::Number::New(env, sizeof(deletion_record)));
  FIELD(deletion, deletion_record, kind);
  FIELD(deletion, deletion_record, syscall);
  FIELD(deletion, deletion_record, abi);
  FIELD(deletion, deletion_record, flags);
  FIELD(deletion, deletion_record, dirfd);
  FIELD(deletion, deletion_record, result);
  FIELD(deletion, deletion_record, start_ns);
  FIELD(deletion, deletion_record, cgroup_id);
  FIELD(deletion, deletion_record, process);
  FIELD(deletion, deletion_record, tid);
  FIELD(deletion, deletion_record, ppid);
  FIELD(deletion, deletion_record, uid);
  FIELD(deletion, deletion_record, path_len);
  FIELD(deletion, deletion_record, directory_names_len);
  FIELD(deletion, deletion_record, comm);
  FIELD(deletion, deletion_record, data);

  Napi::Object process = Napi::Object::New(env);
  process.Set("size", Napi::Number::New(env, sizeof(process_record)));
  FIELD(process, process_record, kind);
  FIELD(process, process_record, flags);
  FIELD(process, process_record, ancestor_count);
  FIELD(process, process_record, cmdline_len);
  FIELD(process, process_record, process);
  FIELD(process, process_record, ancestors);
  FIELD(process, process_record, cmdline);

  Napi::Object key = Napi::Object::New(env);
  key.Set("size", Napi::Number::New(env, sizeof(process_key)));
  FIELD(key, process_key, tgid);
  FIELD(key, process_key, exec_id);
  FIELD(key, process_key, start_time);

  Napi::Object ancestor = Napi::Object::New(env);
  ancestor.Set("size", Napi::Number::New(env, sizeof(struct ancestor)));
  FIELD(ancestor, struct ancestor, pid);
  FIELD(ancestor, struct ancestor, comm);

  Napi::Object kinds = Napi::Object::New(env);
  kinds.Set("deletion", Napi::Number::New(env, RECORD_DELETION));
  kinds.Set("process", Napi::Number::New(env, RECORD_PROCESS));

  Napi::Object syscalls = Napi::Object::New(env);
  syscalls.Set(Napi::Number::New(env, DELETION_UNLINK), "unlink");
  syscalls.Set(Napi::Number::New(env, DELETION_UNLINKAT), "unlinkat");
  syscalls.Set(Napi::Number::New(env, DELETION_RMDIR), "rmdir");

  Napi::Object abis = Napi::Object::New(env);
  abis.Set(Napi::Number::New(env, ABI_X86_64), "x86_64");
  abis.Set(Napi::Number::New(env, ABI_IA32), "ia32");
  abis.Set(Napi::Number::New(env, ABI_ARM64), "arm64");
  abis.Set(Napi::Number::New(env, ABI_AARCH32), "aarch32");

  Napi::Object deletion_flags = Napi::Object::New(env);
  deletion_flags.Set("directory", Napi::Number::New(env, DELETION_DIRECTORY));
  deletion_flags.Set("relative", Napi::Number::New(env, DELETION_RELATIVE));
  deletion_flags.Set("directoryIncomplete", Napi::Number::New(env, DELETION_DIRECTORY_INCOMPLETE));
  deletion_flags.Set("pathUnreadable", Napi::Number::New(env, DELETION_PATH_UNREADABLE));
  deletion_flags.Set("pathTruncated", Napi::Number::New(env, DELETION_PATH_TRUNCATED));

  Napi::Object process_flags = Napi::Object::New(env);
  process_flags.Set("cmdlineTruncated", Napi::Number::New(env, PROCESS_CMDLINE_TRUNCATED));
  process_flags.Set("cmdlineUnreadable", Napi::Number::New(env, PROCESS_CMDLINE_UNREADABLE));

  Napi::Object layout = Napi::Object::New(env);
  layout.Set("deletion", deletion);
  layout.Set("process", process);
  layout.Set("processKey", key);
  layout.Set("ancestor", ancestor);
  layout.Set("recordKinds", kinds);
  layout.Set("syscalls", syscalls);
  layout.Set("abis", abis);
  layout.Set("deletionFlags", deletion_flags);
  layout.Set("processFlags", process_flags);
  layout.Set("taskCommLen", Napi::Number::New(env, TASK_COMM_LEN));
  layout.Set("directoryWalkMaxSteps", Napi::Number::New(env, DIRECTORY_WALK_MAX_STEPS));
  return layout;
}

#undef FIELD

// dropPrivileges({keepCapabilities: number[], uid?: number, gid?: number})
void DropPrivileges(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "dropPrivileges: expects an options object");
  Napi::Object given = info[0].As<Napi::Object>();
  PrivilegeDrop drop;
  Napi::Value keep = given.Get("keepCapabilities");
  if (!keep.IsArray()) throw Napi::TypeError::New(env, "dropPrivileges: keepCapabilities must be an array");
  Napi::Array kept = keep.As<Napi::Array>();
  for (uint32_t i = 0; i < kept.Length(); i++) {
    Napi::Value capability = kept.Get(i);
    uint32_t number = capability.IsNumber() ? capability.As<Napi::Number>().Uint32Value() : 64;
    if (number >= 64) throw Napi::RangeError::New(env, "dropPrivileges: a capability is a number from 0 to 63");
    drop.kept_capabilities |= uint64_t{1} << number;
  }
  Napi::Value uid = given.Get("uid");
  Napi::Value gid = given.Get("gid");
  if (uid.IsNumber() != gid.IsNumber() || (!uid.IsNumber() && !uid.IsUndefined()) || (!gid.IsNumber() && !gid.IsUndefined())) {
    throw Napi::TypeError::New(env, "dropPrivileges: uid and gid must both be numbers, or both be absent");
  }
  if (uid.IsNumber()) {
    drop.become_user = true;
    drop.uid = uid.As<Napi::Number>().Uint32Value();
    drop.gid = gid.As<Napi::Number>().Uint32Value();
  }
  try {
    DropPrivilegesInEveryThread(drop);
  } catch (const PrivilegeError& error) {
    Napi::Error js_error = Napi::Error::New(env, error.what());
    js_error.Set("errno", Napi::Number::New(env, error.error_number()));
    const char* code = strerrorname_np(error.error_number());
    if (code != nullptr) js_error.Set("code", Napi::String::New(env, code));
    throw js_error;
  }
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("Tracer", Tracer::Define(env));
  exports.Set("layout", RecordLayout(env));
  exports.Set("dropPrivileges", Napi::Function::New<DropPrivileges>(env, "dropPrivileges"));
  return exports;
}

}  // namespace

NODE_API_MODULE(syscall_trace, Init)
