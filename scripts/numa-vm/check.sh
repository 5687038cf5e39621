#!/usr/bin/env bash
# The suite on an emulated multi-socket NUMA machine: boots the guest of build-image.sh under QEMU (TCG: software
# emulation, so every timing is meaningless, but the guest's Linux kernel shows a real multi-socket topology through
# sysfs and honours mbind/move_pages) once per topology of topologies.tsv, and runs guest-check.sh there: the
# suite's topology view, routing trees, URPC ring placement, per-package agreement message counts and
# run-all.sh --quick from the bundle. A check run by hand and before releases, not in .ci/run.
#
# Usage: scripts/numa-vm/check.sh [--bundle DIR] [--topology NAME]... [--timeout-min N] [--keep]
#   --bundle DIR      the suite as made by ./run-all.sh --bundle (default: made now into .numa-vm/bundle)
#   --topology NAME   one of topologies.tsv (repeatable; default: all of them)
#   --timeout-min N   wall-clock limit per topology, 5..120 (default 25); the guest is killed when it runs out
#   --keep            keep the per-topology disk images (default: removed after their results are read)
# Results: .numa-vm/results/<topology>/ (guest.log, checks.txt, the run folder); exit 0 only if every check of every
# topology passed, 1 if one failed, 2 on bad input. Needs root (build-image.sh). Ctrl-C kills the guest.
set -uo pipefail
caller=$PWD   # a relative --bundle is the caller's, not the repository root's
cd "$(dirname "$0")/../.."
here=scripts/numa-vm
cache=.numa-vm
bundle=""; topos=(); timeout_min=25; keep=0
usage() { echo "usage: scripts/numa-vm/check.sh [--bundle DIR] [--topology NAME]... [--timeout-min N] [--keep]" >&2; exit 2; }
known=$(grep -v '^#' "$here/topologies.tsv" | cut -f1 | tr '\n' ' ')
while [ $# -gt 0 ]; do
  case "$1" in
    --bundle) [ $# -ge 2 ] && [ -n "$2" ] || { echo "check.sh: --bundle needs a folder" >&2; usage; }
      case "$2" in /*) bundle=$2 ;; *) bundle=$caller/$2 ;; esac; shift ;;
    --topology) [ $# -ge 2 ] || { echo "check.sh: --topology needs a name (one of: $known)" >&2; usage; }
      grep -q "^$2	" "$here/topologies.tsv" || { echo "check.sh: --topology '$2' is unknown; allowed: $known" >&2; exit 2; }
      topos+=("$2"); shift ;;
    --timeout-min) [ $# -ge 2 ] || usage
      [[ "$2" =~ ^[0-9]+$ ]] && [ "$2" -ge 5 ] && [ "$2" -le 120 ] || { echo "check.sh: --timeout-min '$2' must be a whole number of minutes from 5 to 120" >&2; exit 2; }
      timeout_min=$2; shift ;;
    --keep) keep=1 ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "check.sh: unknown argument '$1'" >&2; usage ;;
  esac
  shift
done
[ ${#topos[@]} -eq 0 ] && read -r -a topos <<<"$known"
# A given bundle is checked now, not after the guest image is built (minutes).
[ -z "$bundle" ] || [ -x "$bundle/run-all.sh" ] || { echo "check.sh: --bundle '$bundle' holds no run-all.sh; make one with ./run-all.sh --bundle DIR" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "check.sh: needs root (the guest image is built with debootstrap); run: sudo $0" >&2; exit 2; }

t_all=$(date +%s)
"$here/build-image.sh" || exit 1
if [ -z "$bundle" ]; then
  bundle=$cache/bundle
  echo "numa-vm: making the bundle into $bundle (./run-all.sh --bundle)"
  rm -rf "$bundle"
  ./run-all.sh --bundle "$bundle" > "$cache/bundle.log" 2>&1 || { echo "numa-vm: ./run-all.sh --bundle failed, see $cache/bundle.log" >&2; exit 1; }
fi
[ -x "$bundle/run-all.sh" ] || { echo "check.sh: --bundle '$bundle' holds no run-all.sh; make one with ./run-all.sh --bundle DIR" >&2; exit 2; }

qemu_pid=""
cleanup() { [ -n "$qemu_pid" ] && kill -KILL -- "-$qemu_pid" 2>/dev/null; qemu_pid=""; }
trap 'cleanup; echo "numa-vm: interrupted, guest killed" >&2; exit 130' INT TERM
trap cleanup EXIT

# node_args SOCKETS DISTANCES: the -numa options, one node (1 GiB) per socket, and the SLIT.
node_args() {
  local sockets=$1 dist=$2 s d
  for ((s = 0; s < sockets; s++)); do
    printf -- '-object memory-backend-ram,size=1G,id=m%d -numa node,nodeid=%d,memdev=m%d -numa cpu,node-id=%d,socket-id=%d ' "$s" "$s" "$s" "$s" "$s"
  done
  IFS=';' read -r -a rows <<<"$dist"
  for ((s = 0; s < sockets; s++)); do
    IFS=',' read -r -a row <<<"${rows[$s]}"
    for ((d = s + 1; d < sockets; d++)); do printf -- '-numa dist,src=%d,dst=%d,val=%d ' "$s" "$d" "${row[$d]}"; done
  done
}

failed=0
for topo in "${topos[@]}"; do
  IFS=$'\t' read -r name sockets cores order dist desc < <(grep "^$topo	" "$here/topologies.tsv")
  n=$((sockets * cores))
  res=$cache/results/$name; rm -rf "$res"; mkdir -p "$res"
  work=$cache/work-$name; rm -rf "$work"; mkdir -p "$work/suite"
  echo "numa-vm: [$name] $desc: preparing the suite disk"
  cp -a "$bundle" "$work/suite/bundle"
  cp "$here/guest-check.sh" "$here/topologies.tsv" "$work/suite/"
  printf "name='%s'\nsockets='%s'\ncores='%s'\norder='%s'\ndistances='%s'\n" "$name" "$sockets" "$cores" "$order" "$dist" > "$work/suite/topology.env"
  truncate -s 3G "$work/suite.img"; mkfs.ext4 -q -F -d "$work/suite" "$work/suite.img"; rm -rf "$work/suite"
  truncate -s 1G "$work/out.img"
  cp --reflink=auto "$cache/root.img" "$work/root.img"
  if [ "$order" = interleaved ]; then smp="1,maxcpus=$n,sockets=$sockets,cores=$cores,threads=1"; else smp="$n,sockets=$sockets,cores=$cores,threads=1"; fi
  mon=$work/monitor.sock
  # shellcheck disable=SC2046
  setsid qemu-system-x86_64 -machine q35 -accel tcg,thread=multi -cpu max -m "$((sockets))G" -smp "$smp" \
    $(node_args "$sockets" "$dist") \
    -kernel "$cache/vmlinuz" -initrd "$cache/initrd.img" \
    -append "root=/dev/vda ro init=/numa-vm/init console=ttyS0 quiet panic=-1 numa_vm.cpus=$n" \
    -drive "file=$work/root.img,if=virtio,format=raw" -drive "file=$work/suite.img,if=virtio,format=raw" \
    -drive "file=$work/out.img,if=virtio,format=raw" \
    -nographic -nic none -no-reboot -monitor "unix:$mon,server,nowait" > "$res/console.log" 2>&1 &
  qemu_pid=$!
  plug=()   # CPUs to hot-plug, in order: socket 1 core 0, socket 0 core 1, socket 1 core 1, ...
  if [ "$order" = interleaved ]; then
    for ((c = 0; c < cores; c++)); do for ((s = 0; s < sockets; s++)); do
      [ $s -eq 0 ] && [ $c -eq 0 ] && continue
      plug+=("max-x86_64-cpu,id=hp$s-$c,socket-id=$s,core-id=$c,thread-id=0")
    done; done
  fi
  t0=$(date +%s); deadline=$((t0 + timeout_min * 60)); seen=0; plugged=0; timed_out=0
  echo "numa-vm: [$name] guest started (pid $qemu_pid), limit ${timeout_min} min"
  while kill -0 "$qemu_pid" 2>/dev/null; do
    if [ "$(date +%s)" -ge "$deadline" ]; then timed_out=1; cleanup; break; fi
    total=$(wc -l < "$res/console.log")
    if [ "$total" -gt "$seen" ]; then
      # progress: the guest's own markers and the check's step lines
      sed -n "$((seen + 1)),${total}p" "$res/console.log" | tr -d '\r' | grep -E '^(NUMA-VM|== |CHECK |PROGRESS |run-all:)' \
        | sed "s/^/numa-vm: [$name] $(printf '%4ds' $(( $(date +%s) - t0 ))) /"
      seen=$total
    fi
    if [ "$order" = interleaved ] && [ $plugged -lt ${#plug[@]} ] \
       && grep -qE "^NUMA-VM-(READY-FOR-CPUS|CPUS) $((plugged + 1))" "$res/console.log"; then
      # Hot-plug the next CPU once the guest has seen the previous one: Linux numbers hot-plugged CPUs in the
      # order it sees them, so alternating sockets here gives the interleaved numbering.
      echo "device_add ${plug[$plugged]}" | socat -t 2 - "UNIX-CONNECT:$mon" >> "$res/monitor.log" 2>&1
      plugged=$((plugged + 1))
    fi
    sleep 0.5
  done
  wait "$qemu_pid" 2>/dev/null; qemu_pid=""
  secs=$(( $(date +%s) - t0 ))
  tar xf "$work/out.img" -C "$res" 2>/dev/null
  if [ $timed_out -eq 1 ]; then
    echo "numa-vm: [$name] FAILED: the guest did not finish within ${timeout_min} min (killed); console: $res/console.log"
    failed=1
  elif [ ! -f "$res/checks.txt" ]; then
    echo "numa-vm: [$name] FAILED: the guest wrote no checks.txt (see $res/console.log)"; failed=1
  else
    p=$(grep -c '^PASS' "$res/checks.txt"); f=$(grep -c '^FAIL' "$res/checks.txt")
    echo "numa-vm: [$name] $p passed, $f failed in ${secs} s (details: $res/checks.txt)"
    grep '^FAIL' "$res/checks.txt" | sed "s/^/numa-vm: [$name]   /"
    [ "$f" -eq 0 ] && [ "$p" -gt 0 ] || failed=1
  fi
  [ $keep -eq 1 ] || rm -rf "$work"
done
echo "numa-vm: done in $(( $(date +%s) - t_all )) s; $([ $failed -eq 0 ] && echo 'every check passed' || echo 'some checks FAILED')"
exit $failed
