/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Deletions and renames made through io_uring: IORING_OP_UNLINKAT requests,
 * files and AT_REMOVEDIR alike, and IORING_OP_RENAMEAT requests. Included by
 * deletions.bpf.c, whose build_deletion() and send_deletion(), and
 * renames.bpf.h's build_rename() and send_rename(), these programs share
 * with the syscalls'.
 *
 * Such a request makes no deletion syscall: the process (or its ring's SQ-poll
 * thread) submits it, an io-wq worker thread runs it, and its result comes
 * back as a completion entry. Two of io_uring's tracepoints see it:
 *   io_uring_submit_req, in the task that submitted it, once the request is
 *     prepared: the kernel has copied the path argument (struct filename) and
 *     still holds it, and the directory that holds the name still has it. The
 *     record is built here, in the submitter's context (its working directory,
 *     files, root and mount namespace, which io_uring's threads share), and
 *     kept by request until
 *   io_uring_complete, as the completion entry is posted: the result is put
 *     into the kept record, which is sent.
 * Raw tracepoints (args are the tracepoint's arguments, read through CO-RE),
 * so that attaching them again needs no capability, in either attach mode.
 *
 * A request is known to io_uring by its io_kiocb, whose memory is reused once
 * the request is done. A request that posts no completion entry (submitted
 * with IOSQE_CQE_SKIP_SUCCESS; or whose entry went to the
 * overflow list of a full completion queue) leaves nothing to wait for: the
 * first is sent at submission, and the second when its io_kiocb is submitted
 * again, both marked DELETION_RESULT_NOT_POSTED. (With
 * IOSQE_CQE_SKIP_SUCCESS the kernel's unlinkat posts no entry even when it
 * fails: it does not mark its request failed.)
 */
#ifndef SYSCALL_TRACE_IO_URING_REQUESTS_BPF_H
#define SYSCALL_TRACE_IO_URING_REQUESTS_BPF_H

/* include/uapi/linux/io_uring.h: part of the user-space interface, so fixed. */
#define IORING_OP_RENAMEAT 35
#define IORING_OP_UNLINKAT 36
#define IOSQE_CQE_SKIP_SUCCESS_BIT 6
/* io_uring/io_uring.h: a request's first flags mirror its IOSQE_* flags bit for bit. */
#define REQ_F_CQE_SKIP (1ULL << IOSQE_CQE_SKIP_SUCCESS_BIT)

/* Requests kept between submission and completion: io_uring_complete returns
 * at once while it is 0. Exact across attaches (the kept requests of an
 * earlier one are counted until their completion or their io_kiocb's reuse),
 * so user space never resets it. */
__u64 io_uring_unlinks_in_flight;

/* Set by user space before load, from the kernel's BTF: where the
 * submission's tracepoint puts the request (ctx->args[0] from Linux 5.18,
 * ctx->args[1], after the ring, before), and whether its completion cannot
 * name the request (before 5.18), so that each request is sent at its
 * submission with its result unknown. */
__u32 io_uring_submit_request_arg;
bool io_uring_results_unknown;

/* Kept by the request's address; a rename's destination record beside it,
 * at the address plus one (no request lies there: io_kiocbs are aligned).
 * Not preallocated: memory is taken only for requests in flight; a ring
 * with more in flight than this loses the rest to LOST_IN_FLIGHT, counted. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct record_in_progress); /* its generation: of the attach that saw it submitted */
} io_uring_unlinks SEC(".maps");

static __always_inline __u64 destination_key(__u64 request)
{
	return request + 1;
}

/* The kernel's copy of an unlink request's path argument. */
static __always_inline const char *unlink_path(struct io_unlink *unlink)
{
	if (bpf_core_field_exists(((struct io_unlink___delayed *)unlink)->filename))
		return BPF_CORE_READ((struct io_unlink___delayed *)unlink, filename.__incomplete_filename, name);
	return BPF_CORE_READ(unlink, filename, name);
}

/* The kernel's copies of a rename request's paths. */
static __always_inline const char *rename_old_path(struct io_rename *rename)
{
	if (bpf_core_field_exists(((struct io_rename___delayed *)rename)->oldpath))
		return BPF_CORE_READ((struct io_rename___delayed *)rename, oldpath.__incomplete_filename, name);
	return BPF_CORE_READ(rename, oldpath, name);
}

static __always_inline const char *rename_new_path(struct io_rename *rename)
{
	if (bpf_core_field_exists(((struct io_rename___delayed *)rename)->newpath))
		return BPF_CORE_READ((struct io_rename___delayed *)rename, newpath.__incomplete_filename, name);
	return BPF_CORE_READ(rename, newpath, name);
}

/*
 * Sends a kept request, with `result`: a rename's destination record first,
 * kept beside it, which the caller deletes with it. `destination` is NULL
 * for an unlink, or for a rename whose destination could not be kept.
 */
static __always_inline void send_kept(struct record_in_progress *kept, struct record_in_progress *destination,
				      long result)
{
	kept->record.result = result;
	if (!is_rename(kept->record.syscall)) {
		send_deletion(&kept->record);
		return;
	}
	if (destination) {
		destination->record.result = result;
		send_rename(&kept->record, &destination->record);
	} else {
		kept->record.rename |= RENAME_DESTINATION_LOST;
		if (!output_record(&kept->record))
			count_lost(LOST_DELETIONS);
	}
}

/* Sends a kept request that will never see its completion. */
static __always_inline void send_unposted(struct record_in_progress *kept, struct record_in_progress *destination)
{
	if (kept->generation != generation)
		return; /* submitted before a detach: its completion may have come unseen */
	kept->record.flags |= DELETION_RESULT_NOT_POSTED;
	send_kept(kept, destination, 0);
}

/* Forgets a kept rename's destination record. */
static __always_inline void forget_destination(__u64 request)
{
	__u64 key = destination_key(request);

	bpf_map_delete_elem(&io_uring_unlinks, &key);
}

/* The destination record kept beside a kept rename request, or NULL. */
static __always_inline struct record_in_progress *kept_destination(__u64 request)
{
	__u64 key = destination_key(request);

	return bpf_map_lookup_elem(&io_uring_unlinks, &key);
}

/* Sends and forgets a kept request whose io_kiocb is in use again. */
static __always_inline void forget_stale(__u64 request)
{
	struct record_in_progress *stale = bpf_map_lookup_elem(&io_uring_unlinks, &request);

	if (!stale)
		return;
	send_unposted(stale, kept_destination(request));
	forget_destination(request);
	if (!bpf_map_delete_elem(&io_uring_unlinks, &request))
		__sync_fetch_and_add(&io_uring_unlinks_in_flight, -1);
}

/*
 * The call an unlink or rename request makes, in the slot's call scratch:
 * its command lies at the start of the request (io_kiocb_to_cmd()). What a
 * rename's destination holds is read as its record is built (build_rename()).
 */
static __always_inline struct call_in_flight *request_call(struct io_kiocb *req, __u8 opcode)
{
	struct call_in_flight *call = call_in_slot(IO_URING_RECORD);

	if (!call)
		return NULL;
	call->start_ns = bpf_ktime_get_ns();
	call->abi = ABI_IO_URING;
	call->path_in_kernel = true;
	call->rename = 0;
	call->target = 0;
	if (opcode == IORING_OP_UNLINKAT) {
		struct io_unlink *unlink = (struct io_unlink *)req;

		call->path = (__u64)unlink_path(unlink);
		call->dirfd = BPF_CORE_READ(unlink, dfd);
		call->syscall = DELETION_UNLINKAT;
		call->directory = (BPF_CORE_READ(unlink, flags) & AT_REMOVEDIR) != 0;
		return call;
	}

	struct io_rename *rename = (struct io_rename *)req;

	call->path = (__u64)rename_old_path(rename);
	call->new_path = (__u64)rename_new_path(rename);
	call->dirfd = BPF_CORE_READ(rename, old_dfd);
	call->new_dirfd = BPF_CORE_READ(rename, new_dfd);
	call->syscall = DELETION_RENAMEAT;
	call->directory = false;
	call->rename = (__u32)BPF_CORE_READ(rename, flags) & RENAME_FLAGS;
	return call;
}

/*
 * Keeps the built request under `request` (and a rename's destination
 * beside it), for its completion. False where the map had no room.
 */
static __always_inline bool keep_request(__u64 request, struct record_in_progress *built,
					 struct record_in_progress *destination)
{
	if (bpf_map_update_elem(&io_uring_unlinks, &request, built, BPF_ANY))
		return false;
	if (is_rename(built->record.syscall)) {
		__u64 key = destination_key(request);

		/* Without it the rename is still reported, its destination unknown. */
		if (destination && bpf_map_update_elem(&io_uring_unlinks, &key, destination, BPF_ANY))
			forget_destination(request);
	}
	return true;
}

/* Keeps, or sends at once, the unlink or rename request `req` that the current task submits. */
static __always_inline void submit_request(struct io_kiocb *req)
{
	__u8 opcode = BPF_CORE_READ(req, opcode);

	/* The common path: a request of any other kind ends here, after a look
	 * for a kept request whose io_kiocb it now is, while any is kept. */
	if (opcode != IORING_OP_UNLINKAT && opcode != IORING_OP_RENAMEAT) {
		if (io_uring_unlinks_in_flight)
			forget_stale((__u64)req);
		return;
	}

	struct task_struct *task = current_task();
	struct call_in_flight *call = request_call(req, opcode);
	__u64 request = (__u64)req;
	struct record_in_progress *scratch = record_in_slot(IO_URING_RECORD);
	struct record_in_progress *destination = record_in_slot(IO_URING_DESTINATION_RECORD);
	struct process_key key = process_key_of(task);

	if (!call || !scratch || !destination)
		return;
	scratch->generation = generation;
	scratch->reserved = 0;
	destination->generation = generation;
	destination->reserved = 0;
	/* Not remembered by the task: the record waits for the request's
	 * completion, and may be lost then, after the task's next deletions. */
	bool out_of_scope;

	if (opcode == IORING_OP_RENAMEAT) {
		build_rename(IO_URING_RECORD, IO_URING_DESTINATION_RECORD, task, call, 0, &key, false);
		out_of_scope = rename_out_of_scope(&scratch->record, &destination->record);
	} else {
		build_deletion(IO_URING_RECORD, &scratch->record, task, call, call->path, call->dirfd, 0, &key, false,
			       false);
		out_of_scope = scratch->record.flags & DELETION_OUT_OF_SCOPE;
	}
	if (out_of_scope) {
		/* Neither kept nor sent, nor its process: counted as filtered now. */
		count_lost(FILTERED_OUT_OF_SCOPE);
		return;
	}
	report_process(task, &key);

	if (io_uring_results_unknown || (BPF_CORE_READ(req, flags) & REQ_F_CQE_SKIP)) {
		/* No completion will come that names it (skipped on success: the
		 * kernel's unlinkat does not mark a failed request as failed, so
		 * even a failure posts none), or none that could be told apart. */
		send_unposted(scratch, destination);
		return;
	}

	struct record_in_progress *stale = bpf_map_lookup_elem(&io_uring_unlinks, &request);

	if (stale) {
		/* This io_kiocb finished without a completion entry we saw: its
		 * place in the map (and in the count) passes to the new request. */
		send_unposted(stale, kept_destination(request));
		forget_destination(request);
	} else {
		__sync_fetch_and_add(&io_uring_unlinks_in_flight, 1);
	}
	if (!keep_request(request, scratch, destination)) {
		if (stale)
			bpf_map_delete_elem(&io_uring_unlinks, &request); /* already sent */
		__sync_fetch_and_add(&io_uring_unlinks_in_flight, -1);
		count_lost(LOST_IN_FLIGHT);
	}
}

/* Both are read, then one chosen: the verifier allows a raw tracepoint's
 * context only at constant offsets, which a chosen index would not be. */
static __always_inline struct io_kiocb *submitted_request(struct bpf_raw_tracepoint_args *ctx)
{
	__u64 first = ctx->args[0];
	__u64 second = ctx->args[1];

	barrier_var(first);
	barrier_var(second);
	return (struct io_kiocb *)(io_uring_submit_request_arg == 1 ? second : first);
}

/* raw_tp/io_uring_submit_req (Linux 6.4 and later): TP_PROTO(struct io_kiocb *req) */
SEC("raw_tp/io_uring_submit_req")
int uring_submit(struct bpf_raw_tracepoint_args *ctx)
{
	/* Its one argument: the kernel refuses to attach a program that reads
	 * past a raw tracepoint's arguments. */
	submit_request((struct io_kiocb *)ctx->args[0]);
	return 0;
}

/* raw_tp/io_uring_submit_sqe, its name before 6.4: the request first from
 * 5.18, after the ring before. User space loads whichever of the two the
 * kernel has. */
SEC("raw_tp/io_uring_submit_sqe")
int uring_submit_sqe(struct bpf_raw_tracepoint_args *ctx)
{
	submit_request(submitted_request(ctx));
	return 0;
}

/* raw_tp/io_uring_complete: TP_PROTO(struct io_ring_ctx *ctx, void *req, ...);
 * the request is the second argument in every version of it. */
SEC("raw_tp/io_uring_complete")
int uring_complete(struct bpf_raw_tracepoint_args *ctx)
{
	/* The common path: no unlink request is in flight anywhere. */
	if (!io_uring_unlinks_in_flight)
		return 0;

	__u64 request = ctx->args[1];
	struct record_in_progress *kept = bpf_map_lookup_elem(&io_uring_unlinks, &request);

	if (!kept)
		return 0;
	__sync_fetch_and_add(&io_uring_unlinks_in_flight, -1);

	/* The request's own copy of its completion (Linux 5.19 and later); the
	 * tracepoint's fourth argument before that. */
	long result = bpf_core_field_exists(((struct io_kiocb *)request)->cqe)
			      ? BPF_CORE_READ((struct io_kiocb *)request, cqe.res)
			      : (int)ctx->args[3];

	if (kept->generation == generation && (result >= 0 || report_failed))
		send_kept(kept, kept_destination(request), result);
	forget_destination(request);
	bpf_map_delete_elem(&io_uring_unlinks, &request);
	return 0;
}

#endif /* SYSCALL_TRACE_IO_URING_REQUESTS_BPF_H */
