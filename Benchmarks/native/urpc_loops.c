/*
 * The native C loops of urpc_pingpong.c as a shared library, for `Benchmarks urpc-vs-native --mixed`: the C# process
 * allocates the two rings (Kernel/Urpc/UrpcRing.cs) and runs, on the same rings, the pinger of one implementation
 * against the echo of the other. The ring state lives in the ring's frame (urpc_ring.h), in C as in C#, so both
 * implementations can take turns on the same rings. The four pairings tell which side of a slower C# round trip costs
 * the cycles, and the C-with-C pairing inside the .NET process tells whether the process itself (its other threads,
 * its memory) costs anything against the stand-alone C program.
 */
#define _GNU_SOURCE
#include "urpc_ring.h"

#ifndef REPRO_MARCH
#define REPRO_MARCH "unknown"
#endif

/* The -march this library was built with (build.sh compiles it in). */
const char *urpc_loops_march(void) { return REPRO_MARCH; }

/* Core A: `count` round trips of a message of type `type` carrying its index in word 0, each checked on return;
   pauses between empty polls. Returns the cycles of the whole batch (one rdtsc pair), or 0 if an echo came back wrong. */
uint64_t urpc_c_round_trips(void *to_b, void *from_b, int64_t nslots, uint8_t type, int64_t count)
{
    urpc_ring to, from;
    urpc_ring_at(&to, to_b, nslots);
    urpc_ring_at(&from, from_b, nslots);
    uint64_t p[7] = {0, 1, 2, 3, 4, 5, 6}, r[7];
    int ok = 1;
    uint64_t t0 = __rdtsc();
    for (int64_t i = 0; i < count; i++) {
        p[0] = (uint64_t)i;
        urpc_send(&to, type, p);
        uint8_t t = urpc_receive(&from, r);
        ok &= t == type && r[0] == (uint64_t)i;
    }
    uint64_t t1 = __rdtsc();
    return ok ? t1 - t0 : 0;
}

/* Core B: answers `count` messages, each with the same message; pauses between empty polls. */
void urpc_c_echoes(void *to_a, void *from_a, int64_t nslots, int64_t count)
{
    urpc_ring to, from;
    urpc_ring_at(&to, to_a, nslots);
    urpc_ring_at(&from, from_a, nslots);
    uint64_t p[7];
    for (int64_t i = 0; i < count; i++) {
        uint8_t type = urpc_receive(&from, p);
        urpc_send(&to, type, p);
    }
}
