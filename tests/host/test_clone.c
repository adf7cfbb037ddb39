// Tests of aspace_clone (fork): copy-on-write sharing and its breaking
// (copy when shared, reuse when sole owner), eager copying, teardown, and
// clone or COW-break running out of memory without leaking.
#include "types.h"
#include "arch/riscv/kmem.h"
#include "vm/vm.h"
#include "lib/klib.h"
#include "harness.h"
#include "fakepmap.h"

// Pages of the standard parent and what they hold.
#define HEAP0 (HEAP_START)
#define HEAP1 (HEAP_START + P(1))
#define HEAPZ (HEAP_START + P(2))  // read only: the zero page
#define STACKZ (STACK_START)       // read only: the zero page, its own table span
#define STACKTOP (STACK_END - P(1))
#define NWRITTEN 4  // DATA_START, HEAP0, HEAP1, STACKTOP

// A process that wrote some pages, read two untouched ones, ran its text.
static struct aspace *
parent_new(void)
{
  struct aspace *as = as_process();
  vaddr_t old;
  CHECK(aspace_sbrk(as, P(4), 0, &old) == 0);
  user_fill(as, DATA_START, 0xD0);
  user_fill(as, HEAP0, 0xA0);
  user_fill(as, HEAP1, 0xA1);
  user_fill(as, STACKTOP, 0x5A);
  CHECK_EQ(vm_fault(as, HEAPZ, ACC_READ, 0, 0), FAULT_OK);
  CHECK_EQ(vm_fault(as, STACKZ, ACC_READ, 0, 0), FAULT_OK);
  CHECK_EQ(vm_fault(as, TEXT_START, ACC_EXEC, 0, 0), FAULT_OK);
  memset(page_at(as, TEXT_START), 0x7E, PGSIZE);  // "loaded" text
  check_as(as);
  return as;
}

static const struct {
  uint64 va;
  uint8 b;
} written[NWRITTEN] = {{DATA_START, 0xD0}, {HEAP0, 0xA0}, {HEAP1, 0xA1}, {STACKTOP, 0x5A}};

static void
same_layout(struct aspace *a, struct aspace *b)
{
  CHECK_EQ(a->nregion, b->nregion);
  for (int i = 0; i < a->nregion; i++) {  // all but the address space and its links
    CHECK(memcmp(a->region[i], b->region[i], __builtin_offsetof(struct region, as)) == 0);
    CHECK(a->region[i]->as == a && b->region[i]->as == b);
  }
  CHECK_EQ(a->heap_start, b->heap_start);
  CHECK_EQ(a->brk, b->brk);
}

void
test_clone_cow_shares(void)
{
  struct aspace *as = parent_new();
  struct vmstat st0 = vmstat_now();
  struct aspace *c = aspace_clone(as, 0);
  CHECK(c != 0);
  check_as(as);
  check_as(c);
  same_layout(as, c);
  for (int i = 0; i < NWRITTEN; i++) {
    paddr_t pa = pa_of(as, written[i].va);
    CHECK_EQ(pa_of(c, written[i].va), pa);
    CHECK_EQ(frame_refcount(pa), 2);
    CHECK_EQ(prot_of(as, written[i].va), COW_RO);
    CHECK_EQ(prot_of(c, written[i].va), COW_RO);
    CHECK(page_is(page_at(c, written[i].va), written[i].b));
  }
  CHECK_EQ(pa_of(c, TEXT_START), pa_of(as, TEXT_START));  // read-only: shared, not COW
  CHECK_EQ(prot_of(c, TEXT_START), RX);
  CHECK_EQ(prot_of(as, TEXT_START), RX);
  CHECK_EQ(pa_of(c, HEAPZ), frame_zero_page());
  CHECK_EQ(pa_of(c, STACKZ), frame_zero_page());
  CHECK_EQ(prot_of(c, HEAPZ), COW_RO);
  struct vmstat st1 = vmstat_now();
  CHECK_EQ(st1.frames_shared, st0.frames_shared + NWRITTEN + 1);
  CHECK_EQ(st1.zero_page_maps, st0.zero_page_maps + 2);
  CHECK_EQ(c->pmap.resident, as->pmap.resident);
  // The child cost its aspace page, a page of region slots and its tables, no data frame.
  CHECK_EQ(st1.frames_free, st0.frames_free - 2 - c->pmap.ptpages);
  aspace_put(c);
  CHECK_EQ(vmstat_now().frames_shared, st0.frames_shared);
  CHECK_EQ(vmstat_now().zero_page_maps, st0.zero_page_maps);
  CHECK_EQ(frames_free(), st0.frames_free);
  check_as(as);
  aspace_put(as);
}

void
test_clone_cow_write_copies_then_reuses(void)
{
  struct aspace *as = parent_new();
  struct aspace *c = aspace_clone(as, 0);
  CHECK(c != 0);
  paddr_t shared = pa_of(as, DATA_START);
  struct vmstat st0 = vmstat_now();
  uint64 counts[FK_NKINDS] = {0};
  // Shared: the child's write copies.
  CHECK_EQ(vm_fault(c, DATA_START + 3, ACC_WRITE, counts, 0), FAULT_OK);
  CHECK_EQ(counts[FK_COW_COPY], 1);
  paddr_t mine = pa_of(c, DATA_START);
  CHECK(mine != shared);
  CHECK_EQ(prot_of(c, DATA_START), RW);
  CHECK(page_is(page_at(c, DATA_START), 0xD0));
  CHECK_EQ(frame_refcount(shared), 1);
  CHECK_EQ(frame_refcount(mine), 1);
  CHECK_EQ(pa_of(as, DATA_START), shared);
  CHECK_EQ(prot_of(as, DATA_START), COW_RO);
  struct vmstat st1 = vmstat_now();
  CHECK_EQ(st1.frames_shared, st0.frames_shared - 1);
  CHECK_EQ(st1.frames_free, st0.frames_free - 1);
  CHECK_EQ(st1.faults[FK_COW_COPY], st0.faults[FK_COW_COPY] + 1);
  memset(page_at(c, DATA_START), 0xCC, PGSIZE);
  CHECK(page_is(page_at(as, DATA_START), 0xD0));  // private now
  check_as(as);
  check_as(c);
  // Sole owner now: the parent's write reuses the frame.
  uint64 pcounts[FK_NKINDS] = {0};
  CHECK_EQ(vm_fault(as, DATA_START, ACC_WRITE, pcounts, 0), FAULT_OK);
  CHECK_EQ(pcounts[FK_COW_REUSE], 1);
  CHECK_EQ(pcounts[FK_COW_COPY], 0);
  CHECK_EQ(pa_of(as, DATA_START), shared);
  CHECK_EQ(prot_of(as, DATA_START), RW);
  CHECK_EQ(frames_free(), st1.frames_free);
  CHECK(page_is(page_at(as, DATA_START), 0xD0));
  // The other way round on a heap page: the parent copies first.
  CHECK_EQ(vm_fault(as, HEAP1, ACC_WRITE, pcounts, 0), FAULT_OK);
  CHECK_EQ(pcounts[FK_COW_COPY], 1);
  CHECK_EQ(vm_fault(c, HEAP1, ACC_WRITE, counts, 0), FAULT_OK);
  CHECK_EQ(counts[FK_COW_REUSE], 1);
  CHECK(pa_of(as, HEAP1) != pa_of(c, HEAP1));
  CHECK(page_is(page_at(as, HEAP1), 0xA1) && page_is(page_at(c, HEAP1), 0xA1));
  check_as(as);
  check_as(c);
  aspace_put(c);
  aspace_put(as);
}

void
test_clone_cow_zero_page_write(void)
{
  struct aspace *as = parent_new();
  struct aspace *c = aspace_clone(as, 0);
  CHECK(c != 0);
  struct vmstat st0 = vmstat_now();
  uint64 counts[FK_NKINDS] = {0};
  CHECK_EQ(vm_fault(c, HEAPZ, ACC_WRITE, counts, 0), FAULT_OK);
  CHECK_EQ(counts[FK_ZERO_FILL], 1);
  CHECK(pa_of(c, HEAPZ) != frame_zero_page());
  CHECK_EQ(prot_of(c, HEAPZ), RW);
  CHECK(page_is(page_at(c, HEAPZ), 0));
  CHECK_EQ(pa_of(as, HEAPZ), frame_zero_page());
  struct vmstat st1 = vmstat_now();
  CHECK_EQ(st1.zero_page_maps, st0.zero_page_maps - 1);
  CHECK_EQ(st1.frames_free, st0.frames_free - 1);
  check_as(c);
  aspace_put(c);
  aspace_put(as);
}

void
test_clone_cow_readonly_text(void)
{
  struct aspace *as = parent_new();
  struct aspace *c = aspace_clone(as, 0);
  CHECK(c != 0);
  const char *why = 0;
  CHECK_EQ(vm_fault(c, TEXT_START, ACC_WRITE, 0, &why), FAULT_SEGV);
  CHECK_STR(why, "write to read-only");
  CHECK_EQ(frame_refcount(pa_of(as, TEXT_START)), 2);
  CHECK_EQ(vm_fault(c, TEXT_START, ACC_EXEC, 0, 0), FAULT_OK);
  CHECK(page_is(page_at(c, TEXT_START), 0x7E));
  aspace_put(as);  // the parent goes first
  CHECK_EQ(frame_refcount(pa_of(c, TEXT_START)), 1);
  check_as(c);
  aspace_put(c);
}

void
test_clone_cow_after_parent_exits(void)
{
  struct aspace *as = parent_new();
  struct vmstat st0 = vmstat_now();
  struct aspace *c = aspace_clone(as, 0);
  CHECK(c != 0);
  aspace_put(as);
  check_as(c);
  struct vmstat st1 = vmstat_now();
  CHECK_EQ(st1.frames_shared, st0.frames_shared);
  uint64 counts[FK_NKINDS] = {0};
  for (int i = 0; i < NWRITTEN; i++) {
    CHECK_EQ(frame_refcount(pa_of(c, written[i].va)), 1);
    CHECK_EQ(vm_fault(c, written[i].va, ACC_WRITE, counts, 0), FAULT_OK);
    CHECK(page_is(page_at(c, written[i].va), written[i].b));
  }
  CHECK_EQ(counts[FK_COW_REUSE], NWRITTEN);
  CHECK_EQ(counts[FK_COW_COPY], 0);
  CHECK_EQ(frames_free(), st1.frames_free);
  check_as(c);
  aspace_put(c);
}

void
test_clone_cow_three_generations(void)
{
  struct aspace *a = parent_new();
  struct vmstat st0 = vmstat_now();
  struct aspace *b = aspace_clone(a, 0);
  CHECK(b != 0);
  struct aspace *c = aspace_clone(b, 0);
  CHECK(c != 0);
  paddr_t pa = pa_of(a, HEAP0);
  CHECK_EQ(frame_refcount(pa), 3);
  CHECK_EQ(pa_of(c, HEAP0), pa);
  // three holders of each page: two copies avoided per page
  CHECK_EQ(vmstat_now().frames_shared, st0.frames_shared + 2 * (NWRITTEN + 1));
  CHECK_EQ(vmstat_now().zero_page_maps, st0.zero_page_maps + 4);
  CHECK_EQ(vm_fault(b, HEAP0, ACC_WRITE, 0, 0), FAULT_OK);  // copy: 3 -> 2
  CHECK_EQ(frame_refcount(pa), 2);
  CHECK_EQ(vmstat_now().frames_shared, st0.frames_shared + 2 * NWRITTEN + 1);
  CHECK_EQ(vm_fault(c, HEAP0, ACC_WRITE, 0, 0), FAULT_OK);  // copy: 2 -> 1
  CHECK_EQ(frame_refcount(pa), 1);
  CHECK_EQ(vmstat_now().frames_shared, st0.frames_shared + 2 * NWRITTEN);
  paddr_t cpa = pa_of(c, HEAP0);
  CHECK_EQ(vm_fault(a, HEAP0, ACC_WRITE, 0, 0), FAULT_OK);  // reuse
  CHECK_EQ(pa_of(a, HEAP0), pa);
  CHECK(page_is(page_at(a, HEAP0), 0xA0) && page_is(page_at(b, HEAP0), 0xA0) &&
        page_is(P2V(cpa), 0xA0));
  check_as(a);
  check_as(b);
  check_as(c);
  aspace_put(b);
  aspace_put(a);
  check_as(c);
  aspace_put(c);
}

void
test_clone_copy(void)
{
  struct aspace *as = parent_new();
  struct vmstat st0 = vmstat_now();
  struct aspace *c = aspace_clone(as, 1);
  CHECK(c != 0);
  check_as(as);
  check_as(c);
  same_layout(as, c);
  for (int i = 0; i < NWRITTEN; i++) {
    paddr_t pa = pa_of(as, written[i].va), cpa = pa_of(c, written[i].va);
    CHECK(cpa != pa);
    CHECK_EQ(frame_refcount(pa), 1);
    CHECK_EQ(frame_refcount(cpa), 1);
    CHECK_EQ(prot_of(as, written[i].va), RW);  // the parent is left alone
    CHECK_EQ(prot_of(c, written[i].va), RW);
    CHECK(page_is(page_at(c, written[i].va), written[i].b));
  }
  CHECK(pa_of(c, TEXT_START) != pa_of(as, TEXT_START));
  CHECK_EQ(prot_of(c, TEXT_START), RX);
  CHECK(page_is(page_at(c, TEXT_START), 0x7E));
  CHECK_EQ(pa_of(c, HEAPZ), frame_zero_page());  // the zero page stays shared
  CHECK_EQ(prot_of(c, HEAPZ), COW_RO);
  struct vmstat st1 = vmstat_now();
  CHECK_EQ(st1.frames_shared, st0.frames_shared);
  CHECK_EQ(st1.zero_page_maps, st0.zero_page_maps + 2);
  CHECK_EQ(st1.frames_free, st0.frames_free - 2 - c->pmap.ptpages - (NWRITTEN + 1));
  CHECK_EQ(c->pmap.resident, as->pmap.resident);
  uint64 counts[FK_NKINDS] = {0};
  CHECK_EQ(vm_fault(c, DATA_START, ACC_WRITE, counts, 0), FAULT_OK);  // spurious
  CHECK_EQ(counts[FK_COW_COPY] + counts[FK_COW_REUSE] + counts[FK_ZERO_FILL], 0);
  memset(page_at(c, DATA_START), 0x11, PGSIZE);
  CHECK(page_is(page_at(as, DATA_START), 0xD0));
  aspace_put(c);
  CHECK_EQ(frames_free(), st0.frames_free);
  aspace_put(as);
}

// ---- out of memory ----

void
test_oom_aspace_create(void)
{
  for (uint64 leave = 0; leave < 2; leave++) {  // none; the struct but no root table
    pool_drain(leave);
    CHECK(aspace_create() == 0);
    CHECK_EQ(frames_free(), leave);
    pool_release();
  }
}

struct pte_rec {
  uint64 va, pa;
  int prot;
};

struct pte_list {
  struct pte_rec r[64];
  int n;
};

static void
record(uint64 va, uint64 pa, int prot, void *arg)
{
  struct pte_list *l = arg;
  if (l->n < 64)
    l->r[l->n++] = (struct pte_rec){va, pa, prot};
}

// Clone with ever more frames available: each failure must give back every
// frame and leave the parent's pages, contents and refcounts as they were
// (a writable page may have turned COW; that is harmless).
static void
clone_under_pressure(int copy)
{
  struct aspace *as = parent_new();
  struct pte_list before = {.n = 0};
  fakepmap_visit(&as->pmap, record, &before);
  int failures = 0, ok = 0;
  for (uint64 leave = 0; leave < 40 && !ok; leave++) {
    struct vmstat st0 = vmstat_now();
    pool_drain(leave);
    struct aspace *c = aspace_clone(as, copy);
    if (c == 0) {
      failures++;
      CHECKF(frames_free() == leave, "clone failed with %lu free: %lu left after", leave,
             frames_free());
      struct vmstat st1 = vmstat_now();
      CHECKF(st1.zero_page_maps == st0.zero_page_maps,
             "clone failed with %lu free: zero_page_maps %lu -> %lu", leave, st0.zero_page_maps,
             st1.zero_page_maps);
      CHECK_EQ(st1.frames_shared, st0.frames_shared);
      check_as(as);
    } else {
      ok = 1;
      check_as(c);
      same_layout(as, c);
      aspace_put(c);
    }
    pool_release();
  }
  CHECK(failures > 0 && ok);
  struct pte_list after = {.n = 0};
  fakepmap_visit(&as->pmap, record, &after);
  CHECK_EQ(after.n, before.n);
  for (int i = 0; i < before.n; i++) {
    CHECK_EQ(after.r[i].va, before.r[i].va);
    CHECK_EQ(after.r[i].pa, before.r[i].pa);
    CHECK_EQ(frame_refcount(after.r[i].pa), frame_refcount(before.r[i].pa));
  }
  for (int i = 0; i < NWRITTEN; i++) {
    CHECK(page_is(page_at(as, written[i].va), written[i].b));
    CHECK_EQ(vm_fault(as, written[i].va, ACC_WRITE, 0, 0), FAULT_OK);
  }
  check_as(as);
  aspace_put(as);
}

void
test_oom_clone_cow(void)
{
  clone_under_pressure(0);
}

void
test_oom_clone_copy(void)
{
  clone_under_pressure(1);
}

void
test_oom_cow_break(void)
{
  struct aspace *as = parent_new();
  struct aspace *c = aspace_clone(as, 0);
  CHECK(c != 0);
  paddr_t pa = pa_of(as, HEAP0);
  struct vmstat st0 = vmstat_now();
  pool_drain(0);
  const char *why = 0;
  uint64 counts[FK_NKINDS] = {0};
  CHECK_EQ(vm_fault(c, HEAP0, ACC_WRITE, counts, &why), FAULT_OOM);
  CHECK_STR(why, "out of memory");
  CHECK_EQ(vm_fault(as, HEAP0, ACC_WRITE, counts, &why), FAULT_OOM);
  CHECK_EQ(vm_fault(c, HEAPZ, ACC_WRITE, counts, &why), FAULT_OOM);  // zero page too
  CHECK_EQ(pa_of(c, HEAP0), pa);
  CHECK_EQ(pa_of(as, HEAP0), pa);
  CHECK_EQ(prot_of(c, HEAP0), COW_RO);
  CHECK_EQ(frame_refcount(pa), 2);
  CHECK_EQ(pa_of(c, HEAPZ), frame_zero_page());
  CHECK_EQ(counts[FK_COW_COPY] + counts[FK_ZERO_FILL], 0);
  struct vmstat st1 = vmstat_now();
  CHECK_EQ(st1.frames_shared, st0.frames_shared);
  CHECK_EQ(st1.zero_page_maps, st0.zero_page_maps);
  check_as(as);
  check_as(c);
  pool_release();
  CHECK_EQ(vm_fault(c, HEAP0, ACC_WRITE, counts, &why), FAULT_OK);
  CHECK(page_is(page_at(c, HEAP0), 0xA0));
  aspace_put(c);
  aspace_put(as);
}
