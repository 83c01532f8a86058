#!/bin/busybox sh
# /init of the kernel matrix's initramfs: mounts what the helper needs, runs
# the guest suite, and powers off, whatever the suite did. Its paths are
# those of ../guestLayout.ts (GUEST_SCRATCH, GUEST_SUITE).
/bin/busybox --install -s /bin
export PATH=/usr/bin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t tmpfs scratch /scratch
# Only the kernel's emergencies on the console: its messages would cut through the suite's records.
echo 1 > /proc/sys/kernel/printk
node /opt/syscall-trace/guest-suite.js
poweroff -f
