/*
 * The URPC ring of Kernel/Urpc/UrpcRing.cs in C, shared by the native references (urpc_pingpong.c, fig1_twin.c,
 * urpc_loops.c). Frame layout, line for line as the C# ring:
 *   - SLOTS 64-byte slots (a power of two): payload words 0..6, then the header word (bits 63..8: 1-based sequence
 *     number, bits 7..0: type);
 *   - then four 128-byte blocks: the sender's (messages sent, last credit seen), the receiver's (messages consumed),
 *     the credit line (written by the receiver every SLOTS/4 messages), padding.
 * The sender writes the payload with plain stores, then the header with a release store; the receiver polls the
 * header of its next slot with an acquire load, then copies the payload. The sender re-reads the credit only when its
 * cached credit says the ring is full.
 */
#ifndef URPC_RING_H
#define URPC_RING_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <x86intrin.h>

#define URPC_SEQ_MASK ((1ULL << 56) - 1)
#define URPC_HEADER_WORD 7
#define URPC_PADDED 128

typedef struct {
    uint64_t *slots;               /* slots x 8 words */
    int64_t *sent, *cached_credit; /* sender block: sender-private */
    int64_t *next;                 /* receiver block: receiver-private */
    int64_t *credit;               /* credit block: receiver-written, sender-read */
    int64_t nslots, mask, ack_interval;
} urpc_ring;

/* Bytes a frame of `nslots` slots needs (UrpcRing.BytesFor). */
static inline size_t urpc_ring_bytes(int64_t nslots) { return (size_t)nslots * 64 + 4 * URPC_PADDED; }

/* The ends of a ring whose frame starts at `base` (zeroed, 64-byte aligned). */
static inline void urpc_ring_at(urpc_ring *r, void *base, int64_t nslots)
{
    uint8_t *b = base, *state = b + nslots * 64;
    r->slots = (uint64_t *)b;
    r->sent = (int64_t *)state;
    r->cached_credit = (int64_t *)(state + 8);
    r->next = (int64_t *)(state + URPC_PADDED);
    r->credit = (int64_t *)(state + 2 * URPC_PADDED);
    r->nslots = nslots;
    r->mask = nslots - 1;
    r->ack_interval = nslots / 4 > 1 ? nslots / 4 : 1;
}

/* A ring in its own zeroed anonymous mapping, every page touched by the calling thread (NativeBlock.Alloc). */
static inline void urpc_ring_alloc(urpc_ring *r, int64_t nslots)
{
    size_t size = (urpc_ring_bytes(nslots) + 4095) & ~(size_t)4095;
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) { perror("mmap"); exit(1); }
    memset(p, 0, size);
    urpc_ring_at(r, p, nslots);
}

/* UrpcSender.TrySend, in two steps so that a message writes only the words it sets: the slot to fill once the ring
   has room (spinning with pause while it is full), then the header. */
static inline __attribute__((always_inline)) uint64_t *urpc_begin_send(urpc_ring *r)
{
    for (;;) {
        int64_t sent = *r->sent;
        if (sent - *r->cached_credit < r->nslots) return r->slots + (sent & r->mask) * 8;
        int64_t credit = __atomic_load_n(r->credit, __ATOMIC_ACQUIRE);
        *r->cached_credit = credit;
        if (sent - credit < r->nslots) return r->slots + (sent & r->mask) * 8;
        _mm_pause();
    }
}

static inline __attribute__((always_inline)) void urpc_publish(urpc_ring *r, uint64_t *slot, uint8_t type)
{
    int64_t sent = *r->sent;
    __atomic_store_n(&slot[URPC_HEADER_WORD], ((((uint64_t)sent + 1) & URPC_SEQ_MASK) << 8) | type, __ATOMIC_RELEASE);
    *r->sent = sent + 1;
}

/* A whole 7-word message. */
static inline __attribute__((always_inline)) void urpc_send(urpc_ring *r, uint8_t type, const uint64_t *p)
{
    uint64_t *slot = urpc_begin_send(r);
    slot[0] = p[0]; slot[1] = p[1]; slot[2] = p[2]; slot[3] = p[3]; slot[4] = p[4]; slot[5] = p[5]; slot[6] = p[6];
    urpc_publish(r, slot, type);
}

/* UrpcReader.TryReceive: acquire-load the next slot's header; on the expected sequence copy the 7 words, consume,
   and publish the credit every ack_interval messages. */
static inline __attribute__((always_inline)) int urpc_try_receive(urpc_ring *r, uint8_t *type, uint64_t *p)
{
    int64_t next = *r->next;
    uint64_t *slot = r->slots + (next & r->mask) * 8;
    uint64_t header = __atomic_load_n(&slot[URPC_HEADER_WORD], __ATOMIC_ACQUIRE);
    if ((header >> 8) != (((uint64_t)next + 1) & URPC_SEQ_MASK)) return 0;
    *type = (uint8_t)header;
    p[0] = slot[0]; p[1] = slot[1]; p[2] = slot[2]; p[3] = slot[3]; p[4] = slot[4]; p[5] = slot[5]; p[6] = slot[6];
    int64_t consumed = next + 1;
    *r->next = consumed;
    if ((consumed & (r->ack_interval - 1)) == 0) __atomic_store_n(r->credit, consumed, __ATOMIC_RELEASE);
    return 1;
}

/* Waits for the next message, pausing between empty polls. */
static inline __attribute__((always_inline)) uint8_t urpc_receive(urpc_ring *r, uint64_t *p)
{
    uint8_t type;
    while (!urpc_try_receive(r, &type, p)) _mm_pause();
    return type;
}

#endif
