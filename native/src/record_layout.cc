// The addon's `layout`: where each field of the records in bpf/deletions.h
// lies and what its constants are, read off the header by the compiler, so
// that helper/tracing/records.ts decodes records without a second copy of the layout.
#include <linux/types.h>  // the __u32 and friends of bpf/deletions.h
#include <napi.h>

#include <cstddef>
#include <initializer_list>
#include <utility>

#include "bindings.h"
#include "deletions.h"

namespace {

using Named = std::pair<const char*, double>;

// {"size": sizeof(type), "<field>": offsetof(type, field), ...}
#define OFFSET(type, field) \
  Named { #field, offsetof(type, field) }

Napi::Object Struct(Napi::Env env, size_t size, std::initializer_list<Named> fields) {
  Napi::Object object = Napi::Object::New(env);
  object.Set("size", Napi::Number::New(env, static_cast<double>(size)));
  for (const auto& [name, offset] : fields) object.Set(name, Napi::Number::New(env, offset));
  return object;
}

// {"<name>": value, ...}: flags and kinds, by the name JavaScript gives them.
Napi::Object Constants(Napi::Env env, std::initializer_list<Named> constants) {
  Napi::Object object = Napi::Object::New(env);
  for (const auto& [name, value] : constants) object.Set(name, Napi::Number::New(env, value));
  return object;
}

// {value: "<name>", ...}: enums whose names reach the user ("unlinkat", "ia32").
Napi::Object NamesByValue(Napi::Env env, std::initializer_list<Named> names) {
  Napi::Object object = Napi::Object::New(env);
  for (const auto& [name, value] : names) object.Set(Napi::Number::New(env, value), name);
  return object;
}

}  // namespace

Napi::Object RecordLayout(Napi::Env env) {
  Napi::Object layout = Napi::Object::New(env);
  layout.Set("deletion", Struct(env, sizeof(deletion_record),
                                {OFFSET(deletion_record, kind),
                                 OFFSET(deletion_record, syscall),
                                 OFFSET(deletion_record, abi),
                                 OFFSET(deletion_record, flags),
                                 OFFSET(deletion_record, dirfd),
                                 OFFSET(deletion_record, result),
                                 OFFSET(deletion_record, start_ns),
                                 OFFSET(deletion_record, cgroup_id),
                                 OFFSET(deletion_record, directory_id),
                                 OFFSET(deletion_record, process),
                                 OFFSET(deletion_record, tid),
                                 OFFSET(deletion_record, ppid),
                                 OFFSET(deletion_record, uid),
                                 OFFSET(deletion_record, mount_namespace),
                                 OFFSET(deletion_record, filesystem_dev),
                                 OFFSET(deletion_record, path_len),
                                 OFFSET(deletion_record, name_at),
                                 OFFSET(deletion_record, lookup_from),
                                 OFFSET(deletion_record, directory_names_len),
                                 OFFSET(deletion_record, directory_names_at_root),
                                 OFFSET(deletion_record, directory_names_at_mount_root),
                                 OFFSET(deletion_record, filesystem_names_len),
                                 OFFSET(deletion_record, rename),
                                 OFFSET(deletion_record, comm),
                                 OFFSET(deletion_record, thread_name),
                                 OFFSET(deletion_record, data)}));
  layout.Set("process", Struct(env, sizeof(process_record),
                               {OFFSET(process_record, kind), OFFSET(process_record, flags),
                                OFFSET(process_record, ancestor_count), OFFSET(process_record, cmdline_len),
                                OFFSET(process_record, process), OFFSET(process_record, ancestors),
                                OFFSET(process_record, cgroup_name), OFFSET(process_record, cgroup_parent_name),
                                OFFSET(process_record, cmdline)}));
  layout.Set("processKey",
             Struct(env, sizeof(process_key),
                    {OFFSET(process_key, tgid), OFFSET(process_key, exec_id), OFFSET(process_key, start_time)}));
  layout.Set("ancestor",
             Struct(env, sizeof(struct ancestor), {OFFSET(struct ancestor, pid), OFFSET(struct ancestor, comm)}));
  layout.Set("recordKinds", Constants(env, {{"deletion", RECORD_DELETION}, {"process", RECORD_PROCESS}}));
  layout.Set("syscalls", NamesByValue(env, {{"unlink", DELETION_UNLINK},
                                            {"unlinkat", DELETION_UNLINKAT},
                                            {"rmdir", DELETION_RMDIR},
                                            {"rename", DELETION_RENAME},
                                            {"renameat", DELETION_RENAMEAT},
                                            {"renameat2", DELETION_RENAMEAT2}}));
  layout.Set("abis", NamesByValue(env, {{"x86_64", ABI_X86_64},
                                        {"ia32", ABI_IA32},
                                        {"arm64", ABI_ARM64},
                                        {"aarch32", ABI_AARCH32},
                                        {"io_uring", ABI_IO_URING}}));
  layout.Set("deletionFlags", Constants(env, {{"directory", DELETION_DIRECTORY},
                                              {"lookupFailed", DELETION_LOOKUP_FAILED},
                                              {"directoryIncomplete", DELETION_DIRECTORY_INCOMPLETE},
                                              {"pathUnreadable", DELETION_PATH_UNREADABLE},
                                              {"pathTruncated", DELETION_PATH_TRUNCATED},
                                              {"foreignNamespace", DELETION_FOREIGN_NAMESPACE},
                                              {"filesystemPathIncomplete", DELETION_FILESYSTEM_PATH_INCOMPLETE},
                                              {"procLinkUnresolved", DELETION_PROC_LINK_UNRESOLVED},
                                              {"resultNotPosted", DELETION_RESULT_NOT_POSTED},
                                              {"directoryNamed", DELETION_DIRECTORY_NAMED},
                                              {"directoryKnown", DELETION_DIRECTORY_KNOWN},
                                              {"inScope", DELETION_IN_SCOPE},
                                              {"dropped", DELETION_DROPPED}}));
  layout.Set("renameFacts", Constants(env, {{"flags", RENAME_FLAGS},
                                            {"targetExisted", RENAME_TARGET_EXISTED},
                                            {"targetAbsent", RENAME_TARGET_ABSENT},
                                            {"sameFile", RENAME_SAME_FILE},
                                            {"destination", RENAME_DESTINATION},
                                            {"destinationLost", RENAME_DESTINATION_LOST}}));
  layout.Set("processFlags", Constants(env, {{"cmdlineTruncated", PROCESS_CMDLINE_TRUNCATED},
                                             {"cmdlineUnreadable", PROCESS_CMDLINE_UNREADABLE}}));
  layout.Set("taskCommLen", Napi::Number::New(env, TASK_COMM_LEN));
  layout.Set("cgroupNameMax", Napi::Number::New(env, CGROUP_NAME_MAX));
  layout.Set("rootNotPassed", Napi::Number::New(env, ROOT_NOT_PASSED));
  layout.Set("directoryWalkMaxSteps", Napi::Number::New(env, DIRECTORY_WALK_MAX_STEPS));
  return layout;
}

#undef OFFSET
