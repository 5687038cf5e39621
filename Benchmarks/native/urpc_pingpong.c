/*
 * Native reference for the URPC cache-line protocol of Kernel/Urpc/UrpcChannel.cs, used to check the issue-2 target
 * "C# round trip within 20% of native C on the same two cores".
 *
 * The protocol is the same as the C# channel, line for line:
 *   - a ring of SLOTS 64-byte slots (default 16), 4096-byte aligned, zeroed;
 *   - slot = 7 payload words, then the header word (bits 63..8: 1-based sequence number, bits 7..0: type);
 *   - the sender writes the payload with plain stores, then the header with a release store;
 *   - the receiver polls the header of its next slot with an acquire load, then copies the payload;
 *   - lazy credit flow control: the receiver publishes its consumed count on a credit line it alone writes, every
 *     SLOTS/4 messages; the sender re-reads it only when its cached credit says the ring is full;
 *   - sender state, receiver state and the credit each sit in their own 128-byte block after the slots.
 * Two channels make a binding (A->B, B->A). The echo thread on core B answers every message with the same payload.
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
 * compiled in by build.sh from MARCH, and "compiler"), so that results are labelled with the build that made them.
 *
 * Usage: urpc_pingpong [-a coreA] [-b coreB] [-n samples] [-w warmup] [-s slots]
 */
#define _GNU_SOURCE
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

#define SEQ_MASK ((1ULL << 56) - 1)
#define HEADER_WORD 7
#define PADDED 128

enum { MSG_ECHO = 1, MSG_STAMP = 2, MSG_SINK = 3, MSG_STOP = 4 };

typedef struct {
    uint64_t *slots;        /* slots x 8 words */
    int64_t *sender_sent;   /* sender-private */
    int64_t *sender_credit; /* sender-private: last credit seen */
    int64_t *receiver_next; /* receiver-private */
    int64_t *credit;        /* receiver-written, sender-read */
    int64_t nslots, mask, ack_interval;
    void *block;
} channel_t;

static void channel_init(channel_t *c, int nslots)
{
    size_t bytes = (size_t)nslots * 64 + 4 * PADDED;
    size_t size = (bytes + 4095) & ~(size_t)4095;
    uint8_t *b = aligned_alloc(4096, size);
    if (!b) { perror("aligned_alloc"); exit(2); }
    memset(b, 0, size);
    c->block = b;
    c->slots = (uint64_t *)b;
    uint8_t *state = b + (size_t)nslots * 64;
    c->sender_sent = (int64_t *)state;
    c->sender_credit = (int64_t *)(state + 8);
    c->receiver_next = (int64_t *)(state + PADDED);
    c->credit = (int64_t *)(state + 2 * PADDED);
    c->nslots = nslots;
    c->mask = nslots - 1;
    c->ack_interval = nslots / 4 > 1 ? nslots / 4 : 1;
}

static inline __attribute__((always_inline)) int try_send(channel_t *c, uint8_t type, const uint64_t *p)
{
    int64_t sent = *c->sender_sent;
    if (sent - *c->sender_credit >= c->nslots) {
        int64_t credit = __atomic_load_n(c->credit, __ATOMIC_ACQUIRE);
        *c->sender_credit = credit;
        if (sent - credit >= c->nslots) return 0;
    }
    uint64_t *slot = c->slots + (sent & c->mask) * 8;
    slot[0] = p[0]; slot[1] = p[1]; slot[2] = p[2]; slot[3] = p[3]; slot[4] = p[4]; slot[5] = p[5]; slot[6] = p[6];
    __atomic_store_n(&slot[HEADER_WORD], ((((uint64_t)sent + 1) & SEQ_MASK) << 8) | type, __ATOMIC_RELEASE);
    *c->sender_sent = sent + 1;
    return 1;
}

static inline __attribute__((always_inline)) void send(channel_t *c, uint8_t type, const uint64_t *p)
{
    while (!try_send(c, type, p)) _mm_pause();
}

static inline __attribute__((always_inline)) int try_receive(channel_t *c, uint8_t *type, uint64_t *p)
{
    int64_t next = *c->receiver_next;
    uint64_t *slot = c->slots + (next & c->mask) * 8;
    uint64_t header = __atomic_load_n(&slot[HEADER_WORD], __ATOMIC_ACQUIRE);
    if ((header >> 8) != (((uint64_t)next + 1) & SEQ_MASK)) return 0;
    *type = (uint8_t)header;
    p[0] = slot[0]; p[1] = slot[1]; p[2] = slot[2]; p[3] = slot[3]; p[4] = slot[4]; p[5] = slot[5]; p[6] = slot[6];
    int64_t consumed = next + 1;
    *c->receiver_next = consumed;
    if ((consumed & (c->ack_interval - 1)) == 0) __atomic_store_n(c->credit, consumed, __ATOMIC_RELEASE);
    return 1;
}

static inline __attribute__((always_inline)) uint8_t receive(channel_t *c, uint64_t *p)
{
    uint8_t type;
    while (!try_receive(c, &type, p)) _mm_pause();
    return type;
}

static channel_t a_to_b, b_to_a;
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
        uint8_t type = receive(&a_to_b, p);
        switch (type) {
        case MSG_ECHO: send(&b_to_a, MSG_ECHO, p); break;
        case MSG_STAMP: { uint64_t now = __rdtsc(); p[0] = now - p[0]; send(&b_to_a, MSG_STAMP, p); break; }
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

int main(int argc, char **argv)
{
    int core_a = 0, slots = 16;
    long samples = 200000, warmup = 20000;
    core_b = 1;
    int opt;
    while ((opt = getopt(argc, argv, "a:b:n:w:s:")) != -1) {
        switch (opt) {
        case 'a': core_a = atoi(optarg); break;
        case 'b': core_b = atoi(optarg); break;
        case 'n': samples = atol(optarg); break;
        case 'w': warmup = atol(optarg); break;
        case 's': slots = atoi(optarg); break;
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
    channel_init(&a_to_b, slots);
    channel_init(&b_to_a, slots);
    pin(core_a);
    pthread_t t;
    pthread_create(&t, NULL, peer, NULL);

    uint64_t *rtt = malloc(sizeof(uint64_t) * samples);
    int64_t *oneway = malloc(sizeof(int64_t) * samples); /* signed: TSC skew could make a stamp difference negative */
    uint64_t p[7] = {0, 1, 2, 3, 4, 5, 6}, r[7];

    /* Round trip. */
    for (long i = 0; i < warmup + samples; i++) {
        p[0] = (uint64_t)i;
        uint64_t t0 = __rdtsc();
        send(&a_to_b, MSG_ECHO, p);
        receive(&b_to_a, r);
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
            send(&a_to_b, MSG_ECHO, p);
            receive(&b_to_a, r);
        }
        uint64_t t1 = __rdtsc();
        if (b >= 0) rtt_batch[b] = (double)(t1 - t0) / RTT_BATCH;
    }
    /* Stamped one-way A->B. */
    for (long i = 0; i < warmup + samples; i++) {
        p[0] = __rdtsc();
        send(&a_to_b, MSG_STAMP, p);
        receive(&b_to_a, r);
        if (i >= warmup) oneway[i - warmup] = (int64_t)r[0];
    }
    /* Pipelined throughput: batches of `batch` sink messages, closed by one echo so the batch has been consumed. */
    const long batch = 4096, reps = 64;
    double *tput = malloc(sizeof(double) * reps);
    for (long rep = -8; rep < reps; rep++) {
        uint64_t t0 = __rdtsc();
        for (long i = 0; i < batch; i++) { p[0] = (uint64_t)i; send(&a_to_b, MSG_SINK, p); }
        send(&a_to_b, MSG_ECHO, p);
        receive(&b_to_a, r);
        uint64_t t1 = __rdtsc();
        if (rep >= 0) tput[rep] = 1000.0 * batch / (double)(t1 - t0);
    }
    send(&a_to_b, MSG_STOP, p);
    pthread_join(t, NULL);

    qsort(rtt, samples, sizeof(uint64_t), cmp_u64);
    qsort(oneway, samples, sizeof(int64_t), cmp_i64);
    qsort(tput, reps, sizeof(double), cmp_double);
    qsort(rtt_batch, batches, sizeof(double), cmp_double);
    printf("march %s\n", REPRO_MARCH);
    printf("compiler gcc %s\n", __VERSION__);
    printf("cores %d,%d\n", core_a, core_b);
    printf("slots %d\n", slots);
    printf("samples %ld\n", samples);
    printf("rtt_median_cycles %lu\n", (unsigned long)pct(rtt, samples, 0.5));
    printf("rtt_p10_cycles %lu\n", (unsigned long)pct(rtt, samples, 0.1));
    printf("rtt_p90_cycles %lu\n", (unsigned long)pct(rtt, samples, 0.9));
    printf("rtt_batch_median_cycles %.1f\n", rtt_batch[batches / 2]);
    printf("oneway_median_cycles %ld\n", (long)oneway[samples / 2]);
    printf("throughput_msgs_per_kcycle %.3f\n", tput[reps / 2]);
    free(rtt); free(oneway); free(tput); free(rtt_batch);
    return 0;
}
