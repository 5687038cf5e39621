/*
 * Native reference for the URPC cache-line protocol of Kernel/Urpc/UrpcRing.cs (UrpcSender, UrpcReceiver), used by
 * `Benchmarks urpc-vs-native` to compare the C# round trip with native C on the same two cores.
 *
 * The protocol and frame layout are the C# ring's, line for line (urpc_ring.h): a ring of SLOTS 64-byte slots
 * (default 16), each ring in its own zeroed mapping first touched on core A (as the C# benchmark allocates); slot =
 * 7 payload words, then the header word (bits 63..8: 1-based sequence number, bits 7..0: type); payload with plain
 * stores, then the header with a release store; the receiver polls the header with an acquire load; lazy credit every
 * SLOTS/4 messages, re-read by the sender only when the ring looks full; sender state, receiver state and the credit
 * each in their own 128-byte block after the slots. Two rings make a binding (A->B, B->A). The echo thread on core B answers every message with the same payload.
 * Both sides poll with a pause instruction between empty polls, as the C# benchmark loop does.
 *
 * Phases (each after its own warm-up), all measured with rdtsc on core A:
 *   rtt:        ping-pong round trip, one rdtsc pair per round trip; prints the median (and p10/p90).
 *   rtt_batch:  the same ping-pong timed per batch of 64 round trips (one rdtsc pair per batch): the median of the
 *               batch means, free of the TSC's read granularity (coarse on some virtual machines).
 *   oneway:     the sender stamps its TSC into word 0; the echo thread replies with (its TSC - stamp): a direct
 *               A->B one-way latency (needs TSCs synchronised across cores: constant_tsc); prints the median.
 *   throughput: A streams messages into the ring while B consumes; messages per 1000 cycles (Table 2's unit),
 *               median over repetitions of a fixed batch.
 * Output: "key value" lines, parsed by `Benchmarks urpc-vs-native`; the first say how the binary was built ("march",
 * compiled in by build.sh from MARCH, "compiler", and "align_loops": gcc's -falign-loops, from ALIGN_LOOPS, or
 * "default"), so that results are labelled with the build that made them. `urpc-vs-native --layouts` runs builds that
 * differ only in loop alignment: the round trip of this same source can move with where its poll loops fall.
 *
 * Usage: urpc_pingpong [-a coreA] [-b coreB] [-n samples] [-w warmup] [-s slots]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <x86intrin.h>

#ifndef REPRO_MARCH
#define REPRO_MARCH "unknown"
#endif
#ifndef REPRO_ALIGN_LOOPS
#define REPRO_ALIGN_LOOPS "default"
#endif

#include "urpc_ring.h"

enum { MSG_ECHO = 1, MSG_STAMP = 2, MSG_SINK = 3, MSG_STOP = 4 };

static urpc_ring a_to_b, b_to_a;
static int core_b;

static void pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) {
        fprintf(stderr, "error: cannot pin to core %d (sched_setaffinity failed); use cores in this process's affinity mask\n", cpu);
        exit(2);
    }
}

/* Core B: answers ECHO with the same payload, STAMP with (now - stamp) in word 0, swallows SINK. */
static void *peer(void *arg)
{
    (void)arg;
    pin(core_b);
    uint64_t p[7];
    for (;;) {
        uint8_t type = urpc_receive(&a_to_b, p);
        switch (type) {
        case MSG_ECHO: urpc_send(&b_to_a, MSG_ECHO, p); break;
        case MSG_STAMP: { uint64_t now = __rdtsc(); p[0] = now - p[0]; urpc_send(&b_to_a, MSG_STAMP, p); break; }
        case MSG_SINK: break;
        case MSG_STOP: return NULL;
        }
    }
}

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

static int cmp_i64(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y;
    return a < b ? -1 : a > b;
}

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

static uint64_t pct(uint64_t *sorted, long n, double q) { return sorted[(long)(q * (n - 1))]; }

/* Medians of sorted samples as the C# side takes them (SampleSummary.MedianOfSorted): the middle value, or the mean of
   the two middle values of an even-sized sample. */
static double median_u64(const uint64_t *s, long n) { return n % 2 ? (double)s[n / 2] : 0.5 * ((double)s[n / 2 - 1] + (double)s[n / 2]); }
static double median_i64(const int64_t *s, long n) { return n % 2 ? (double)s[n / 2] : 0.5 * ((double)s[n / 2 - 1] + (double)s[n / 2]); }
static double median_double(const double *s, long n) { return n % 2 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2]); }

/* An option's text as a whole decimal number, or -1 when it is not one (text after the digits, no digits, beyond
   INT_MAX): the checks in main then refuse it, where atoi would read "1x" as core 1 and atol "2000x" as 2000. */
static long whole_number(const char *text)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    return errno || end == text || *end || v < 0 || v > INT_MAX ? -1 : v;
}

int main(int argc, char **argv)
{
    int core_a = 0, slots = 16;
    long samples = 200000, warmup = 20000;
    core_b = 1;
    int opt;
    while ((opt = getopt(argc, argv, "a:b:n:w:s:")) != -1) {
        switch (opt) {
        case 'a': core_a = (int)whole_number(optarg); if (core_a < 0) { fprintf(stderr, "error: -a %s: not a core number\n", optarg); return 2; } break;
        case 'b': core_b = (int)whole_number(optarg); if (core_b < 0) { fprintf(stderr, "error: -b %s: not a core number\n", optarg); return 2; } break;
        case 'n': samples = whole_number(optarg); break;
        case 'w': warmup = whole_number(optarg); break;
        case 's': slots = (int)whole_number(optarg); if (slots < 0) { fprintf(stderr, "error: -s %s: the ring size must be a power of two from 2 to 65536\n", optarg); return 2; } break;
        default:
            fprintf(stderr, "usage: %s [-a coreA] [-b coreB] [-n samples] [-w warmup] [-s slots (power of two, 2..65536)]\n", argv[0]);
            return 2;
        }
    }
    if (slots < 2 || slots > 65536 || (slots & (slots - 1)) != 0) {
        fprintf(stderr, "error: -s %d: the ring size must be a power of two from 2 to 65536\n", slots);
        return 2;
    }
    if (samples < 1 || warmup < 0) {
        fprintf(stderr, "error: -n must be >= 1 and -w >= 0\n");
        return 2;
    }
    if (core_a == core_b) {
        fprintf(stderr, "error: -a and -b name the same core %d; the ping-pong needs two different cores\n", core_a);
        return 2;
    }
    pin(core_a);
    urpc_ring_alloc(&a_to_b, slots); /* each ring in its own mapping, first touched on core a, as the C# benchmark does */
    urpc_ring_alloc(&b_to_a, slots);
    pthread_t t;
    pthread_create(&t, NULL, peer, NULL);

    uint64_t *rtt = malloc(sizeof(uint64_t) * samples);
    int64_t *oneway = malloc(sizeof(int64_t) * samples); /* signed: TSC skew could make a stamp difference negative */
    uint64_t p[7] = {0, 1, 2, 3, 4, 5, 6}, r[7];

    /* Round trip. */
    for (long i = 0; i < warmup + samples; i++) {
        p[0] = (uint64_t)i;
        uint64_t t0 = __rdtsc();
        urpc_send(&a_to_b, MSG_ECHO, p);
        urpc_receive(&b_to_a, r);
        uint64_t t1 = __rdtsc();
        if (r[0] != (uint64_t)i) { fprintf(stderr, "error: echo payload mismatch at %ld\n", i); return 1; }
        if (i >= warmup) rtt[i - warmup] = t1 - t0;
    }
    /* Round trip, timed per batch of RTT_BATCH. */
    const long RTT_BATCH = 64, batches = samples / RTT_BATCH > 0 ? samples / RTT_BATCH : 1;
    double *rtt_batch = malloc(sizeof(double) * batches);
    for (long b = -(warmup / RTT_BATCH); b < batches; b++) {
        uint64_t t0 = __rdtsc();
        for (long i = 0; i < RTT_BATCH; i++) {
            p[0] = (uint64_t)i;
            urpc_send(&a_to_b, MSG_ECHO, p);
            urpc_receive(&b_to_a, r);
        }
        uint64_t t1 = __rdtsc();
        if (b >= 0) rtt_batch[b] = (double)(t1 - t0) / RTT_BATCH;
    }
    /* Stamped one-way A->B. */
    for (long i = 0; i < warmup + samples; i++) {
        p[0] = __rdtsc();
        urpc_send(&a_to_b, MSG_STAMP, p);
        urpc_receive(&b_to_a, r);
        if (i >= warmup) oneway[i - warmup] = (int64_t)r[0];
    }
    /* Pipelined throughput: batches of `batch` sink messages, closed by one echo so the batch has been consumed. */
    const long batch = 4096, reps = 64;
    double *tput = malloc(sizeof(double) * reps);
    for (long rep = -8; rep < reps; rep++) {
        uint64_t t0 = __rdtsc();
        for (long i = 0; i < batch; i++) { p[0] = (uint64_t)i; urpc_send(&a_to_b, MSG_SINK, p); }
        urpc_send(&a_to_b, MSG_ECHO, p);
        urpc_receive(&b_to_a, r);
        uint64_t t1 = __rdtsc();
        if (rep >= 0) tput[rep] = 1000.0 * batch / (double)(t1 - t0);
    }
    urpc_send(&a_to_b, MSG_STOP, p);
    pthread_join(t, NULL);

    qsort(rtt, samples, sizeof(uint64_t), cmp_u64);
    qsort(oneway, samples, sizeof(int64_t), cmp_i64);
    qsort(tput, reps, sizeof(double), cmp_double);
    qsort(rtt_batch, batches, sizeof(double), cmp_double);
    printf("march %s\n", REPRO_MARCH);
    printf("compiler gcc %s\n", __VERSION__);
    printf("align_loops %s\n", REPRO_ALIGN_LOOPS);
    printf("cores %d,%d\n", core_a, core_b);
    printf("slots %d\n", slots);
    printf("samples %ld\n", samples);
    printf("rtt_median_cycles %.1f\n", median_u64(rtt, samples));
    printf("rtt_p10_cycles %lu\n", (unsigned long)pct(rtt, samples, 0.1));
    printf("rtt_p90_cycles %lu\n", (unsigned long)pct(rtt, samples, 0.9));
    printf("rtt_batch_median_cycles %.1f\n", median_double(rtt_batch, batches));
    printf("oneway_median_cycles %.1f\n", median_i64(oneway, samples));
    printf("throughput_msgs_per_kcycle %.3f\n", median_double(tput, reps));
    free(rtt); free(oneway); free(tput); free(rtt_batch);
    return 0;
}
