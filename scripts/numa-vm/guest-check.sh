#!/bin/sh
# Runs inside the emulated multi-socket guest (scripts/numa-vm/check.sh), from the suite disk mounted at /suite.
# Writes one line a check to OUT/checks.txt: "PASS name: detail" or "FAIL name: detail"; everything else to the log.
# Usage: guest-check.sh OUT
out=${1:?usage: guest-check.sh OUT}
mkdir -p "$out"
. /suite/topology.env   # name sockets cores order distances
checks=$out/checks.txt; : > "$checks"
pass() { echo "PASS $1: $2" >> "$checks"; echo "CHECK PASS $1: $2"; }
fail() { echo "FAIL $1: $2" >> "$checks"; echo "CHECK FAIL $1: $2"; }
n=$((sockets * cores))

echo "== 1. the emulated machine (sysfs as the guest kernel shows it)"
numactl -H > "$out/numactl.txt" 2>&1; cat "$out/numactl.txt"
online=$(nproc --all)
[ "$online" -eq "$n" ] && pass sysfs-cpus "$online cpus online" || fail sysfs-cpus "$online cpus online, expected $n"
# The CPUs of each socket, as the kernel numbers them.
want_pkgs=""; got_pkgs=""
for s in $(seq 0 $((sockets - 1))); do
  w=""; for c in $(seq 0 $((cores - 1))); do
    if [ "$order" = interleaved ]; then cpu=$((c * sockets + s)); else cpu=$((s * cores + c)); fi
    w="$w${w:+,}$cpu"
  done
  g=""; for d in /sys/devices/system/cpu/cpu[0-9]*; do
    [ "$(cat "$d/topology/physical_package_id")" = "$s" ] && g="$g${g:+ }${d##*/cpu}"
  done
  g=$(echo "$g" | tr ' ' '\n' | sort -n | paste -sd, -)
  want_pkgs="$want_pkgs${want_pkgs:+; }$w"; got_pkgs="$got_pkgs${got_pkgs:+; }$g"
done
[ "$want_pkgs" = "$got_pkgs" ] && pass sysfs-packages "cpus per socket: $got_pkgs" || fail sysfs-packages "cpus per socket: $got_pkgs, expected $want_pkgs"
got_dist=""; for s in $(seq 0 $((sockets - 1))); do
  got_dist="$got_dist${got_dist:+;}$(tr -s ' ' ',' < /sys/devices/system/node/node$s/distance | sed 's/^,//; s/,$//')"
done
[ "$got_dist" = "$distances" ] && pass sysfs-distances "SLIT $got_dist" || fail sysfs-distances "SLIT $got_dist, expected $distances"

echo "== 2. the suite's own checks (numa-check)"
bundle=/suite/bundle
if [ -x "$bundle/bin/numa-check" ]; then
  "$bundle/bin/numa-check" --sockets "$sockets" --cores-per-socket "$cores" --order "$order" --distances "$distances" \
    --checks "$checks" > "$out/numa-check.log" 2>&1
  rc=$?; cat "$out/numa-check.log"
  [ $rc -eq 0 ] || [ $rc -eq 1 ] || fail numa-check "exited $rc (see numa-check.log)"
else
  fail numa-check "the bundle has no numa-check program"
fi

echo "== 3. run-all.sh --quick --only fig1,fig3 from the bundle"
t0=$(date +%s)
"$bundle/run-all.sh" --quick --only fig1,fig3 --out "$out/run" > "$out/run-all.log" 2>&1
rc=$?
tail -5 "$out/run-all.log"
[ $rc -eq 0 ] && pass run-all "finished in $(( $(date +%s) - t0 )) s" || fail run-all "exit $rc after $(( $(date +%s) - t0 )) s (see run-all.log)"
[ -f "$out/run/report.html" ] && pass report "report.html written" || fail report "no report.html"
csv=$out/run/fig3-tlb/results.csv
if [ -f "$csv" ]; then
  # Fig 6: the four protocol series, each measured at the largest core count.
  got=0; for p in Broadcast Unicast Multicast "NUMA-aware multicast"; do grep -q "^fig3-tlb,$p,$n," "$csv" && got=$((got + 1)); done
  [ "$got" -eq 4 ] && pass fig6-series "four protocol series at $n cores in fig3-tlb/results.csv" \
    || fail fig6-series "$got of 4 protocol series at $n cores in fig3-tlb/results.csv"
else
  fail fig6-series "no fig3-tlb/results.csv"
fi
rm -rf "$out/run/"*/tmp-* 2>/dev/null
echo "== done"
