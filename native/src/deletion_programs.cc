#include "deletion_programs.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "deletions.h"
#include "deletions.skel.h"
// Only its ELF bytes are used: the older object is opened through the
// `deletions` skeleton (OpenSkeleton).
#include "deletions_older.skel.h"
#include "libbpf_errors.h"
#include "syscall_tracepoints.h"

// The two objects share one source and differ only in the types of two maps
// (bpf/kernel_compat.bpf.h): the skeleton of one serves both as long as the
// globals it maps lie alike.
static_assert(sizeof(deletions::deletions__bss) == sizeof(deletions_older::deletions_older__bss),
              "the two objects' .bss must be laid out alike");
static_assert(sizeof(deletions::deletions__data) == sizeof(deletions_older::deletions_older__data),
              "the two objects' .data must be laid out alike");
static_assert(sizeof(deletions::deletions__rodata) == sizeof(deletions_older::deletions_older__rodata),
              "the two objects' .rodata must be laid out alike");

namespace {

constexpr const char* kKernelBtf = "/sys/kernel/btf/vmlinux";

// Stops ring_buffer__consume once the taker asks to; libbpf has consumed the
// record it was given by then.
constexpr int kTakerStopped = -ECANCELED;

// What the BTF of the kernel described by `btf_path` (the running one where
// empty) says it has: its tracepoints, each a BTF typedef btf_trace_<name>,
// which is what a raw tracepoint program is attached by; and its structs.
class KernelBtf {
 public:
  explicit KernelBtf(const std::string& btf_path)
      : btf_(btf_path.empty() ? btf__load_vmlinux_btf() : btf__parse(btf_path.c_str(), nullptr)) {}
  ~KernelBtf() { btf__free(btf_); }
  KernelBtf(const KernelBtf&) = delete;
  KernelBtf& operator=(const KernelBtf&) = delete;

  bool HasTracepoint(const std::string& name) const { return Has("btf_trace_" + name, BTF_KIND_TYPEDEF); }
  bool HasStruct(const std::string& name) const { return Has(name, BTF_KIND_STRUCT); }

  // Where a raw tracepoint program finds the first argument of `tracepoint`
  // that points to a struct `name` (ctx->args[i]), or -1: the tracepoint's
  // typedef is a pointer to its probe's prototype, whose first parameter is
  // the probe's own data, not one of the tracepoint's arguments.
  int ArgPointingTo(const std::string& tracepoint, const std::string& name) const {
    const btf_type* proto = Prototype(tracepoint);
    if (proto == nullptr) return -1;
    const btf_param* params = btf_params(proto);
    for (int i = 1; i < btf_vlen(proto); i++) {
      const btf_type* type = SkipModifiers(params[i].type);
      if (type == nullptr || !btf_is_ptr(type)) continue;
      const btf_type* target = SkipModifiers(type->type);
      if (target != nullptr && btf_is_struct(target) && name == btf__name_by_offset(btf_, target->name_off))
        return i - 1;
    }
    return -1;
  }

  // Whether the tracepoint's argument at ctx->args[index] is a pointer.
  bool ArgIsPointer(const std::string& tracepoint, int index) const {
    const btf_type* proto = Prototype(tracepoint);
    if (proto == nullptr || index + 1 >= btf_vlen(proto)) return false;
    const btf_type* type = SkipModifiers(btf_params(proto)[index + 1].type);
    return type != nullptr && btf_is_ptr(type);
  }

 private:
  const btf_type* SkipModifiers(uint32_t id) const {
    const btf_type* type = btf__type_by_id(btf_, id);
    while (type != nullptr && (btf_is_mod(type) || btf_is_typedef(type))) type = btf__type_by_id(btf_, type->type);
    return type;
  }

  const btf_type* Prototype(const std::string& tracepoint) const {
    if (btf_ == nullptr) return nullptr;
    int id = btf__find_by_name_kind(btf_, ("btf_trace_" + tracepoint).c_str(), BTF_KIND_TYPEDEF);
    if (id <= 0) return nullptr;
    const btf_type* pointer = SkipModifiers(btf__type_by_id(btf_, id)->type);
    if (pointer == nullptr || !btf_is_ptr(pointer)) return nullptr;
    const btf_type* proto = SkipModifiers(pointer->type);
    return proto != nullptr && btf_is_func_proto(proto) ? proto : nullptr;
  }

  bool Has(const std::string& name, int kind) const {
    return btf_ != nullptr && btf__find_by_name_kind(btf_, name.c_str(), kind) > 0;
  }

 private:
  btf* btf_;
};

// Said in `unseen` (io_uring_problem()) where io_uring is there but cannot delete.
constexpr const char* kIoUringWithoutUnlink =
    "this kernel has io_uring, but not its unlinkat requests, which came in Linux 5.11 (io_uring deletes nothing here)";

// Said in `unseen` where io_uring's deletions are seen but their results are not.
constexpr const char* kIoUringResultsUnknown =
    "this kernel's io_uring_complete tracepoint does not name the request (before Linux 5.18), so each is reported "
    "at its submission with its result unknown";

bool StartsWith(const std::string& text, const char* prefix) { return text.rfind(prefix, 0) == 0; }

// libbpf's link for an ioctl attachment holds the perf event's own fd;
// a BPF link is a kernel object of its own, which the kernel describes.
bool IsBpfLink(int fd) {
  bpf_link_info info = {};
  uint32_t size = sizeof(info);
  return bpf_obj_get_info_by_fd(fd, &info, &size) == 0;
}

bool IsPowerOfTwo(uint32_t n) { return n != 0 && (n & (n - 1)) == 0; }

const char* ModeName(AttachMode mode) { return mode == AttachMode::kRaw ? "raw" : "tracepoint"; }
const char* SetName(ProgramSet set) { return set == ProgramSet::kNewer ? "newer" : "older"; }

// A seam for tests, read here and nowhere else: SYSCALL_TRACE_TEST_REFUSE_PROGRAMS=raw
// (or =tracepoint, =newer) makes that attach mode's or program set's
// programs fail to load, as a verifier of another kernel version might
// refuse them, so that the helper's fallbacks can be tested on a kernel that
// loads everything (docs/kernel-programs.md, "Two attach modes, one code path", "Two
// program sets").
constexpr const char* kRefuseProgramsForTests = "SYSCALL_TRACE_TEST_REFUSE_PROGRAMS";

void RefuseWhereTestsAsk(const ProgramOptions& options) {
  const char* given = getenv(kRefuseProgramsForTests);
  if (given == nullptr) return;
  std::string refused = given;
  if (refused != ModeName(options.attach_mode) && refused != SetName(options.program_set)) return;
  throw SystemError(ECANCELED, "the " + refused + " programs were refused before loading, as " +
                                   kRefuseProgramsForTests + "=" + refused + " (a seam for tests) asks");
}

// Opens the object of `set` through the one skeleton type both share: the
// older object's ELF takes the newer's place before libbpf reads it, and
// every map, program and mapped global is then found by its name in it.
deletions* OpenSkeleton(ProgramSet set, const bpf_object_open_opts* options) {
  auto* skeleton = static_cast<deletions*>(calloc(1, sizeof(deletions)));
  if (skeleton == nullptr) {
    errno = ENOMEM;
    return nullptr;
  }
  int error = deletions__create_skeleton(skeleton);
  if (error == 0 && set == ProgramSet::kOlder) {
    skeleton->skeleton->data = deletions_older__elf_bytes(&skeleton->skeleton->data_sz);
  }
  if (error == 0) error = bpf_object__open_skeleton(skeleton->skeleton, options);
  if (error != 0) {
    deletions__destroy(skeleton);
    errno = -error;
    return nullptr;
  }
  return skeleton;
}

void CheckOptions(const ProgramOptions& options) {
  const std::string& btf = options.btf_path.empty() ? kKernelBtf : options.btf_path;
  if (access(btf.c_str(), R_OK) != 0) {
    int error_number = errno;
    if (options.btf_path.empty() && error_number == ENOENT) {
      throw SystemError(ENOENT, std::string("this kernel has no BTF (") + kKernelBtf +
                                    " is missing): Syscall Trace needs a kernel built with CONFIG_DEBUG_INFO_BTF=y");
    }
    throw SystemError(error_number, "cannot read the kernel's BTF at " + btf + ": " + ErrnoText(error_number));
  }
  uint32_t page = static_cast<uint32_t>(sysconf(_SC_PAGESIZE));
  if (!IsPowerOfTwo(options.ring_buffer_bytes) || options.ring_buffer_bytes < page) {
    throw SystemError(EINVAL, "the ring buffer size must be a power of two of at least one page (" +
                                  std::to_string(page) + " bytes), not " + std::to_string(options.ring_buffer_bytes));
  }
}

}  // namespace

DeletionPrograms::DeletionPrograms(const ProgramOptions& options)
    : attach_mode_(options.attach_mode),
      keep_tracepoint_events_(options.keep_tracepoint_events && options.attach_mode == AttachMode::kTracepoint) {
  CheckOptions(options);
  RefuseWhereTestsAsk(options);
  LibbpfLogCapture log;

  Open(options, true);
  int error = deletions__load(skeleton_);
  // io_uring's internals are no interface: where its programs do not load on
  // some kernel (a verifier's refusal is EACCES, EINVAL or E2BIG), the
  // syscalls are still traced, and the blind spot is named. Without the
  // privileges to load (EPERM) a second try would fare no better.
  if (error != 0 && traces_io_uring_ && error != -EPERM) {
    io_uring_problem_ = "its programs did not load on this kernel (" + ErrnoText(-error) + ")";
    deletions__destroy(skeleton_);
    skeleton_ = nullptr;
    hooks_.clear();
    Open(options, false);
    error = deletions__load(skeleton_);
  }
  if (error != 0) {
    deletions__destroy(skeleton_);
    skeleton_ = nullptr;
    ThrowLoadError(-error, log.text());
  }

  // After loading, so that a user without the privileges to trace hears of
  // those first, rather than of tracefs.
  try {
    NumberTracepoints();
  } catch (const SystemError&) {
    ReleaseAfterLoad();
    throw;
  }

  if (keep_tracepoint_events_) OpenKeptPerfEvents();
  SettleAttachmentKind();

  ring_ = ring_buffer__new(bpf_map__fd(skeleton_->maps.records), OnRecord, this, nullptr);
  if (ring_ == nullptr) ThrowAfterLoad(errno, "opening the ring buffer");
}

DeletionPrograms::~DeletionPrograms() {
  Detach();
  CloseKeptPerfEvents();
  ring_buffer__free(ring_);
  deletions__destroy(skeleton_);
}

void DeletionPrograms::Open(const ProgramOptions& options, bool io_uring) {
  LIBBPF_OPTS(bpf_object_open_opts, open_options,
              .btf_custom_path = options.btf_path.empty() ? nullptr : options.btf_path.c_str());
  skeleton_ = OpenSkeleton(options.program_set, &open_options);
  if (skeleton_ == nullptr)
    ThrowStepError(errno, std::string("opening the ") + SetName(options.program_set) + " BPF object");

  ChooseHooks(options.attach_mode, options.btf_path, io_uring);

  // The namespace whose paths are the host's: the one this process is in.
  // A deletion in any other is named through its file system instead.
  struct stat mount_namespace;
  if (stat("/proc/self/ns/mnt", &mount_namespace) == 0) {
    skeleton_->bss->host_mount_namespace = static_cast<__u32>(mount_namespace.st_ino);
  }

  int error = bpf_map__set_max_entries(skeleton_->maps.records, options.ring_buffer_bytes);
  if (error != 0) {
    deletions__destroy(skeleton_);
    skeleton_ = nullptr;
    ThrowStepError(-error, "sizing the ring buffer");
  }
}

// The syscall programs of the object belong to one attach mode each: raw_tp
// programs on sys_enter and sys_exit to the raw mode, tracepoint programs to
// the tracepoint mode; those of the other mode are not loaded at all. The
// io_uring programs (raw_tp/io_uring_*) serve both, where the kernel has
// their tracepoints.
void DeletionPrograms::ChooseHooks(AttachMode mode, const std::string& btf_path, bool io_uring) {
  KernelBtf kernel(btf_path);
  // The submission tracepoint was io_uring_submit_sqe before Linux 6.4.
  std::string io_uring_submit = kernel.HasTracepoint("io_uring_submit_req")   ? "io_uring_submit_req"
                                : kernel.HasTracepoint("io_uring_submit_sqe") ? "io_uring_submit_sqe"
                                                                              : "";
  bool has_io_uring = !io_uring_submit.empty() && kernel.HasTracepoint("io_uring_complete");
  // IORING_OP_UNLINKAT, and the struct io_unlink its programs read, came in
  // Linux 5.11: before, io_uring deletes nothing, and its programs would not
  // load, so they are not tried.
  if (io_uring && has_io_uring && !kernel.HasStruct("io_unlink")) {
    io_uring_problem_ = kIoUringWithoutUnlink;
    has_io_uring = false;
  }
  if (io_uring && has_io_uring) {
    // The request is the submission's first argument from Linux 5.18, its
    // second (after the ring) before: Debian's 5.10 has 5.15's io_uring.
    int request = kernel.ArgPointingTo(io_uring_submit, "io_kiocb");
    // Before the structs were visible to it, the tracepoint took (void *ctx, void *req, ...).
    if (request < 0 && kernel.ArgIsPointer(io_uring_submit, 0) && kernel.ArgIsPointer(io_uring_submit, 1)) request = 1;
    if (request == 0 || request == 1) {
      skeleton_->bss->io_uring_submit_request_arg = request;
    } else {
      io_uring_problem_ = "this kernel's " + io_uring_submit + " tracepoint does not name the request";
      has_io_uring = false;
    }
    // Before Linux 5.18 the completion names the ring and user_data only, so
    // no kept request could be matched with its result: each is sent at its
    // submission, its result unknown.
    bool results_unknown = has_io_uring && !kernel.ArgIsPointer("io_uring_complete", 1);
    skeleton_->bss->io_uring_results_unknown = results_unknown;
    if (results_unknown) io_uring_problem_ = kIoUringResultsUnknown;
  }
  traces_io_uring_ = io_uring && has_io_uring;
  bpf_program* program = nullptr;
  bpf_object__for_each_program(program, skeleton_->obj) {
    // "raw_tp/sys_exit" → "sys_exit"; "tracepoint/syscalls/sys_exit_rmdir" → "syscalls/sys_exit_rmdir"
    std::string section = bpf_program__section_name(program);
    std::string tracepoint = section.substr(section.find('/') + 1);
    bool perf_event = bpf_program__type(program) == BPF_PROG_TYPE_TRACEPOINT;
    bool wanted = StartsWith(tracepoint, "io_uring_")
                      ? traces_io_uring_ && (tracepoint == "io_uring_complete" || tracepoint == io_uring_submit)
                      : (perf_event ? AttachMode::kTracepoint : AttachMode::kRaw) == mode;
    bpf_program__set_autoload(program, wanted);
    if (!wanted) continue;
    bool at_exit = tracepoint.find("sys_exit") != std::string::npos || tracepoint == "io_uring_complete";
    hooks_.push_back({program, tracepoint, at_exit, perf_event, -1, -1, false});
  }
}

bool DeletionPrograms::HasPerfEventHooks() const {
  for (const Hook& hook : hooks_) {
    if (hook.perf_event) return true;
  }
  return false;
}

void DeletionPrograms::NumberTracepoints() {
  if (!HasPerfEventHooks()) return;
  Tracefs tracefs;
  for (Hook& hook : hooks_) {
    if (hook.perf_event) hook.tracepoint_id = tracefs.TracepointId(hook.tracepoint);
  }
}

void DeletionPrograms::ReleaseAfterLoad() {
  CloseKeptPerfEvents();
  deletions__destroy(skeleton_);
  skeleton_ = nullptr;
}

void DeletionPrograms::ThrowAfterLoad(int error_number, const std::string& step) {
  ReleaseAfterLoad();
  ThrowStepError(error_number, step);
}

// Opening a perf event on a tracepoint for every task needs CAP_PERFMON
// while kernel.perf_event_paranoid is above 0, and CAP_SYS_ADMIN on Debian's
// and Ubuntu's kernels while it is 3 or more (their patch; upstream reads 3
// as 2): this is where the helper still holds both.
void DeletionPrograms::OpenKeptPerfEvents() {
  for (Hook& hook : hooks_) {
    if (!hook.perf_event) continue;
    hook.kept_perf_event = OpenTracepointEvent(hook.tracepoint_id);
    if (hook.kept_perf_event >= 0) continue;
    int error_number = errno;
    if (error_number == EACCES || error_number == EPERM) {
      ReleaseAfterLoad();
      throw SystemError(error_number,
                        "opening a perf event on the tracepoint " + hook.tracepoint +
                            " needs root (CAP_SYS_ADMIN) where kernel.perf_event_paranoid is 3 or more, "
                            "as Debian and Ubuntu set it: start the helper as root, or use the raw attach mode");
    }
    ThrowAfterLoad(error_number, "opening a perf event on the tracepoint " + hook.tracepoint);
  }
}

void DeletionPrograms::CloseKeptPerfEvents() {
  for (Hook& hook : hooks_) {
    if (hook.kept_perf_event >= 0) close(hook.kept_perf_event);
    hook.kept_perf_event = -1;
  }
}

// libbpf finds out at the first attach to a perf event whether the kernel
// offers BPF links for them, by loading a probe program: a step that needs
// CAP_BPF, which the helper gives up right after loading. Without it, libbpf
// would quietly fall back to the older ioctl attachment. So one exit program
// (which does nothing without its entry) is attached and detached at once,
// while the helper may still load, and libbpf keeps the answer for every
// later attach.
//
// Kept perf events need that BPF link (Linux 5.15): destroying it detaches
// the program from an event that stays open. An ioctl attachment lasts as
// long as the event, so a program on a kept event could never be detached.
void DeletionPrograms::SettleAttachmentKind() {
  for (Hook& hook : hooks_) {
    if (!hook.perf_event || !hook.at_exit) continue;
    bpf_link* link = AttachHook(hook);
    if (link == nullptr) ThrowAfterLoad(errno, "attaching to the tracepoint " + hook.tracepoint);
    bool through_bpf_link = hook.kept_perf_event < 0 || IsBpfLink(bpf_link__fd(link));
    // Without a BPF link the program stays on the kept event even once the
    // link is destroyed: from now on the programs run gated.
    bpf_link__destroy(link);
    if (!through_bpf_link) {
      gated_perf_events_ = true;
      hook.stays_attached = true;
      SetGates(true, true);
    }
    return;
  }
}

int DeletionPrograms::PerfEventToAttach(const Hook& hook) const {
  if (hook.kept_perf_event >= 0) return fcntl(hook.kept_perf_event, F_DUPFD_CLOEXEC, 0);
  return OpenTracepointEvent(hook.tracepoint_id);
}

bpf_link* DeletionPrograms::AttachHook(const Hook& hook) const {
  if (!hook.perf_event) return bpf_program__attach(hook.program);
  int perf_event = PerfEventToAttach(hook);
  if (perf_event < 0) return nullptr;
  // From here the link owns the perf event (a duplicate, where it is kept),
  // and closes it when destroyed.
  bpf_link* link = bpf_program__attach_perf_event(hook.program, perf_event);
  if (link == nullptr) {
    int error_number = errno;
    close(perf_event);
    errno = error_number;
  }
  return link;
}

void DeletionPrograms::Attach() {
  if (attached()) return;
  ForgetEarlierCalls();
  skeleton_->data->generation++;
  skeleton_->bss->deletions_in_flight = 0;

  // Exits first: a call whose entry is seen must have its exit seen too.
  for (bool at_exit : {true, false}) {
    for (Hook& hook : hooks_) {
      if (hook.at_exit != at_exit) continue;
      if (gated_perf_events_ && hook.perf_event) {
        AttachForGood(hook);
        continue;
      }
      bpf_link* link = AttachHook(hook);
      if (link == nullptr) {
        int error_number = errno;
        Detach();
        ThrowStepError(error_number, hook.perf_event ? "attaching to the tracepoint " + hook.tracepoint
                                                     : "attaching to the " + hook.tracepoint + " raw tracepoint");
      }
      links_.push_back(link);
    }
    if (at_exit) exit_links_ = links_.size();
    // The exits' gate opens first; the entries' once theirs are on.
    if (gated_perf_events_) SetGates(at_exit, false);
  }
  gates_open_ = gated_perf_events_;
}

void DeletionPrograms::AttachForGood(Hook& hook) {
  if (hook.stays_attached) return;
  bpf_link* link = AttachHook(hook);
  if (link == nullptr) {
    int error_number = errno;
    Detach();
    ThrowStepError(error_number, "attaching to the tracepoint " + hook.tracepoint);
  }
  bpf_link__destroy(link);  // closes the duplicate; the program stays on the kept event
  hook.stays_attached = true;
}

void DeletionPrograms::SetGates(bool entries_closed, bool exits_closed) {
  __atomic_store_n(&skeleton_->bss->tracepoint_entries_closed, entries_closed, __ATOMIC_SEQ_CST);
  __atomic_store_n(&skeleton_->bss->tracepoint_exits_closed, exits_closed, __ATOMIC_SEQ_CST);
}

void DeletionPrograms::ForgetEarlierCalls() {
  // Task storage (the newer set) dies with its task; the older set's hash
  // by thread id keeps the entry of a call a detach caught half-way until
  // that thread's next call, which may never come.
  bpf_map* calls = skeleton_->maps.calls_in_flight;
  if (bpf_map__type(calls) != BPF_MAP_TYPE_HASH) return;
  uint32_t tid;
  for (uint32_t i = 0; i < bpf_map__max_entries(calls) && bpf_map__get_next_key(calls, nullptr, &tid, sizeof(tid)) == 0;
       i++) {
    bpf_map__delete_elem(calls, &tid, sizeof(tid), 0);
  }
}

void DeletionPrograms::DetachEntries() {
  while (links_.size() > exit_links_) {
    bpf_link__destroy(links_.back());
    links_.pop_back();
  }
  if (gates_open_) SetGates(true, false);
}

void DeletionPrograms::Detach() {
  // Entries first, so that no call starts whose exit would go unseen.
  if (gates_open_) SetGates(true, false);
  for (auto link = links_.rbegin(); link != links_.rend(); ++link) bpf_link__destroy(*link);
  links_.clear();
  exit_links_ = 0;
  if (gates_open_) SetGates(true, true);
  gates_open_ = false;
}

uint64_t DeletionPrograms::calls_in_flight() const {
  uint64_t calls = __atomic_load_n(&skeleton_->bss->deletions_in_flight, __ATOMIC_SEQ_CST);
  if (!traces_io_uring_) return calls;
  // io_uring's count is kept across attaches (bpf/io_uring_requests.bpf.h):
  // only the kept requests of the latest attach are this one's. Each kept
  // value begins with its attach's generation.
  bpf_map* requests = skeleton_->maps.io_uring_unlinks;
  std::vector<uint8_t> value(bpf_map__value_size(requests));
  uint32_t generation = skeleton_->data->generation;
  uint64_t key;
  uint64_t* previous = nullptr;
  uint64_t next;
  // A walk that meets a key deleted under it starts over: bounded, it counts what it saw.
  size_t bound = 2 * bpf_map__max_entries(requests);
  for (size_t i = 0; i < bound && bpf_map__get_next_key(requests, previous, &next, sizeof(next)) == 0; i++) {
    key = next;
    previous = &key;
    uint32_t kept_generation;
    if (bpf_map__lookup_elem(requests, &key, sizeof(key), value.data(), value.size(), 0) != 0) continue;
    memcpy(&kept_generation, value.data(), sizeof(kept_generation));
    if (kept_generation == generation) calls++;
  }
  return calls;
}

void DeletionPrograms::SetReportFailed(bool report_failed) { skeleton_->bss->report_failed = report_failed; }

int DeletionPrograms::poll_fd() const { return ring_buffer__epoll_fd(ring_); }

int DeletionPrograms::OnRecord(void* context, void* data, size_t size) {
  auto* self = static_cast<DeletionPrograms*>(context);
  return (*self->take_)(static_cast<const uint8_t*>(data), size) ? 0 : kTakerStopped;
}

bool DeletionPrograms::Consume(const RecordTaker& take) {
  take_ = &take;
  int result = ring_buffer__consume(ring_);
  take_ = nullptr;
  if (result == kTakerStopped) return true;
  if (result < 0) ThrowStepError(-result, "reading the ring buffer");
  return false;
}

LostCounts DeletionPrograms::Lost() const {
  int cpus = libbpf_num_possible_cpus();
  if (cpus <= 0) ThrowStepError(-cpus, "counting CPUs");
  std::vector<uint64_t> per_cpu(cpus);
  uint64_t totals[LOST_COUNTERS] = {};
  for (uint32_t counter = 0; counter < LOST_COUNTERS; counter++) {
    int error = bpf_map__lookup_elem(skeleton_->maps.lost, &counter, sizeof(counter), per_cpu.data(),
                                     per_cpu.size() * sizeof(uint64_t), 0);
    if (error != 0) ThrowStepError(-error, "reading the loss counters");
    for (uint64_t count : per_cpu) totals[counter] += count;
  }
  LostCounts lost;
  lost.deletions = totals[LOST_DELETIONS];
  lost.processes = totals[LOST_PROCESSES];
  lost.in_flight = totals[LOST_IN_FLIGHT];
  lost.filtered = totals[FILTERED_OUT_OF_SCOPE];
  return lost;
}

void DeletionPrograms::ForgetDirectories() {
  __atomic_add_fetch(&skeleton_->bss->directory_epoch, 1, __ATOMIC_SEQ_CST);
}

void DeletionPrograms::ClearScope() {
  auto* bss = skeleton_->bss;
  __atomic_store_n(&bss->scope_active, false, __ATOMIC_SEQ_CST);
  __atomic_store_n(&bss->scope_learning, false, __ATOMIC_SEQ_CST);
  // A thread's memo of a verdict under the old scope is judged again.
  __atomic_add_fetch(&bss->scope_generation, 1, __ATOMIC_SEQ_CST);
  __atomic_store_n(&bss->scope_count, 0, __ATOMIC_SEQ_CST);
  // At most SCOPE_DIRECTORIES_MAX keys: take the first until none is left.
  uint64_t key;
  for (int i = 0; i <= SCOPE_DIRECTORIES_MAX &&
                  bpf_map__get_next_key(skeleton_->maps.scope_directories, nullptr, &key, sizeof(key)) == 0;
       i++) {
    int error = bpf_map__delete_elem(skeleton_->maps.scope_directories, &key, sizeof(key), 0);
    if (error != 0 && error != -ENOENT) ThrowStepError(-error, "forgetting the traced folders");
  }
}

size_t DeletionPrograms::LearnScope(const std::vector<int>& fds) {
  ClearScope();
  if (!attached() || fds.size() > SCOPE_DIRECTORIES_MAX) return 0;
  auto* bss = skeleton_->bss;
  __atomic_store_n(&bss->helper_tgid, static_cast<__u32>(getpid()), __ATOMIC_SEQ_CST);
  __atomic_store_n(&bss->scope_learning, true, __ATOMIC_SEQ_CST);
  // Each call fails (ENOENT: the empty name); its exit program writes down
  // the directory fd names, in order.
  for (int fd : fds) syscall(SYS_unlinkat, fd, "", 0);
  __atomic_store_n(&bss->scope_learning, false, __ATOMIC_SEQ_CST);
  size_t learned = __atomic_load_n(&bss->scope_count, __ATOMIC_SEQ_CST);
  if (learned == fds.size()) {
    __atomic_add_fetch(&bss->scope_generation, 1, __ATOMIC_SEQ_CST);
    __atomic_store_n(&bss->scope_active, true, __ATOMIC_SEQ_CST);
  }
  return learned;
}

void DeletionPrograms::ForgetProcess(const process_key& key) {
  int error = bpf_map__delete_elem(skeleton_->maps.processes_reported, &key, sizeof(key), 0);
  if (error != 0 && error != -ENOENT) ThrowStepError(-error, "forgetting a process");
}
