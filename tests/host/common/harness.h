// Host test harness shared by both binaries (vmtest: fake pmap, pmaptest:
// real Sv39 pmap.c): checks that abort the current test, the frame pool,
// whole-system frame audits over each binary's census, helpers that play
// the user program, and the seeded PRNG of the random tests.
#ifndef HARNESS_H
#define HARNESS_H

#include "types.h"
#include "memlayout.h"
#include "vmstat.h"
#include "vm/vm.h"

// ---- failing a test: records the first reason and unwinds to the runner ----
#include "unwind.h"      // t_fail, t_panic (from panic()/assert())
void stubs_reset(void);  // after a panic unwound a test: forget the locks it held

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond))                                                                                   \
      t_fail(__FILE__, __LINE__, "%s", #cond);                                                     \
  } while (0)
#define CHECKF(cond, ...)                                                                          \
  do {                                                                                             \
    if (!(cond))                                                                                   \
      t_fail(__FILE__, __LINE__, __VA_ARGS__);                                                     \
  } while (0)
#define CHECK_EQ(a, b)                                                                             \
  do {                                                                                             \
    uint64 a_ = (uint64)(a), b_ = (uint64)(b);                                                     \
    if (a_ != b_)                                                                                  \
      t_fail(__FILE__, __LINE__, "%s is %#lx, expected %#lx (%s)", #a, a_, b_, #b);                \
  } while (0)
#define CHECK_STR(a, b)                                                                            \
  do {                                                                                             \
    const char *a_ = (a), *b_ = (b);                                                               \
    if (a_ == 0 || strcmp(a_, b_) != 0)                                                            \
      t_fail(__FILE__, __LINE__, "%s is \"%s\", expected \"%s\"", #a, a_ ? a_ : "(null)", b_);     \
  } while (0)

// ---- the test table: each binary's suite.c lists its tests (runner.c runs them) ----
struct test {
  const char *name;
  void (*fn)(void);
};
#define TEST_DECLARE(name) void test_##name(void);
#define TEST_ENTRY(name) {#name, test_##name},
extern const struct test suite_tests[];
extern const uint suite_ntests;
extern const uint64 suite_arena_pages;  // fake RAM for frame_init
// Defines the three above from an X-macro list of test names.
#define SUITE(list, npages)                                                                        \
  list(TEST_DECLARE) const struct test suite_tests[] = {list(TEST_ENTRY)};                         \
  const uint suite_ntests = NELEM(suite_tests);                                                    \
  const uint64 suite_arena_pages = (npages)

// ---- what each binary's audit provides (audit.c / real/raudit.c) ----
// A recount, from scratch, of who holds which frame in every live page table.
struct census {
  uint64 tables;         // distinct table frames (roots included)
  uint64 held;           // other frames held: aspace structures, distinct data frames
  uint64 zmaps;          // zero-page mappings
  uint64 shared_frames;  // over data frames: holders beyond the first
  uint64 shared_pages;   // over pages of shared leaf tables: tables beyond the first
  uint64 slots;          // distinct swap slots held by swap entries
  uint64 swapped;        // swap entries over all page tables (sharers of a table each)
  char bad[256];         // the first inconsistency found, or ""
};
void census_take(struct census *c);
// For the censuses: one holder (a distinct leaf table, or a fake pmap's
// entry) of slot s found; census_slots_end then checks every slot's count
// equals its holders.
void census_slot(struct census *c, swapslot_t s);
void census_slots_end(struct census *c);
#define HOST_SWAP_SLOTS 2048  // the fake swap disk's slots
int census_live(void);        // page tables initialized and not destroyed
// The first inconsistency wins; later calls are ignored.
void census_bad(struct census *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

// What check_as learns from each mapping of the address space it audits.
struct within {
  struct aspace *as;
  uint64 n;         // mappings seen
  const char *bad;  // first problem found, or 0
  uint64 badva;
};
// One mapping of w->as (prot is PROT_* | PMAP_COW): inside a region that allows it.
void within_check(struct within *w, uint64 va, uint64 pa, int prot);
void census_as(struct aspace *as, struct within *w);  // within_check on each mapping

// ---- frames and audits (harness.c) ----
void arena_init(uint64 npages);  // once: frame_init over a malloc'd arena
uint64 arena_npages(void);
int arena_holds(void *p);  // p points into the fake RAM
uint64 frames_free(void);
void harness_reset_swap(void);   // no slot held (after a failed test): a fresh slot table
struct vmstat vmstat_now(void);  // frame_stats + vm_fault_stats
void pool_drain(uint64 leave);   // the test holds frames until only `leave` are free
void pool_release(void);         // give them back
uint64 unaccounted(void);        // frames held by nobody the harness knows of
void check_frames(void);         // every count equals its holders exactly
void audit_baseline(void);       // accept the zero-page references lost so far
// aspace_check, plus: every mapping inside a region with a compatible prot,
// pm.resident exact, counts exact.
void check_as(struct aspace *as);

// ---- a process-shaped address space (like exec builds) ----
#define P(n) ((uint64)(n)*PGSIZE)
#define RW (PROT_READ | PROT_WRITE)
#define RX (PROT_READ | PROT_EXEC)
#define COW_RO (PROT_READ | PMAP_COW)
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
paddr_t pa_of(struct aspace *as, vaddr_t va);   // CHECK-fails if unmapped
int prot_of(struct aspace *as, vaddr_t va);     // CHECK-fails if unmapped
uint8 *page_at(struct aspace *as, vaddr_t va);  // host pointer to the frame, or 0
// A user store: fault for write (must succeed) then fill the page with b.
void user_fill(struct aspace *as, vaddr_t va, uint8 b);
int page_is(const uint8 *p, uint8 b);  // every byte of the page equals b

// The region holding va (takes and drops as->lock), or 0.
struct region *find_region(struct aspace *as, vaddr_t va);

// ---- fake backing objects (common/fakeobj.c) ----
// A vmobj whose references the audit checks exactly: refs must equal the
// test's own (fakeobj_new gives it one) plus one per region naming it.
#define FAKEOBJ_PAGES 16  // fake file size in pages (vmobj_page_ex): fakeobj_new's, the most
struct vmobj *fakeobj_new(void);
void fakeobj_release(struct vmobj *o);            // the test drops its own reference
struct vmobj *fakeobj_file(uint64 size);          // a file of size bytes (see fakeobj_byte)
uint8 fakeobj_byte(struct vmobj *o, uint64 off);  // the file's byte at off
uint64 fakeobj_dirty(struct vmobj *o);            // bit per dirty page
int fakeobj_writebacks(struct vmobj *o);          // pages written back so far
int fakeobj_holds(paddr_t pa);                    // 1 if pa is a cached page of a live object
uint64 fakeobj_npages(void);                      // cached pages of all live objects
int fakeobj_refs(struct vmobj *o);
void fakeobj_truncate(struct vmobj *o, uint64 size);  // the cache drops pages past size
int fakeobj_drop(struct vmobj *o, uint64 pgoff);      // page out of the cache if unmapped: 1
paddr_t fakeobj_page(struct vmobj *o, uint64 pgoff);  // the cached frame, or 0
uint64 fakeobj_size(struct vmobj *o);
void fakeobj_set_size(struct vmobj *o, uint64 size);  // the file grows back (no pages cached)
int fakeobj_live(void);  // objects not yet freed (the last vmobj_put frees)
// Every live aspace: each binary's census knows its page tables.
void census_each_as(void (*fn)(struct aspace *as, void *arg), void *arg);
void check_objects(void);  // every live object's count equals its holders

// Snapshot of everything an operation that fails must leave alone.
struct as_snap {
  int nregion;
  struct region region[NREGION];
  vaddr_t heap_start, brk;
  uint64 resident;
};
void as_snap_take(struct aspace *as, struct as_snap *s);
void as_snap_same(struct aspace *as, struct as_snap *s);  // CHECK-fails on change

// ---- the fake swap disk (common/fakedisk.c): virtio disk 1 in host memory ----
// Sized in 512-byte sectors (swap_init makes a slot of each 8); pages never
// written read as zeros. Requests must be whole, page-aligned pages.
void fakedisk_reset(uint64 sectors);  // empty, with this capacity (0: no swap disk)
void fakedisk_fail(int n);            // the next n requests fail (-1, nothing moved)
void fakedisk_corrupt(int n);         // the next n reads return a page with one bit flipped
uint64 fakedisk_reads(void);          // requests served since the reset
uint64 fakedisk_writes(void);
uint64 fakedisk_batches(void);        // virtio_disk_pages calls since the reset
uint8 *fakedisk_page(uint64 sector);  // the stored page at sector, 0 if never written

// ---- random tests: a seeded xorshift PRNG and modelled processes ----
void rnd_seed(uint64 seed);  // nonzero
uint64 rnd(uint64 n);        // in [0, n)

// A modelled process: its address space (0: exited) and a shadow of the
// tracked pages, page[i] the byte slot i was last filled with (0: never
// written, or gone). Each random test numbers its own slots.
#define NMODEL 4
struct model {
  struct aspace *as;
  uint8 *page;
};
extern struct model models[NMODEL];
void models_start(int nslot);  // models[0] a fresh as_process, the rest exited
int models_all_exited(void);
void model_restart(int k);                    // everyone exited: k starts over, shadow cleared
void model_fork(int dst, int src, int copy);  // aspace_clone; on success the shadow too
void models_audit(int t, uint64 lost0);       // check_as on each, no frame lost since lost0
void models_exit_all(void);
// Forget the shadow of the slots whose page lies in [lo, hi).
void model_forget(struct model *m, uint64 (*slot_va)(int), uint64 lo, uint64 hi);

#endif
