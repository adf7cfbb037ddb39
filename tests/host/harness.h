// Host test harness for kernel/vm: checks that abort the current test, the
// frame pool, whole-system frame audits, and introspection of the fake
// pmap. Tests are plain functions listed in main.c.
#ifndef HARNESS_H
#define HARNESS_H

#include "types.h"
#include "memlayout.h"
#include "vmstat.h"
#include "vm/vm.h"

// ---- failing a test: records the first reason and unwinds to the runner ----
void t_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 3, 4)));
void t_panic(const char *msg) __attribute__((noreturn));  // from panic()/assert()

#define CHECK(cond)                                   \
  do {                                                \
    if (!(cond))                                      \
      t_fail(__FILE__, __LINE__, "%s", #cond);        \
  } while (0)
#define CHECKF(cond, ...)                             \
  do {                                                \
    if (!(cond))                                      \
      t_fail(__FILE__, __LINE__, __VA_ARGS__);        \
  } while (0)
#define CHECK_EQ(a, b)                                                              \
  do {                                                                              \
    uint64 a_ = (uint64)(a), b_ = (uint64)(b);                                      \
    if (a_ != b_)                                                                   \
      t_fail(__FILE__, __LINE__, "%s is %#lx, expected %#lx (%s)", #a, a_, b_, #b); \
  } while (0)
#define CHECK_STR(a, b)                                                              \
  do {                                                                               \
    const char *a_ = (a), *b_ = (b);                                                 \
    if (a_ == 0 || strcmp(a_, b_) != 0)                                              \
      t_fail(__FILE__, __LINE__, "%s is \"%s\", expected \"%s\"", #a, a_ ? a_ : "(null)", b_); \
  } while (0)

// ---- fake pmap introspection (fake_pmap.c) ----
typedef void (*map_visit_fn)(uint64 va, uint64 pa, int prot, void *arg);
void fakepmap_visit(struct pmap *pm, map_visit_fn fn, void *arg);  // pm == 0: every live pmap
void fakepmap_visit_tables(void (*fn)(uint64 pa, void *arg), void *arg);  // all live
int fakepmap_live(void);        // pmaps initialized and not destroyed
uint64 fakepmap_flushes(void);  // pmap_flush_page calls so far

// ---- frames and audits (harness.c) ----
void arena_init(uint64 npages);  // once: frame_init over a malloc'd arena
uint64 frames_free(void);
struct vmstat vmstat_now(void);  // frame_stats + vm_fault_stats
void pool_drain(uint64 leave);   // the test holds frames until only `leave` are free
void pool_release(void);         // give them back
uint64 unaccounted(void);        // frames held by nobody the harness knows of
void check_frames(void);         // every refcount equals its holders exactly
void audit_baseline(void);       // accept the zero-page references lost so far
// aspace_check, plus: every mapping inside a region with a compatible prot,
// pm.resident exact, refcounts exact.
void check_as(struct aspace *as);

// ---- a process-shaped address space (like exec builds) ----
#define TEXT_START 0x1000UL
#define TEXT_END 0x3000UL
#define DATA_START 0x3000UL
#define DATA_END 0x5000UL
#define HEAP_START 0x5000UL
#define STACK_START ((uint64)(USTACKTOP - USTACKMAX))
#define STACK_END ((uint64)USTACKTOP)
struct aspace *as_process(void);  // text RX, data RW, empty heap, stack RW

// 1 and *pa/*prot if va is mapped in as (prot may be 0: not wanted).
int mapping(struct aspace *as, vaddr_t va, paddr_t *pa, int *prot);
uint8 *page_at(struct aspace *as, vaddr_t va);  // host pointer to the frame, or 0
// A user store: fault for write (must succeed) then fill the page with b.
void user_fill(struct aspace *as, vaddr_t va, uint8 b);
int page_is(const uint8 *p, uint8 b);  // every byte of the page equals b

// Snapshot of everything an operation that fails must leave alone.
struct as_snap {
  int nregion;
  struct region region[NREGION];
  vaddr_t heap_start, brk;
  uint64 resident;
};
void as_snap_take(struct aspace *as, struct as_snap *s);
void as_snap_same(struct aspace *as, struct as_snap *s);  // CHECK-fails on change

#endif
