// The addon's module: what native/ offers JavaScript (helper/native.ts).
//   DeletionPrograms   the BPF programs and their ring buffer (deletion_programs_binding.cc)
//   layout             where the fields of bpf/deletions.h lie (record_layout.cc)
//   dropPrivileges()   gives up privileges in every thread (privileges.h)
//   missingKernelFeatures()  what each program set needs that this kernel lacks (kernel_features.h)
//   Database           SQLite, for the recorder (sqlite_binding.cc)
//   peerCredentials()  who is at the other end of a unix socket
#include <napi.h>
#include <sys/socket.h>

#include <cerrno>

#include <cstdint>
#include <cstring>

#include "bindings.h"
#include "kernel_features.h"
#include "privileges.h"

Napi::Error ToJsError(Napi::Env env, const SystemError& error) {
  Napi::Error js_error = Napi::Error::New(env, error.what());
  js_error.Set("errno", Napi::Number::New(env, error.error_number()));
  const char* code = strerrorname_np(error.error_number());
  if (code != nullptr) js_error.Set("code", Napi::String::New(env, code));
  return js_error;
}

namespace {

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
  if (uid.IsNumber() != gid.IsNumber() || (!uid.IsNumber() && !uid.IsUndefined()) ||
      (!gid.IsNumber() && !gid.IsUndefined())) {
    throw Napi::TypeError::New(env, "dropPrivileges: uid and gid must both be numbers, or both be absent");
  }
  if (uid.IsNumber()) {
    drop.become_user = true;
    drop.uid = uid.As<Napi::Number>().Uint32Value();
    drop.gid = gid.As<Napi::Number>().Uint32Value();
  }
  try {
    DropPrivilegesInEveryThread(drop);
  } catch (const SystemError& error) {
    throw ToJsError(env, error);
  }
}

// peerCredentials(fd): {pid, uid, gid} of the process that connected the
// unix socket `fd`, as the kernel recorded them at connect(): the recorder
// admits clients by these, which a client cannot forge.
Napi::Value PeerCredentials(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsNumber()) throw Napi::TypeError::New(env, "peerCredentials: expects a file descriptor");
  struct ucred credentials {};
  socklen_t size = sizeof credentials;
  if (getsockopt(info[0].As<Napi::Number>().Int32Value(), SOL_SOCKET, SO_PEERCRED, &credentials, &size) != 0) {
    int error_number = errno;
    throw ToJsError(env, SystemError(error_number, "peerCredentials: " + ErrnoText(error_number)));
  }
  Napi::Object peer = Napi::Object::New(env);
  peer.Set("pid", Napi::Number::New(env, credentials.pid));
  peer.Set("uid", Napi::Number::New(env, credentials.uid));
  peer.Set("gid", Napi::Number::New(env, credentials.gid));
  return peer;
}

Napi::Array FeaturesJs(Napi::Env env, const std::vector<KernelFeature>& missing) {
  Napi::Array features = Napi::Array::New(env, missing.size());
  for (size_t i = 0; i < missing.size(); i++) {
    Napi::Object feature = Napi::Object::New(env);
    feature.Set("feature", Napi::String::New(env, missing[i].name));
    feature.Set("since", Napi::String::New(env, missing[i].since));
    features.Set(static_cast<uint32_t>(i), feature);
  }
  return features;
}

// missingKernelFeatures(): {newer: [{feature: "task storage map", since:
// "5.11"}, ...], older: [...]}, each empty where the kernel has all that set
// needs. Call it with the privileges to load: the probes load programs.
Napi::Value MissingKernelFeaturesJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object report = Napi::Object::New(env);
  report.Set("newer", FeaturesJs(env, MissingKernelFeatures(ProgramSet::kNewer)));
  report.Set("older", FeaturesJs(env, MissingKernelFeatures(ProgramSet::kOlder)));
  return report;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("DeletionPrograms", DefineDeletionPrograms(env));
  exports.Set("layout", RecordLayout(env));
  exports.Set("dropPrivileges", Napi::Function::New<DropPrivileges>(env, "dropPrivileges"));
  exports.Set("missingKernelFeatures", Napi::Function::New<MissingKernelFeaturesJs>(env, "missingKernelFeatures"));
  exports.Set("peerCredentials", Napi::Function::New<PeerCredentials>(env, "peerCredentials"));
  return DefineSqlite(env, exports);
}

}  // namespace

NODE_API_MODULE(syscall_trace, Init)
