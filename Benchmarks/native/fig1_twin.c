/*
 * The C twin of the Fig 1 experiment (Experiments/Fig1-SharedState, paper Fig 3): the same workloads, message
 * protocol, memory layout and loops as the C# code, so that the fig1 program can run both on the same cores, one
 * after the other for every point, and report the C#/C ratio per point.
 *
 *   shm  k threads, one pinned to each given core, update the same n shared lines: one 64-bit counter at the start of
 *        each 64-byte line of a page-aligned block. Plain: one read-modify-write instruction per line (incq, no
 *        lock prefix, as the JIT emits for the C# loop; the paper's SHMn, racy by design: concurrent increments may
 *        be lost). Atomic (-a): one lock-prefixed add per line. Per repetition: barrier, warm-up updates, barrier, timed updates between two rdtsc. One sample = cycles
 *        per update of one thread in one repetition (ShmWorkload.cs).
 *   msg  the server thread on the first core owns the n lines (first touched on its core); one client thread on each
 *        other core, each with its own binding: two one-way rings of 16 slots laid out as Kernel/Urpc/UrpcRing.cs
 *        (urpc_ring.h)
 *        (64-byte slots, payload words 0..6, header word 7 = sequence << 8 | type; then sender, receiver and credit
 *        blocks of 128 bytes; lazy credit every slots/4 messages; each ring in its own zeroed mapping, first touched on
 *        its receiver's core: the ring into the server on the server's, the ring into a client on that client's). Request:
 *        type 40, w0 tag, w1 warm-up flag. Reply: type 41, w0 tag, w1 first line, w2 last line after the update.
 *        Client (RawUpdateClient.cs): per repetition a warm-up batch, then a timed batch of `iterations` requests,
 *        one in flight (or -W in flight), spinning on its reply ring with one pause after each empty poll; every
 *        reply is checked (ReplyCheck.cs). Server (RawUpdateServer.cs): rounds over the client rings, taking at most
 *        one request from each, applying it and replying, and one pause after a round that took nothing (without the
 *        pauses both loops' round trip depended on their code layout: README); one ordered rdtsc (rdtsc_ordered:
 *        lfence; rdtsc, CycleClock.NowOrdered) at the end of each round, after its pause if it took nothing (the wait
 *        is not the next round's cost); a round that took timed
 *        requests costs (its end - the previous round's end) / requests taken (ServerCostMeter.cs); one sample per
 *        `iterations` such requests.
 *        -k: the kernel's normal path instead of the raw loops (UpdateServer.cs, UpdateClient.cs, the CPU driver's
 *        round and Waitset.Poll): each participant is a dispatcher with a waitset (its receiving ring ends, each with
 *        a handler called through a function pointer, polled in rotating order, one message per ring per poll) and
 *        run / local-work upcalls through function pointers. Each core's loop is CpuDriverThread's round over its
 *        dispatcher table: the core's monitor (on the server's core also the memory server), idle and blocked while
 *        the experiment measures, with waitsets of idle rings, then the measuring dispatcher; a round polls each
 *        dispatcher that is not blocked (waitset, run upcall, and after a round that handled nothing the local-work
 *        question) and the blocked ones only when nothing was runnable in the last round, or on every 16th round once
 *        -s SLICE cycles (CpuDriverThread.BlockedVisitSlice, given by the fig1 program) have passed since the last
 *        such visit; with the C# round's bookkeeping (start upcalls due, the current dispatcher, retired checks). The server's handler applies the update and replies, its run upcall is the meter's round end;
 *        the client's handler checks the reply and sends the next request (or ends the batch and starts the next),
 *        its run upcall sends the first request.
 *
 * Output: "key value ..." lines: twin, march, compiler, mode, then sample lists (cycles, "%.3f") and "check ok" or
 * "check <what failed>". Exit 0 after a run (even one whose check failed: the caller reads "check"), 2 on bad
 * arguments, 1 when the machine refused (pinning, memory), a participant stalled for 60 s, or a message of an
 * unexpected type arrived (after printing "check <which>").
 *
 * Usage: fig1_twin shm -c CORES -l LINES -i ITERATIONS -r REPETITIONS -w WARMUP [-a]
 *        fig1_twin msg -c CORES -l LINES -i ITERATIONS -r REPETITIONS -w WARMUP [-W WINDOW] [-k]
 * CORES: a comma-separated list such as 0,1,2 (the first is the MSG server's).
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
#include <sys/mman.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>
#include <x86intrin.h>

#include "urpc_ring.h"

/* CycleClock.NowOrdered: the TSC read once every earlier load has completed (Linux's rdtsc_ordered), so that a round
   that took a request ends after the request's cache miss has been served (a plain rdtsc may be taken before it). */
static inline __attribute__((always_inline)) uint64_t rdtsc_ordered(void)
{
    _mm_lfence();
    return __rdtsc();
}

#ifndef REPRO_MARCH
#define REPRO_MARCH "unknown"
#endif

#define MAX_CORES 1024
#define WORDS_PER_LINE 8
#define PADDED 128
#define SLOTS 16
#define TYPE_REQUEST 40
#define TYPE_REPLY 41
#define STALL_SECONDS 60

/* ------------------------------------------------------------------------------------------- support */

static void die(const char *what)
{
    fprintf(stderr, "fig1_twin: %s\n", what);
    exit(1);
}

static void *block_alloc(size_t bytes)
{
    size_t size = (bytes + 4095) & ~(size_t)4095;
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) die("mmap failed");
    memset(p, 0, size); /* fault every page in now, on the calling thread's core (NativeBlock.Alloc) */
    return p;
}

static void pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0) {
        fprintf(stderr, "fig1_twin: cannot pin to core %d (sched_setaffinity: %s)\n", cpu, strerror(errno));
        exit(1);
    }
}

static long involuntary_switches(void)
{
    struct rusage u;
    return getrusage(RUSAGE_THREAD, &u) == 0 ? u.ru_nivcsw : -1;
}

static double now_seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

/* StallGuard.cs: an endless spin becomes an error; the clock is read every 65536 empty polls. The first check after
   progress arms the deadline; the poll counter is 64 bits wide so that it never comes back to that first check while
   the spin goes on (a 32-bit one would after 2^32 polls, under a minute, and re-arm the deadline for ever). */
typedef struct { unsigned long long spins; double deadline; } stall_guard;

static inline void guard_progress(stall_guard *g) { g->spins = 0; }

static inline void guard_spin(stall_guard *g, const char *waiting_for)
{
    if ((++g->spins & 0xFFFF) != 0) return;
    double now = now_seconds();
    if (g->spins == 0x10000 || g->deadline == 0) g->deadline = now + STALL_SECONDS;
    else if (now > g->deadline) {
        fprintf(stderr, "fig1_twin: no progress for %d s while waiting for %s\n", STALL_SECONDS, waiting_for);
        exit(1);
    }
}

/* SpinBarrier.cs: sense-reversing, arrival count and phase on their own 128-byte blocks; used between timed phases. */
typedef struct {
    _Alignas(PADDED) long arrived;
    _Alignas(PADDED) long phase;
    _Alignas(PADDED) int participants;
} spin_barrier;

static void barrier_wait(spin_barrier *b)
{
    long phase = __atomic_load_n(&b->phase, __ATOMIC_ACQUIRE);
    if (__atomic_add_fetch(&b->arrived, 1, __ATOMIC_SEQ_CST) == b->participants) {
        __atomic_store_n(&b->arrived, 0, __ATOMIC_RELAXED);
        __atomic_add_fetch(&b->phase, 1, __ATOMIC_SEQ_CST);
        return;
    }
    for (unsigned spins = 0; __atomic_load_n(&b->phase, __ATOMIC_ACQUIRE) == phase; spins++) {
        if (spins < 1000) _mm_pause();
        else sched_yield();
    }
}

static void print_samples(const char *key, const double *v, long n)
{
    printf("%s", key);
    for (long i = 0; i < n; i++) printf(" %.3f", v[i]);
    printf("\n");
}

static void print_flags(const char *key, const int *v, long n)
{
    printf("%s", key);
    for (long i = 0; i < n; i++) printf(" %d", v[i]);
    printf("\n");
}

/* ------------------------------------------------------------------------------------------- settings */

static int cores[MAX_CORES], ncores, nlines, window_size = 1, atomic_updates, kernel_path;
static long iterations, repetitions, warmup;

static int parse_cores(const char *text)
{
    int n = 0;
    const char *p = text;
    for (;;) {
        char *end;
        if (*p < '0' || *p > '9') return -1; /* strtol would take a sign or leading space; an empty entry ("0,,1", "0,1,") is none */
        long c = strtol(p, &end, 10);
        if (c >= 1 << 20 || n == MAX_CORES) return -1;
        cores[n++] = (int)c;
        if (*end == 0) return n;
        if (*end != ',') return -1;
        p = end + 1;
    }
}

/* An option's text as a whole decimal number, or -1 when it is not one (text after the digits, no digits, beyond
   INT_MAX): the range checks in main then refuse it, where atol would read "100x" as 100 and atoi "4294967298" as 2. */
static long whole_number(const char *text)
{
    char *end;
    errno = 0;
    long v = strtol(text, &end, 10);
    return errno || end == text || *end || v < 0 || v > INT_MAX ? -1 : v;
}

/* ------------------------------------------------------------------------------------------- shm */

static int64_t *shared_lines;
static spin_barrier shm_barrier;
static double *shm_samples;
static int *shm_disturbed;

/* One plain read-modify-write per line: the instruction the .NET JIT emits for the C# loop (inc qword ptr [line]),
   no lock prefix. Written as asm so that the C loop keeps the C# order (all n lines once, then again; gcc -O3 would
   otherwise unroll and jam the outer loop, incrementing each line twice in a row, which halves the line transfers
   when cores race) and the same instruction. The inner loops are the same four instructions (inc, add, cmp, branch)
   and start on a 32-byte boundary, as the JIT aligns the C# loops (gcc aligns to 16 by default); the outer loops
   differ by a compare and branch per update (the JIT tests for a first line on every update, gcc once before the
   loops) and by the padding each executes. In loops of one to six cycles an update (SHM1-SHM8 on one core, SHM1 and
   SHM2 on two) where the code falls in memory moves the time by up to 40 % in either language (Fig 1 README). */
static void __attribute__((noinline, optimize("align-loops=32"))) update_plain(int64_t *p, int lines, long updates)
{
    for (long i = 0; i < updates; i++)
        for (int j = 0; j < lines; j++)
            __asm__ volatile("incq %0" : "+m"(p[j * WORDS_PER_LINE]) : : "memory");
}

/* One atomic increment per line: lock inc qword ptr [line], what the JIT emits for Interlocked.Increment whose result
   is unused (gcc's __atomic_fetch_add gives lock add $1, the same operation in another encoding). */
static void __attribute__((noinline, optimize("align-loops=32"))) update_atomic(int64_t *p, int lines, long updates)
{
    for (long i = 0; i < updates; i++)
        for (int j = 0; j < lines; j++)
            __asm__ volatile("lock incq %0" : "+m"(p[j * WORDS_PER_LINE]) : : "memory");
}

static void *shm_thread(void *arg)
{
    int w = (int)(intptr_t)arg;
    pin(cores[w]);
    for (long r = 0; r < repetitions; r++) {
        barrier_wait(&shm_barrier);
        if (atomic_updates) update_atomic(shared_lines, nlines, warmup);
        else update_plain(shared_lines, nlines, warmup);
        barrier_wait(&shm_barrier);
        long switches = involuntary_switches();
        uint64_t t0 = __rdtsc();
        if (atomic_updates) update_atomic(shared_lines, nlines, iterations);
        else update_plain(shared_lines, nlines, iterations);
        uint64_t t1 = __rdtsc();
        shm_samples[w * repetitions + r] = (double)(t1 - t0) / iterations;
        shm_disturbed[w * repetitions + r] = involuntary_switches() != switches;
    }
    return NULL;
}

static int run_shm(void)
{
    pin(cores[0]);
    shared_lines = block_alloc((size_t)nlines * 64);
    shm_barrier.participants = ncores;
    shm_samples = calloc((size_t)ncores * repetitions, sizeof(double));
    shm_disturbed = calloc((size_t)ncores * repetitions, sizeof(int));
    if (!shm_samples || !shm_disturbed) die("out of memory");
    pthread_t t[MAX_CORES];
    for (int i = 0; i < ncores; i++)
        if (pthread_create(&t[i], NULL, shm_thread, (void *)(intptr_t)i) != 0) die("pthread_create failed");
    for (int i = 0; i < ncores; i++) pthread_join(t[i], NULL);

    long expected = (long)ncores * repetitions * (warmup + iterations);
    printf("mode %s\n", atomic_updates ? "shm-atomic" : "shm-plain");
    print_samples("cycles_per_update", shm_samples, (long)ncores * repetitions);
    print_flags("disturbed", shm_disturbed, (long)ncores * repetitions);
    printf("final_lines");
    for (int j = 0; j < nlines; j++) printf(" %lld", (long long)shared_lines[j * WORDS_PER_LINE]);
    printf("\nexpected %ld\n", expected);
    /* The check: exact where nothing can be lost (atomic, or one thread), else within [1, expected]. */
    int exact = atomic_updates || ncores == 1;
    for (int j = 0; j < nlines; j++) {
        int64_t v = shared_lines[j * WORDS_PER_LINE];
        if (exact ? v != expected : (v < 1 || v > expected)) {
            printf("check line %d holds %lld, expected %s%ld\n", j, (long long)v, exact ? "" : "at most ", expected);
            return 0;
        }
    }
    printf("check ok\n");
    return 0;
}

/* ------------------------------------------------------------------------------------------- msg */

/* One client: its rings and where it reports. The server reads the ring fields on every poll, so nothing the client
   writes while it runs lives here: its counters are locals of its thread (reply_check) until it finishes. */
typedef struct {
    _Alignas(PADDED) urpc_ring to_server;
    urpc_ring to_client;
    int core;
    double *cycles;   /* per repetition */
    int *disturbed;   /* per repetition */
    long replies;     /* written once, at the end */
    uint64_t value_sum;
    char failure[256];
} client_t;

static client_t *clients;
static int nclients;
static int64_t *server_lines;
static volatile int go;

/* ReplyCheck.cs: a client's running check of its replies, on its own thread's stack. */
typedef struct {
    uint64_t next_tag, last_value, value_sum;
    long replies;
    int core;
    char failure[256];
} reply_check;

static void __attribute__((noinline)) note_failure(reply_check *k, uint8_t type, const uint64_t *p)
{
    if (k->failure[0] == 0)
        snprintf(k->failure, sizeof k->failure, "client on core %d: reply type %u tag %llu (expected %llu), first line %llu, last line %llu, previous value %llu",
                 k->core, type, (unsigned long long)p[0], (unsigned long long)k->next_tag, (unsigned long long)p[1], (unsigned long long)p[2],
                 (unsigned long long)k->last_value);
}

static inline __attribute__((always_inline)) void check_reply(reply_check *k, uint8_t type, const uint64_t *p)
{
    if (type != TYPE_REPLY) { note_failure(k, type, p); return; }
    if (p[0] != k->next_tag || p[2] != p[1] || p[1] <= k->last_value) note_failure(k, type, p);
    k->next_tag++;
    k->last_value = p[1];
    k->value_sum += p[1];
    k->replies++;
}

static void __attribute__((noinline)) client_batch(client_t *c, reply_check *k, uint64_t *tag, long count, int warm)
{
    stall_guard g = {0, 0};
    long sent = 0, received = 0;
    uint64_t p[7];
    uint8_t type;
    while (received < count) {
        while (sent < count && sent - received < window_size) {
            uint64_t *slot = urpc_begin_send(&c->to_server);
            slot[0] = (*tag)++;
            slot[1] = warm ? 1 : 0;
            urpc_publish(&c->to_server, slot, TYPE_REQUEST);
            sent++;
        }
        if (urpc_try_receive(&c->to_client, &type, p)) {
            check_reply(k, type, p);
            received++;
            guard_progress(&g);
        } else { guard_spin(&g, "a reply from the server"); _mm_pause(); }
    }
}

static void *client_thread(void *arg)
{
    client_t *c = arg;
    pin(c->core);
    while (!go) _mm_pause();
    reply_check k;
    memset(&k, 0, sizeof k);
    k.core = c->core;
    uint64_t tag = 0;
    for (long r = 0; r < repetitions; r++) {
        client_batch(c, &k, &tag, warmup, 1);
        long switches = involuntary_switches();
        uint64_t t0 = __rdtsc();
        client_batch(c, &k, &tag, iterations, 0);
        uint64_t t1 = __rdtsc();
        c->cycles[r] = (double)(t1 - t0) / iterations;
        c->disturbed[r] = involuntary_switches() != switches;
    }
    c->replies = k.replies;
    c->value_sum = k.value_sum;
    memcpy(c->failure, k.failure, sizeof c->failure);
    return NULL;
}

/* UpdateServer.Apply: increment every line with plain scalar stores (only this core touches them). */
static inline __attribute__((always_inline)) uint64_t apply(int64_t *lines, int n)
{
    for (int j = 0; j < n; j++) {
        volatile int64_t *line = lines + j * WORDS_PER_LINE;
        *line = *line + 1;
    }
    return (uint64_t)lines[0];
}


/* ------------------------------------------------------------------------------------------- msg, kernel path */

/* Waitset.cs: receiving ring ends with their handlers, polled in rotating order, at most one message per ring, then
 * the other event sources (IEventSource: the monitor's agreement service), one event each. */
typedef void (*msg_handler)(void *owner, int from, uint8_t type, const uint64_t *p);
typedef struct { urpc_ring *ring; msg_handler handler; void *owner; int from; } ws_receiver;
typedef struct { int (*poll_once)(void *source); void *source; } ws_source;
typedef struct { ws_receiver *receivers; int n, start; ws_source *others; int nothers; } waitset;

static int __attribute__((noinline)) waitset_poll(waitset *ws)
{
    int n = ws->n, start = ws->start, handled = 0;
    uint64_t p[7];
    uint8_t type;
    for (int k = 0; k < n; k++) {
        int i = start + k;
        if (i >= n) i -= n;
        ws_receiver *r = &ws->receivers[i];
        if (!urpc_try_receive(r->ring, &type, p)) continue;
        handled++;
        r->handler(r->owner, r->from, type, p);
    }
    int next = start + 1 >= n ? 0 : start + 1;
    if (next != start) ws->start = next;
    for (int i = 0; i < ws->nothers; i++)
        if (ws->others[i].poll_once(ws->others[i].source)) handled++;
    return handled;
}

/* Dispatcher.cs: the upcalls a CPU driver makes, whether the driver last found it blocked, and its index in the
 * driver's table (TableIndex: -1 once an upcall has retired it; none does in this experiment). */
typedef struct dispatcher {
    waitset ws;
    int table_index;
    int (*run)(struct dispatcher *);
    int (*has_local_work)(struct dispatcher *);
    int blocked;
    volatile int done;
} dispatcher;

/* A core's other dispatchers (its monitor; on the server's core also the memory server): nothing is sent to them
 * while the experiment measures, so the driver finds them blocked and visits them only as CpuDriverThread does. Their
 * waitsets hold idle rings, as many as the C# ones have on two cores (monitor: the other monitor's, the host port,
 * the memory server's replies, the other core's broadcast; memory server: one per core's monitor), and the monitor's
 * also its agreement service's event source, whose poll finds its broadcast backlog empty
 * (AgreementService.PollOnce); a visit polls them and asks for local work. Not modelled: the C# sender's read of the
 * receiving core's notifier word after each publish (UrpcSender; a cache hit, about a cycle). */
static void idle_on_message(void *owner, int from, uint8_t type, const uint64_t *p)
{
    (void)owner; (void)p;
    printf("check an idle dispatcher got message type %u on ring %d\n", type, from);
    fflush(stdout);
    exit(1);
}
typedef struct { volatile int backlog; } agreement_source;
static int __attribute__((noinline)) agreement_poll_once(void *source) { return ((agreement_source *)source)->backlog > 0; }
static int idle_run(struct dispatcher *d) { (void)d; return 0; }
static int idle_has_local_work(struct dispatcher *d) { (void)d; return 0; }

static dispatcher *idle_dispatcher(int rings, int agreement)
{
    dispatcher *d = block_alloc(sizeof *d);
    ws_receiver *r = block_alloc(sizeof *r * (size_t)rings);
    for (int i = 0; i < rings; i++) {
        urpc_ring *ring = block_alloc(sizeof *ring);
        urpc_ring_alloc(ring, 16);
        r[i] = (ws_receiver){ ring, idle_on_message, d, i };
    }
    d->ws = (waitset){ r, rings, 0, NULL, 0 };
    if (agreement) {
        ws_source *src = block_alloc(sizeof *src);
        src->poll_once = agreement_poll_once;
        src->source = block_alloc(sizeof(agreement_source));
        d->ws.others = src;
        d->ws.nothers = 1;
    }
    d->run = idle_run;
    d->has_local_work = idle_has_local_work;
    d->blocked = 1;
    return d;
}

#define MONITOR_RINGS 4
#define MEMORY_SERVER_RINGS 2
#define BLOCKED_VISIT_INTERVAL 16 /* CpuDriverThread.BlockedVisitInterval */
static uint64_t slice_cycles;     /* CpuDriverThread.BlockedVisitSlice in TSC cycles (-s); 0: every interval-th round */

/* CpuDriverThread's core-local state: the dispatchers waiting for their start upcall (none while the experiment
 * measures: every one was started before the gate opened) and the index of the dispatcher being upcalled (-1
 * between visits). In memory of the core's own, as the C# driver's fields are. */
typedef struct { int starting; int current; } driver_state;

/* CpuDriverThread.Loop and RunRound over a core's dispatcher table, until `measured` is done: a round first makes the
 * start upcalls that are due, then visits every dispatcher that is not blocked, and the blocked ones too when no
 * dispatcher was runnable in the last round, or on a BLOCKED_VISIT_INTERVAL-th round once a slice has passed since
 * the last such visit (one rdtsc on those rounds). As in the C# round, a dispatcher retired by an earlier upcall
 * (table_index -1) gets no further upcall: checked before the visit and after its poll and its run upcall. */
static void __attribute__((noinline)) cpu_driver_loop(dispatcher **table, int n, dispatcher *measured)
{
    driver_state *state = block_alloc(sizeof *state);
    state->current = -1;
    for (int i = 0; i < n; i++) table[i]->table_index = i; /* adopted in this order */
    uint32_t round = 0;
    uint64_t last_slice_visit = 0;
    int runnable = 0;
    while (!measured->done) {
        while (state->starting > 0) die("a dispatcher to start while the experiment measures");
        int visit_blocked = !runnable;
        if (!visit_blocked && (++round & (BLOCKED_VISIT_INTERVAL - 1)) == 0) {
            uint64_t now = slice_cycles ? __rdtsc() : 0;
            if (!slice_cycles || now - last_slice_visit >= slice_cycles) { last_slice_visit = now; visit_blocked = 1; }
        }
        int any = 0;
        for (int i = 0; i < n; i++) {
            dispatcher *d = table[i];
            if (d->table_index < 0 || (d->blocked && !visit_blocked)) continue;
            state->current = d->table_index;
            int handled = waitset_poll(&d->ws) > 0;
            if (d->table_index < 0) continue;
            if (d->run(d)) handled = 1;
            if (d->table_index < 0) continue;
            int blocked = !handled && !d->has_local_work(d);
            if (d->blocked != blocked) d->blocked = blocked;
            any |= !blocked;
        }
        runnable = any;
        state->current = -1;
    }
}

/* UpdateServer.cs */
typedef struct {
    dispatcher d;          /* first: the upcalls get the dispatcher */
    int64_t *lines;
    int n;
    long served, expected, nsamples, batch_taken;
    int taken, timed;
    uint64_t value_sum, busy, last;
    double *samples;
    stall_guard guard;
} kernel_server;

static void __attribute__((noinline)) server_on_request(void *owner, int from, uint8_t type, const uint64_t *p)
{
    kernel_server *s = owner;
    if (type != TYPE_REQUEST) {
        printf("check server: unexpected message type %u from client %d\n", type, from);
        fflush(stdout);
        exit(1);
    }
    uint64_t tag = p[0];
    int warm = p[1] != 0;
    uint64_t value = apply(s->lines, s->n);
    urpc_ring *reply = &clients[from].to_client;
    uint64_t *slot = urpc_begin_send(reply);
    slot[0] = tag;
    slot[1] = value;
    slot[2] = (uint64_t)s->lines[(s->n - 1) * WORDS_PER_LINE];
    urpc_publish(reply, slot, TYPE_REPLY);
    s->value_sum += value;
    s->served++;
    s->taken++;
    if (!warm) s->timed++;
}

/* The run upcall: the end of a round for the server cost meter (ServerCostMeter.EndRound). */
static int __attribute__((noinline)) server_run(dispatcher *d)
{
    kernel_server *s = (kernel_server *)d;
    uint64_t now = rdtsc_ordered();
    if (s->timed > 0) {
        s->busy += now - s->last;
        s->batch_taken += s->taken;
        if (s->batch_taken >= iterations) {
            s->samples[s->nsamples++] = (double)s->busy / s->batch_taken;
            s->busy = 0;
            s->batch_taken = 0;
        }
    }
    s->last = now;
    if (s->taken > 0) guard_progress(&s->guard);
    s->taken = s->timed = 0;
    if (s->served >= s->expected) d->done = 1;
    return 0;
}

static int __attribute__((noinline)) server_has_local_work(dispatcher *d)
{
    guard_spin(&((kernel_server *)d)->guard, "client requests");
    return !d->done;
}

/* UpdateClient.cs */
typedef struct {
    dispatcher d;
    client_t *c;
    reply_check k;
    uint64_t tag, t0;
    long rep, count, sent, received, switches;
    int timed_batch, started;
    stall_guard guard;
} kernel_client;

static void client_end(kernel_client *kc);

static inline void client_send_one(kernel_client *kc)
{
    uint64_t *slot = urpc_begin_send(&kc->c->to_server);
    slot[0] = kc->tag++;
    slot[1] = kc->timed_batch ? 0 : 1;
    urpc_publish(&kc->c->to_server, slot, TYPE_REQUEST);
    kc->sent++;
}

static void client_begin(kernel_client *kc, int timed)
{
    kc->timed_batch = timed;
    kc->count = timed ? iterations : warmup;
    kc->sent = kc->received = 0;
    if (timed) {
        kc->switches = involuntary_switches();
        kc->t0 = __rdtsc();
    }
    if (kc->count == 0) { client_end(kc); return; }
    while (kc->sent < kc->count && kc->sent < window_size) client_send_one(kc);
}

static void client_end(kernel_client *kc)
{
    if (!kc->timed_batch) { client_begin(kc, 1); return; }
    uint64_t t1 = __rdtsc();
    kc->c->cycles[kc->rep] = (double)(t1 - kc->t0) / iterations;
    kc->c->disturbed[kc->rep] = involuntary_switches() != kc->switches;
    if (++kc->rep < repetitions) { client_begin(kc, 0); return; }
    kc->d.done = 1;
}

static void __attribute__((noinline)) client_on_reply(void *owner, int from, uint8_t type, const uint64_t *p)
{
    (void)from;
    kernel_client *kc = owner;
    check_reply(&kc->k, type, p);
    guard_progress(&kc->guard);
    if (++kc->received == kc->count) client_end(kc);
    else if (kc->sent < kc->count) client_send_one(kc);
}

static int __attribute__((noinline)) client_run(dispatcher *d)
{
    kernel_client *kc = (kernel_client *)d;
    if (kc->started) return 0;
    kc->started = 1;
    client_begin(kc, 0);
    return 1;
}

static int __attribute__((noinline)) client_has_local_work(dispatcher *d)
{
    guard_spin(&((kernel_client *)d)->guard, "a reply from the server");
    return !d->done;
}

static void *kernel_client_thread(void *arg)
{
    client_t *c = arg;
    pin(c->core);
    /* Allocated on its own core, like a dispatcher its core's monitor spawns. */
    kernel_client *kc = block_alloc(sizeof *kc);
    ws_receiver *r = block_alloc(sizeof *r);
    *r = (ws_receiver){ &c->to_client, client_on_reply, kc, 0 };
    kc->d.ws = (waitset){ r, 1, 0, NULL, 0 };
    kc->d.run = client_run;
    kc->d.has_local_work = client_has_local_work;
    kc->c = c;
    kc->k.core = c->core;
    dispatcher *table[2] = { idle_dispatcher(MONITOR_RINGS, 1), &kc->d }; /* the core's monitor first, as adopted at boot */
    while (!go) _mm_pause();
    cpu_driver_loop(table, 2, &kc->d);
    c->replies = kc->k.replies;
    c->value_sum = kc->k.value_sum;
    memcpy(c->failure, kc->k.failure, sizeof c->failure);
    return NULL;
}

/* The kernel-path server on the calling thread (pinned to the server's core). */
static long run_kernel_server(long expected, double *samples, uint64_t *value_sum, long *served)
{
    kernel_server *s = block_alloc(sizeof *s);
    ws_receiver *r = block_alloc(sizeof *r * (size_t)nclients);
    for (int i = 0; i < nclients; i++) r[i] = (ws_receiver){ &clients[i].to_server, server_on_request, s, i };
    s->d.ws = (waitset){ r, nclients, 0, NULL, 0 };
    s->d.run = server_run;
    s->d.has_local_work = server_has_local_work;
    s->lines = server_lines;
    s->n = nlines;
    s->expected = expected;
    s->samples = samples;
    dispatcher *table[3] = { idle_dispatcher(MONITOR_RINGS, 1), idle_dispatcher(MEMORY_SERVER_RINGS, 0), &s->d };
    go = 1;
    s->last = rdtsc_ordered();
    cpu_driver_loop(table, 3, &s->d);
    *value_sum = s->value_sum;
    *served = s->served;
    return s->nsamples;
}

static int run_msg(void)
{
    if (ncores < 2) { fprintf(stderr, "fig1_twin: msg needs at least two cores (a server and a client)\n"); return 2; }
    nclients = ncores - 1;
    /* Placement as the server's monitor binds (MonitorDispatcher.AllocateBinding): the server's lines and each ring into
       the server on the server's node, each ring into a client on that client's node (first touch from its core). */
    pin(cores[0]);
    server_lines = block_alloc((size_t)nlines * 64);
    clients = block_alloc(sizeof(client_t) * (size_t)nclients);
    for (int i = 0; i < nclients; i++) {
        client_t *c = &clients[i];
        urpc_ring_alloc(&c->to_server, SLOTS);
        pin(cores[i + 1]);
        urpc_ring_alloc(&c->to_client, SLOTS);
        pin(cores[0]);
        c->core = cores[i + 1];
        c->cycles = calloc((size_t)repetitions, sizeof(double));
        c->disturbed = calloc((size_t)repetitions, sizeof(int));
        if (!c->cycles || !c->disturbed) die("out of memory");
    }
    long expected = (long)nclients * repetitions * (warmup + iterations);
    double *server_samples = calloc((size_t)(expected / iterations + 1), sizeof(double));
    if (!server_samples) die("out of memory");
    pthread_t t[MAX_CORES];
    for (int i = 0; i < nclients; i++)
        if (pthread_create(&t[i], NULL, kernel_path ? kernel_client_thread : client_thread, &clients[i]) != 0) die("pthread_create failed");

    /* The server, on this thread. */
    long served = 0, nsamples = 0, batch_taken = 0;
    uint64_t value_sum = 0, busy = 0;
    uint64_t p[7];
    uint8_t type;
    char failure[256] = "";
    stall_guard g = {0, 0};
    long switches = involuntary_switches();
    if (kernel_path) {
        nsamples = run_kernel_server(expected, server_samples, &value_sum, &served);
    }
    go = 1;
    uint64_t last = rdtsc_ordered();
    while (served < expected) {
        int taken = 0, timed = 0;
        for (int i = 0; i < nclients; i++) {
            client_t *c = &clients[i];
            if (!urpc_try_receive(&c->to_server, &type, p)) continue;
            if (type != TYPE_REQUEST) {
                snprintf(failure, sizeof failure, "server: unexpected message type %u from client %d", type, i);
                printf("check %s\n", failure);
                fflush(stdout);
                exit(1);
            }
            uint64_t tag = p[0];
            int warm = p[1] != 0;
            uint64_t value = apply(server_lines, nlines);
            uint64_t *slot = urpc_begin_send(&c->to_client);
            slot[0] = tag;
            slot[1] = value;
            slot[2] = (uint64_t)server_lines[(nlines - 1) * WORDS_PER_LINE];
            urpc_publish(&c->to_client, slot, TYPE_REPLY);
            value_sum += value;
            taken++;
            if (!warm) timed++;
        }
        if (taken > 0) { served += taken; guard_progress(&g); }
        else { guard_spin(&g, "client requests"); _mm_pause(); }
        /* The round's end, after its pause if it took nothing: that wait is not the next round's cost. */
        uint64_t now = rdtsc_ordered();
        if (timed > 0) {
            busy += now - last;
            batch_taken += taken;
            if (batch_taken >= iterations) {
                server_samples[nsamples++] = (double)busy / batch_taken;
                busy = 0;
                batch_taken = 0;
            }
        }
        last = now;
    }
    long descheduled = involuntary_switches() - switches;
    for (int i = 0; i < nclients; i++) pthread_join(t[i], NULL);

    /* MsgWorkload.Verify */
    long replies = 0;
    uint64_t client_sum = 0;
    for (int i = 0; i < nclients; i++) {
        replies += clients[i].replies;
        client_sum += clients[i].value_sum;
        if (!failure[0] && clients[i].failure[0]) snprintf(failure, sizeof failure, "%s", clients[i].failure);
    }
    for (int j = 0; j < nlines && !failure[0]; j++)
        if (server_lines[j * WORDS_PER_LINE] != expected)
            snprintf(failure, sizeof failure, "server line %d holds %lld, expected %ld", j, (long long)server_lines[j * WORDS_PER_LINE], expected);
    /* 1 + ... + expected modulo 2^64, as the sums wrap: halve the even factor first (MsgWorkload.Triangle) */
    uint64_t triangle = expected % 2 == 0 ? (uint64_t)(expected / 2) * (uint64_t)(expected + 1) : (uint64_t)expected * (uint64_t)((expected + 1) / 2);
    if (!failure[0] && replies != expected) snprintf(failure, sizeof failure, "clients received %ld replies, expected %ld", replies, expected);
    if (!failure[0] && client_sum != value_sum)
        snprintf(failure, sizeof failure, "clients received reply values summing to %llu, the server sent %llu", (unsigned long long)client_sum, (unsigned long long)value_sum);
    if (!failure[0] && value_sum != triangle)
        snprintf(failure, sizeof failure, "reply values sum to %llu, expected 1+...+%ld = %llu", (unsigned long long)value_sum, expected, (unsigned long long)triangle);

    printf("mode %s\n", kernel_path ? "msg-kernel" : "msg");
    printf("window %d\n", window_size);
    if (kernel_path) printf("slice_cycles %llu\n", (unsigned long long)slice_cycles);
    printf("client_cycles_per_update");
    for (int i = 0; i < nclients; i++)
        for (long r = 0; r < repetitions; r++) printf(" %.3f", clients[i].cycles[r]);
    printf("\nclient_disturbed");
    for (int i = 0; i < nclients; i++)
        for (long r = 0; r < repetitions; r++) printf(" %d", clients[i].disturbed[r]);
    printf("\n");
    print_samples("server_cycles_per_update", server_samples, nsamples);
    printf("server_descheduled %ld\n", descheduled);
    printf("served %ld\nexpected %ld\n", served, expected);
    printf("check %s\n", failure[0] ? failure : "ok");
    return 0;
}

/* ------------------------------------------------------------------------------------------- main */

static int usage(const char *prog, const char *why)
{
    fprintf(stderr, "fig1_twin: %s\nusage: %s shm -c CORES -l LINES -i ITERATIONS -r REPETITIONS -w WARMUP [-a]\n"
                    "       %s msg -c CORES -l LINES -i ITERATIONS -r REPETITIONS -w WARMUP [-W WINDOW] [-k [-s SLICE]]\n"
                    "CORES: comma-separated, e.g. 0,1,2 (msg: the first is the server's); LINES 1..64; ITERATIONS 10..10^8;\n"
                    "REPETITIONS 1..10000; WARMUP 0..10^8; WINDOW 1..%d; -k: the kernel path (waitset, handler upcalls) instead of the raw loops;\n"
                    "SLICE: with -k, the CPU driver's blocked-visit slice in TSC cycles (default 0: every 16th round)\n", why, prog, prog, SLOTS - SLOTS / 4);
    return 2;
}

int main(int argc, char **argv)
{
    if (argc < 2) return usage(argv[0], "no mode given (shm or msg)");
    const char *mode = argv[1];
    int is_shm = strcmp(mode, "shm") == 0, is_msg = strcmp(mode, "msg") == 0;
    if (!is_shm && !is_msg) return usage(argv[0], "the mode must be shm or msg");
    int opt, has_slice = 0;
    optind = 2;
    ncores = 0; nlines = 0; iterations = 0; repetitions = 0; warmup = -1;
    while ((opt = getopt(argc, argv, "c:l:i:r:w:W:aks:")) != -1) {
        switch (opt) {
        case 'c': ncores = parse_cores(optarg); if (ncores < 1) return usage(argv[0], "-c: not a list of core numbers such as 0,1,2"); break;
        case 'l': nlines = (int)whole_number(optarg); break;
        case 'i': iterations = whole_number(optarg); break;
        case 'r': repetitions = whole_number(optarg); break;
        case 'w': warmup = whole_number(optarg); break;
        case 'W': window_size = (int)whole_number(optarg); break;
        case 'a': atomic_updates = 1; break;
        case 'k': kernel_path = 1; break;
        case 's': { char *end; errno = 0; unsigned long long v = strtoull(optarg, &end, 10);
                    if (errno || *end || end == optarg || v > 1000000000000ULL) return usage(argv[0], "-s must be 0..10^12 cycles");
                    slice_cycles = v; has_slice = 1; break; }
        default: return usage(argv[0], "unknown option");
        }
    }
    if (ncores < 1) return usage(argv[0], "-c is required");
    if (nlines < 1 || nlines > 64) return usage(argv[0], "-l must be 1..64");
    if (iterations < 10 || iterations > 100000000) return usage(argv[0], "-i must be 10..10^8");
    if (repetitions < 1 || repetitions > 10000) return usage(argv[0], "-r must be 1..10000");
    if (warmup < 0 || warmup > 100000000) return usage(argv[0], "-w must be 0..10^8");
    if (window_size < 1 || window_size > SLOTS - SLOTS / 4) return usage(argv[0], "-W is out of range");
    if (kernel_path && !is_msg) return usage(argv[0], "-k applies to msg only");
    if (has_slice && !kernel_path) return usage(argv[0], "-s applies to the kernel path (-k) only");
    if (atomic_updates && !is_shm) return usage(argv[0], "-a applies to shm only");
    for (int i = 0; i < ncores; i++)
        for (int j = 0; j < i; j++)
            if (cores[i] == cores[j]) return usage(argv[0], "-c names a core twice");
    printf("twin fig1\nmarch %s\ncompiler gcc %s\n", REPRO_MARCH, __VERSION__);
    printf("cores");
    for (int i = 0; i < ncores; i++) printf("%s%d", i ? "," : " ", cores[i]);
    printf("\nlines %d\niterations %ld\nrepetitions %ld\nwarmup %ld\n", nlines, iterations, repetitions, warmup);
    return is_shm ? run_shm() : run_msg();
}
