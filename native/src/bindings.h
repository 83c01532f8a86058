// What the binding files (addon.cc, deletion_programs_binding.cc,
// record_layout.cc) share: each turns one part of native/ into JavaScript.
#pragma once

#include <napi.h>

#include "system_error.h"

// A JavaScript Error with the message, `errno` and `code` ("EPERM") of `error`.
Napi::Error ToJsError(Napi::Env env, const SystemError& error);

// The DeletionPrograms class as JavaScript sees it.
Napi::Function DefineDeletionPrograms(Napi::Env env);

// Where each field of the records in bpf/deletions.h lies, and what its
// constants are, so that JavaScript decodes them without a second copy of
// the layout.
Napi::Object RecordLayout(Napi::Env env);

// SQLite's Database (and its statements) and sqliteVersion, added to `exports`.
Napi::Object DefineSqlite(Napi::Env env, Napi::Object exports);
