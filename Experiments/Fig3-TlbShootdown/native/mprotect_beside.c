/* What a page-table change costs on one core depending on what another core is doing (the README's "overlapped
 * page-table changes"): two processes, pinned to cores A and B. Process A times mprotect(PROT_NONE) of one private
 * page (then restores it, untimed), N times; meanwhile process B
 *   spin:   polls in user space,
 *   sleep:  sleeps (usleep 1 ms at a time),
 *   same:   does the same as A, both starting each call together (a barrier in shared memory).
 * Prints the median, p10 and p90 in TSC cycles. shared[1]: A finished; shared[2]: a process failed (the other stops).
 *
 *   gcc -O2 -o mprotect_beside mprotect_beside.c && ./mprotect_beside spin 0 1
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include <x86intrin.h>

enum { N = 5000 };

static void pin(int cpu)
{
    cpu_set_t s;
    CPU_ZERO(&s);
    CPU_SET(cpu, &s);
    if (sched_setaffinity(0, sizeof s, &s) != 0) { perror("sched_setaffinity"); _exit(2); }
}

/* A core number, or exit 2 naming the bad argument (atoi would read "x" or "1a" as a core silently). */
static int core_arg(const char *text, const char *which)
{
    char *end;
    long v = strtol(text, &end, 10);
    if (*text == '\0' || *end != '\0' || v < 0 || v >= CPU_SETSIZE) {
        fprintf(stderr, "error: %s '%s': give a core number from 0 to %d\n", which, text, CPU_SETSIZE - 1);
        exit(2);
    }
    return (int)v;
}

static int cmp(const void *a, const void *b)
{
    unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc != 4 || (strcmp(argv[1], "spin") && strcmp(argv[1], "sleep") && strcmp(argv[1], "same"))) {
        fprintf(stderr, "usage: %s spin|sleep|same CORE_A CORE_B\n", argv[0]);
        return 2;
    }
    const char *mode = argv[1];
    int cores[2] = { core_arg(argv[2], "CORE_A"), core_arg(argv[3], "CORE_B") };
    volatile long *shared = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED) { perror("mmap"); return 1; }
    int same = strcmp(mode, "same") == 0, failed = 0;
    for (int p = 0; p < 2; p++) {
        pid_t child = fork();
        if (child < 0) { perror("fork"); shared[2] = 1; failed = 1; break; } /* a child already started sees the failure flag */
        if (child != 0) continue;
        pin(cores[p]);
        char *page = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (page == MAP_FAILED) { perror("mmap"); shared[2] = 1; _exit(1); }
        page[0] = 1;
        if (p == 1 && !same) {
            while (!shared[1] && !shared[2]) if (strcmp(mode, "sleep") == 0) usleep(1000);
            _exit(0);
        }
        static unsigned long t[N];
        for (int i = 0; i < N; i++) {
            if (same) {
                __atomic_add_fetch(&shared[0], 1, __ATOMIC_SEQ_CST);
                while (shared[0] < 2L * (i + 1)) if (shared[2]) _exit(1);
            }
            unsigned long t0 = __rdtsc();
            int failed = mprotect(page, 4096, PROT_NONE);
            unsigned long t1 = __rdtsc();
            t[i] = t1 - t0;
            if (failed || mprotect(page, 4096, PROT_READ | PROT_WRITE) != 0) { perror("mprotect"); shared[2] = 1; _exit(1); }
            page[0] = 2;
        }
        qsort(t, N, sizeof t[0], cmp);
        printf("%s: process on core %d: mprotect median %lu p10 %lu p90 %lu cycles\n", mode, cores[p], t[N / 2], t[N / 10], t[9 * N / 10]);
        fflush(stdout);
        shared[1] = 1;
        _exit(0);
    }
    /* A child that failed (could not pin, map or protect) releases its partner and makes the run fail. */
    int status;
    while (wait(&status) > 0)
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) { failed = 1; shared[2] = 1; }
    return failed;
}
