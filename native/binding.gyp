{
  "targets": [
    {
      "target_name": "syscall_trace",
      "sources": [
        "src/addon.cc",
        "src/deletion_programs.cc",
        "src/deletion_programs_binding.cc",
        "src/kernel_features.cc",
        "src/libbpf_errors.cc",
        "src/privileges.cc",
        "src/record_layout.cc",
        "src/record_queue.cc",
        "src/ring_buffer_drain.cc",
        "src/sqlite_binding.cc",
        "src/syscall_tracepoints.cc",
        "src/system_error.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "../bpf",
        "../build/bpf"
      ],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags_cc": ["-std=c++20", "-fexceptions", "-Wall", "-Wextra", "-Werror", "-Wno-missing-field-initializers"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "libraries": ["-lbpf", "-lsqlite3", "-Wl,-rpath,'$$ORIGIN'"]
    }
  ]
}
