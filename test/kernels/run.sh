#!/bin/bash
# Boots an older Debian kernel under qemu (TCG: no KVM needed) and runs one
# shell command in it, against this machine's own userland: the guest mounts
# the host's / read-only over virtio-9p (tmpfs on /tmp, /run, /root,
# /dev/shm), so it runs the host's node on this checkout's dist/ and
# build/Release/ringcore.node. The command runs as root in the current
# directory, after the guest's socket buffer limits (net.core.wmem_max,
# rmem_max) are set to the host's; this script exits with the command's exit
# status (124 if the guest did not finish within --timeout, 125 if it never
# reported one).
#
#   test/kernels/run.sh [--kernel 6.1|5.10] [--timeout SECONDS] [--mem MB] [--] COMMAND...
#   test/kernels/run.sh --kernel 5.10 -- node test/portable/smoke.mjs
#
# Needs qemu-system-x86_64 (apt-get install qemu-system-x86), cc with a
# static libc (libc6-dev) and node. Downloads the kernel package once from
# deb.debian.org (6.1: bookworm, 5.10: bullseye) into $RINGCORE_KERNELS_CACHE
# (default ~/.cache/ringcore-kernels).
set -euo pipefail

kernel=6.1
limit=1800
mem=4096
while [ $# -gt 0 ]; do
  case "$1" in
    --kernel) kernel=$2; shift 2 ;;
    --timeout) limit=$2; shift 2 ;;
    --mem) mem=$2; shift 2 ;;
    --) shift; break ;;
    *) break ;;
  esac
done
[ $# -gt 0 ] || { echo "usage: $0 [--kernel 6.1|5.10] [--timeout S] [--mem MB] [--] COMMAND..." >&2; exit 2; }
case "$kernel" in
  6.1) suite=bookworm ;;
  5.10) suite=bullseye ;;
  *) echo "run.sh: no Debian suite known for kernel $kernel (6.1 or 5.10)" >&2; exit 2 ;;
esac
command -v qemu-system-x86_64 >/dev/null || { echo "run.sh: qemu-system-x86_64 missing (apt-get install qemu-system-x86)" >&2; exit 2; }

here=$(cd "$(dirname "$0")" && pwd -P)
cache=${RINGCORE_KERNELS_CACHE:-$HOME/.cache/ringcore-kernels}
dir="$cache/$suite"
mkdir -p "$dir"

# The kernel: the newest linux-image-<kernel>.N-M-amd64-unsigned in the
# suite, fetched with a private apt state (the host's sources are untouched),
# unpacked, never installed.
if [ ! -e "$dir/vmlinuz" ]; then
  mkdir -p "$dir/apt/lists/partial" "$dir/apt/cache/archives/partial"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite main" >"$dir/apt/sources.list"
  apt_opts=(-o "Dir::Etc::SourceList=$dir/apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
    -o "Dir::State::Lists=$dir/apt/lists" -o "Dir::Cache=$dir/apt/cache" -o APT::Sandbox::User=root -o APT::Architectures=amd64)
  apt-get -q "${apt_opts[@]}" update >&2
  pkg=$(apt-cache "${apt_opts[@]}" search --names-only "^linux-image-${kernel//./\\.}\.[0-9]+-[0-9]+-amd64-unsigned\$" | cut -d' ' -f1 | sort -V | tail -1)
  [ -n "$pkg" ] || { echo "run.sh: no linux-image-$kernel.*-amd64-unsigned in $suite" >&2; exit 1; }
  echo "run.sh: fetching $pkg ($suite)" >&2
  (cd "$dir" && apt-get -q "${apt_opts[@]}" download "$pkg" >&2)
  rm -rf "$dir/root"
  dpkg-deb -x "$dir/${pkg}"_*.deb "$dir/root"
  rm -f "$dir/${pkg}"_*.deb
  ln -sfn "$(cd "$dir/root/boot" && ls vmlinuz-*)" "$dir/vmlinuz.name"
  ln -sfn "root/boot/$(readlink "$dir/vmlinuz.name")" "$dir/vmlinuz"
  rm -f "$dir/vmlinuz.name"
fi
modules=$(ls -d "$dir"/root/lib/modules/*)

# The initramfs: a static /init, /cmd (working directory, then the command),
# and the 9p modules. Rebuilt each run: it is small and /cmd changes.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -O2 -static -Wall -o "$work/init" "$here/init.c"
# The host's socket buffer limits go first: a fresh guest has the kernel's
# (208 KiB), which caps the SO_SNDBUF and SO_RCVBUF the tests ask for, and a
# write a smaller buffer cannot queue with no reader waits for ever.
limits=""
for name in net/core/wmem_max net/core/rmem_max; do
  limits+="echo $(cat /proc/sys/$name) >/proc/sys/$name; "
done
{ pwd -P; printf '%s%s\n' "$limits" "$*"; } >"$work/cmd"
node "$here/initramfs.mjs" "$modules" "$work/init" "$work/cmd" "$work/initrd" 2>/dev/null

# The serial console is the guest's stdout; the marker line carries the
# command's exit status out.
status=0
timeout "$limit" qemu-system-x86_64 -accel tcg,thread=multi -cpu max -smp 2 -m "$mem" \
  -nographic -no-reboot -nic none \
  -kernel "$dir/vmlinuz" -initrd "$work/initrd" \
  -append "console=ttyS0 quiet loglevel=3 panic=-1" \
  -fsdev local,id=host,path=/,security_model=none,readonly=on,multidevs=remap \
  -device virtio-9p-pci,fsdev=host,mount_tag=host </dev/null | tee "$work/console" | sed -u 's/\r$//; /^RINGCORE_GUEST_EXIT=/d' || status=$?
code=$(tr -d '\r' <"$work/console" | sed -n 's/^RINGCORE_GUEST_EXIT=\([0-9]*\)$/\1/p' | tail -1)
if [ -n "$code" ]; then
  echo "run.sh: guest ($(basename "$(readlink "$dir/vmlinuz")")) exit status $code" >&2
  exit "$code"
fi
[ "$status" = 124 ] && { echo "run.sh: guest timed out after ${limit}s" >&2; exit 124; }
echo "run.sh: guest gave no exit status (qemu status $status)" >&2
exit 125
