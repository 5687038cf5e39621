#!/bin/sh
# PID 1 of the emulated multi-socket guest (scripts/numa-vm). Mounts the basics, brings every CPU the host
# hot-plugged online, runs the check shipped on the suite disk (/dev/vdb: guest-check.sh + the suite's bundle),
# writes everything under /tmp/out as a tar stream onto the results disk (/dev/vdc) and powers off. No network.
# The root file system is mounted read-only; /tmp (and so the output) is a tmpfs.
mount -t proc proc /proc
mount -t sysfs sys /sys 2>/dev/null
mount -t devtmpfs dev /dev 2>/dev/null
mount -t tmpfs -o size=1536m tmp /tmp
mkdir -p /dev/shm && mount -t tmpfs shm /dev/shm
mkdir -p /tmp/out && mount -o ro /dev/vdb /suite
want=$(sed -n 's/.*numa_vm.cpus=\([0-9]*\).*/\1/p' /proc/cmdline)
echo "NUMA-VM: guest up with $(nproc) cpu(s), expecting ${want:-?}"
# The host hot-plugs the remaining CPUs one at a time (check.sh, "interleaved" topologies), each after the guest
# has reported the previous one, because Linux numbers hot-plugged CPUs in the order it sees them.
have() { ls -d /sys/devices/system/cpu/cpu[0-9]* | wc -l; }
echo "NUMA-VM-READY-FOR-CPUS $(have)"
i=0; last=$(have)
while [ -n "$want" ] && [ "$last" -lt "$want" ] && [ $i -lt 2400 ]; do
  sleep 0.25; i=$((i + 1))
  now=$(have); [ "$now" != "$last" ] && { last=$now; echo "NUMA-VM-CPUS $now"; }
done
for c in /sys/devices/system/cpu/cpu[0-9]*; do
  [ -f "$c/online" ] && [ "$(cat "$c/online")" = 0 ] && echo 1 > "$c/online"
done
echo "NUMA-VM: $(nproc) cpu(s) online"
sh /suite/guest-check.sh /tmp/out 2>&1 | tee /tmp/out/guest.log
tar cf /dev/vdc -C /tmp/out . && sync
echo "NUMA-VM-DONE"
echo o > /proc/sysrq-trigger
sleep 30
