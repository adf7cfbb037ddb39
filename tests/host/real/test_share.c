// Tests of fork's shared leaf tables through aspace/fault over the real
// pmap.c: whole 2 MiB spans shared (one count on the table), partial spans
// copied per PTE, leaf_own on the first change, COW copy vs reuse, three
// generations exiting in every order, sbrk shrink and unmap cutting through
// a shared table, and running out of memory at each of those points.
#include "types.h"
#include "arch/riscv/riscv.h"
#include "arch/riscv/kmem.h"
#include "vm/vm.h"
#include "lib/klib.h"
#include "harness.h"
#include "rpmap.h"

#define MM (4 * SPAN)  // an mmap region of two whole spans: [MM, MM + 2 SPAN)

// The pages the standard parent wrote, and what it wrote there.
#define NFILL 15
static uint64 fill_va[NFILL];
static uint8 fill_b[NFILL];
#define ZREAD (MM + P(400))  // read only: the zero page, in span 0 of MM

static uint64
leaf(struct aspace *as, vaddr_t va)
{
  return rp_leaf_pa(&as->pmap, va);
}

// A process with an RW mmap region of two whole spans: ten pages written in
// the first, five in the second, one page read (zero page), plus the data
// page (a partial span).
static struct aspace *
parent_new(void)
{
  struct aspace *as = as_process();
  CHECK(aspace_map(as, MM, MM + 2 * SPAN, RW, RK_MMAP) == 0);
  for (int i = 0; i < NFILL; i++) {
    fill_va[i] = i < 10 ? MM + P(i * 37) : MM + SPAN + P((i - 10) * 50 + 1);
    fill_b[i] = 0x10 + i;
    user_fill(as, fill_va[i], fill_b[i]);
  }
  CHECK_EQ(vm_fault(as, ZREAD, ACC_READ, 0, 0), FAULT_OK);
  user_fill(as, DATA_START, 0xD0);
  check_as(as);
  return as;
}

static void
contents_ok(struct aspace *as)
{
  for (int i = 0; i < NFILL; i++)
    CHECKF(page_is(page_at(as, fill_va[i]), fill_b[i]), "page %#lx changed", fill_va[i]);
  CHECK(page_is(page_at(as, DATA_START), 0xD0));
  CHECK(page_is(page_at(as, ZREAD), 0));
}

void
test_share_whole_spans_cow(void)
{
  struct aspace *as = parent_new();
  struct vmstat st0 = vmstat_now();
  uint64 sp0 = pmap_shared_pages(), pt0 = pmap_user_ptpages(), fences = host_sfence_all;
  uint64 t0 = leaf(as, MM), t1 = leaf(as, MM + SPAN), tdata = leaf(as, DATA_START);
  struct aspace *c = aspace_clone(as, 0);
  CHECK(c != 0);
  check_as(as);
  check_as(c);
  CHECK(host_sfence_all > fences);  // the parent's PTEs lost W
  CHECK_EQ(leaf(c, MM), t0);
  CHECK_EQ(leaf(c, MM + SPAN), t1);
  CHECK_EQ(frame_refcount(t0), 2);
  CHECK_EQ(frame_refcount(t1), 2);
  CHECK(leaf(c, DATA_START) != tdata);  // text+data+heap span: copied per PTE
  CHECK_EQ(frame_refcount(tdata), 1);
  for (int i = 0; i < NFILL; i++) {
    paddr_t pa = pa_of(as, fill_va[i]);
    CHECK_EQ(pa_of(c, fill_va[i]), pa);
    CHECK_EQ(frame_refcount(pa), 1);  // held by one (shared) table
    CHECK_EQ(prot_of(as, fill_va[i]), COW_RO);
    CHECK_EQ(prot_of(c, fill_va[i]), COW_RO);
  }
  CHECK_EQ(frame_refcount(pa_of(as, DATA_START)), 2);
  CHECK_EQ(pa_of(c, ZREAD), frame_zero_page());
  contents_ok(c);
  struct vmstat st1 = vmstat_now();
  CHECK_EQ(pmap_shared_pages(), sp0 + NFILL);
  CHECK_EQ(st1.frames_shared, st0.frames_shared + NFILL + 1);
  CHECK_EQ(st1.zero_page_maps, st0.zero_page_maps);  // one PTE, in one shared table
  // The child cost its aspace, region slots, root, L1 and one copied leaf:
  // no data frame, no shared leaf.
  CHECK_EQ(st1.frames_free, st0.frames_free - 5);
  CHECK_EQ(pmap_user_ptpages(), pt0 + 3);
  CHECK_EQ(c->pmap.ptpages, 5);
  CHECK_EQ(c->pmap.resident, as->pmap.resident);
  aspace_put(c);
  CHECK_EQ(frame_refcount(t0), 1);
  CHECK_EQ(pmap_shared_pages(), sp0);
  struct vmstat st2 = vmstat_now();
  CHECK_EQ(st2.frames_shared, st0.frames_shared);
  CHECK_EQ(st2.zero_page_maps, st0.zero_page_maps);
  CHECK_EQ(st2.frames_free, st0.frames_free);
  CHECK_EQ(pmap_user_ptpages(), pt0);
  contents_ok(as);
  check_as(as);
  aspace_put(as);
}

void
test_share_child_write_owns(void)
{
  struct aspace *as = parent_new();
  struct aspace *c = aspace_clone(as, 0);
  CHECK(c != 0);
  uint64 t0 = leaf(as, MM), t1 = leaf(as, MM + SPAN), sp0 = pmap_shared_pages();
  uint64 pt0 = pmap_user_ptpages(), cpt = c->pmap.ptpages;
  int zrefs = frame_refcount(frame_zero_page());
  paddr_t p0 = pa_of(as, fill_va[0]), p1 = pa_of(as, fill_va[1]);
  uint64 counts[FK_NKINDS] = {0};
  uint64 fences = host_sfence_all, pfences = host_sfence_page;
  // The child's write: its table of span 0 becomes private, then the COW copy.
  CHECK_EQ(vm_fault(c, fill_va[0] + 5, ACC_WRITE, counts, 0), FAULT_OK);
  CHECK_EQ(counts[FK_COW_COPY], 1);
  CHECK(host_sfence_all > fences);    // leaf_own changed an L1 entry
  CHECK(host_sfence_page > pfences);  // the COW PTE changed
  uint64 ct0 = leaf(c, MM);
  CHECK(ct0 != t0);
  CHECK_EQ(leaf(as, MM), t0);
  CHECK_EQ(frame_refcount(t0), 1);
  CHECK_EQ(frame_refcount(ct0), 1);
  CHECK_EQ(leaf(c, MM + SPAN), t1);  // span 1 still shared
  CHECK_EQ(frame_refcount(t1), 2);
  CHECK_EQ(pmap_shared_pages(), sp0 - 10);
  CHECK_EQ(c->pmap.ptpages, cpt);
  CHECK_EQ(pmap_user_ptpages(), pt0 + 1);
  CHECK_EQ(frame_refcount(frame_zero_page()), zrefs + 1);  // the copy maps it too
  paddr_t c0 = pa_of(c, fill_va[0]);
  CHECK(c0 != p0);
  CHECK_EQ(frame_refcount(p0), 1);
  CHECK_EQ(frame_refcount(p1), 2);  // both tables map it now
  CHECK_EQ(prot_of(c, fill_va[0]), RW);
  CHECK_EQ(prot_of(as, fill_va[0]), COW_RO);
  CHECK_EQ(prot_of(c, fill_va[1]), COW_RO);
  CHECK(page_is(P2V(c0), fill_b[0]));
  memset(P2V(c0), 0x99, PGSIZE);
  contents_ok(as);
  check_as(as);
  check_as(c);
  // The parent's write of the same page: sole owner, reuse.
  CHECK_EQ(vm_fault(as, fill_va[0], ACC_WRITE, counts, 0), FAULT_OK);
  CHECK_EQ(counts[FK_COW_REUSE], 1);
  CHECK_EQ(pa_of(as, fill_va[0]), p0);
  CHECK_EQ(prot_of(as, fill_va[0]), RW);
  // Of a page both tables map: copy; then the child alone holds the old one.
  CHECK_EQ(vm_fault(as, fill_va[1], ACC_WRITE, counts, 0), FAULT_OK);
  CHECK_EQ(counts[FK_COW_COPY], 2);
  CHECK(pa_of(as, fill_va[1]) != p1);
  CHECK_EQ(frame_refcount(p1), 1);
  CHECK_EQ(vm_fault(c, fill_va[1], ACC_WRITE, counts, 0), FAULT_OK);
  CHECK_EQ(counts[FK_COW_REUSE], 2);
  CHECK_EQ(pa_of(c, fill_va[1]), p1);
  check_as(as);
  check_as(c);
  // The parent writes into span 1, still shared: it takes the copy.
  paddr_t p10 = pa_of(as, fill_va[10]);
  CHECK_EQ(vm_fault(as, fill_va[10], ACC_WRITE, counts, 0), FAULT_OK);
  CHECK_EQ(counts[FK_COW_COPY], 3);
  CHECK(leaf(as, MM + SPAN) != t1);
  CHECK_EQ(leaf(c, MM + SPAN), t1);
  CHECK_EQ(frame_refcount(t1), 1);
  CHECK_EQ(pmap_shared_pages(), sp0 - NFILL);
  CHECK_EQ(frame_refcount(p10), 1);
  CHECK_EQ(vm_fault(c, fill_va[10], ACC_WRITE, counts, 0), FAULT_OK);
  CHECK_EQ(counts[FK_COW_REUSE], 3);
  CHECK_EQ(pa_of(c, fill_va[10]), p10);
  for (int i = 0; i < NFILL; i++)
    CHECK(page_is(page_at(c, fill_va[i]), i == 0 ? 0x99 : fill_b[i]));
  contents_ok(as);
  check_as(as);
  check_as(c);
  aspace_put(c);
  aspace_put(as);
}

void
test_share_read_fault_owns(void)
{
  struct aspace *as = parent_new();
  struct aspace *c = aspace_clone(as, 0);
  CHECK(c != 0);
  uint64 t0 = leaf(as, MM);
  // A first touch of an empty PTE in a shared table: the child's copy.
  CHECK_EQ(vm_fault(c, MM + P(1), ACC_READ, 0, 0), FAULT_OK);
  CHECK(leaf(c, MM) != t0);
  CHECK_EQ(frame_refcount(t0), 1);
  CHECK_EQ(pa_of(c, MM + P(1)), frame_zero_page());
  CHECK(!mapping(as, MM + P(1), 0, 0));
  CHECK_EQ(c->pmap.resident, as->pmap.resident + 1);
  check_as(as);
  check_as(c);
  // A COW read needs nothing.
  uint64 t1 = leaf(as, MM + SPAN);
  CHECK_EQ(vm_fault(c, fill_va[12], ACC_READ, 0, 0), FAULT_OK);
  CHECK_EQ(leaf(c, MM + SPAN), t1);
  aspace_put(as);
  contents_ok(c);
  check_as(c);
  aspace_put(c);
}

void
test_share_partial_spans_copied(void)
{
  struct aspace *as = as_process();
  uint64 s = MM + P(16), e = MM + SPAN + P(100);  // cuts both spans
  CHECK(aspace_map(as, s, e, RW, RK_MMAP) == 0);
  user_fill(as, s, 1);
  user_fill(as, MM + P(511), 2);
  user_fill(as, MM + SPAN, 3);
  user_fill(as, e - P(1), 4);
  CHECK_EQ(vm_fault(as, MM + P(200), ACC_READ, 0, 0), FAULT_OK);
  uint64 sp0 = pmap_shared_pages();
  int zrefs = frame_refcount(frame_zero_page());
  struct aspace *c = aspace_clone(as, 0);
  CHECK(c != 0);
  CHECK(leaf(c, MM) != leaf(as, MM));
  CHECK(leaf(c, MM + SPAN) != leaf(as, MM + SPAN));
  CHECK_EQ(frame_refcount(leaf(as, MM)), 1);
  CHECK_EQ(pmap_shared_pages(), sp0);
  static const uint64 pages[] = {MM + P(16), MM + P(511), MM + SPAN, MM + SPAN + P(99)};
  for (uint i = 0; i < NELEM(pages); i++) {
    CHECK_EQ(pa_of(c, pages[i]), pa_of(as, pages[i]));
    CHECK_EQ(frame_refcount(pa_of(as, pages[i])), 2);
    CHECK_EQ(prot_of(c, pages[i]), COW_RO);
    CHECK(page_is(page_at(c, pages[i]), i + 1));
  }
  CHECK_EQ(frame_refcount(frame_zero_page()), zrefs + 1);
  check_as(as);
  check_as(c);
  user_fill(c, MM + SPAN, 0x33);
  CHECK(page_is(page_at(as, MM + SPAN), 3));
  aspace_put(c);
  for (uint i = 0; i < NELEM(pages); i++)
    CHECK_EQ(frame_refcount(pa_of(as, pages[i])), 1);
  check_as(as);
  aspace_put(as);
}

void
test_share_mixed_spans(void)
{
  struct aspace *as = as_process();
  uint64 s = MM - P(8), e = MM + 2 * SPAN + P(8);  // partial, whole, whole, partial
  CHECK(aspace_map(as, s, e, RW, RK_MMAP) == 0);
  // Two small regions sharing one span, neither covering it.
  uint64 two = MM + 4 * SPAN;
  CHECK(aspace_map(as, two, two + P(10), RW, RK_MMAP) == 0);
  CHECK(aspace_map(as, two + P(20), two + P(30), RX, RK_MMAP) == 0);
  static const uint64 pages[] = {MM - P(8),           MM - P(1),     MM,
                                 MM + SPAN + P(3),    MM + 2 * SPAN, MM + 2 * SPAN + P(7),
                                 MM + 4 * SPAN + P(9)};
  for (uint i = 0; i < NELEM(pages); i++)
    user_fill(as, pages[i], 0x60 + i);
  CHECK_EQ(vm_fault(as, two + P(25), ACC_EXEC, 0, 0), FAULT_OK);
  uint64 sp0 = pmap_shared_pages();
  struct aspace *c = aspace_clone(as, 0);
  CHECK(c != 0);
  check_as(c);
  check_as(as);
  CHECK(leaf(c, MM - SPAN) != leaf(as, MM - SPAN));
  CHECK_EQ(leaf(c, MM), leaf(as, MM));
  CHECK_EQ(leaf(c, MM + SPAN), leaf(as, MM + SPAN));
  CHECK(leaf(c, MM + 2 * SPAN) != leaf(as, MM + 2 * SPAN));
  CHECK(leaf(c, two) != leaf(as, two));
  CHECK_EQ(pmap_shared_pages(), sp0 + 2);
  for (uint i = 0; i < NELEM(pages); i++) {
    int whole = pages[i] >= MM && pages[i] < MM + 2 * SPAN;
    CHECK_EQ(frame_refcount(pa_of(as, pages[i])), whole ? 1 : 2);
    CHECK(page_is(page_at(c, pages[i]), 0x60 + i));
  }
  CHECK_EQ(prot_of(c, two + P(25)), RX);  // read-only: shared as it is
  CHECK_EQ(frame_refcount(pa_of(as, two + P(25))), 2);
  for (uint i = 0; i < NELEM(pages); i++)
    user_fill(c, pages[i], 0x70 + i);
  for (uint i = 0; i < NELEM(pages); i++)
    CHECK(page_is(page_at(as, pages[i]), 0x60 + i));
  CHECK_EQ(pmap_shared_pages(), sp0);
  check_as(c);
  check_as(as);
  aspace_put(as);
  check_as(c);
  aspace_put(c);
}

void
test_share_readonly_span(void)
{
  struct aspace *as = as_process();
  uint64 tx = MM;
  CHECK(aspace_map(as, tx, tx + SPAN, RX, RK_MMAP) == 0);
  for (int i = 0; i < 4; i++) {
    CHECK_EQ(vm_fault(as, tx + P(i * 100), ACC_EXEC, 0, 0), FAULT_OK);
    memset(page_at(as, tx + P(i * 100)), 0xE0 + i, PGSIZE);  // "loaded" text
  }
  uint64 pte = rp_pte(&as->pmap, tx);
  struct aspace *c = aspace_clone(as, 0);
  CHECK(c != 0);
  CHECK_EQ(leaf(c, tx), leaf(as, tx));
  CHECK_EQ(rp_pte(&as->pmap, tx), pte);  // untouched, no COW bit
  CHECK_EQ(prot_of(c, tx), RX);
  CHECK_EQ(vm_fault(c, tx, ACC_WRITE, 0, 0), FAULT_SEGV);
  CHECK_EQ(leaf(c, tx), leaf(as, tx));                         // a refusal changes nothing
  CHECK_EQ(vm_fault(c, tx + P(1), ACC_EXEC, 0, 0), FAULT_OK);  // fill: owns
  CHECK(leaf(c, tx) != leaf(as, tx));
  CHECK(page_is(page_at(c, tx + P(300)), 0xE3));
  check_as(c);
  check_as(as);
  aspace_put(c);
  aspace_put(as);
}

// Three generations on the same tables, exiting in the order given
// (a permutation of 0, 1, 2); with writes, each writes before the exits.
static void
generations(const int order[3], int writes)
{
  struct vmstat st0 = vmstat_now();
  uint64 free0 = frames_free(), pt0 = pmap_user_ptpages(), sp0 = pmap_shared_pages();
  int zrefs = frame_refcount(frame_zero_page());
  struct aspace *g[3];
  g[0] = parent_new();
  g[1] = aspace_clone(g[0], 0);
  CHECK(g[1] != 0);
  g[2] = aspace_clone(g[1], 0);
  CHECK(g[2] != 0);
  uint64 t0 = leaf(g[0], MM);
  CHECK_EQ(leaf(g[2], MM), t0);
  CHECK_EQ(frame_refcount(t0), 3);
  CHECK_EQ(pmap_shared_pages(), sp0 + 2 * NFILL);  // three holders: two copies avoided a page
  for (int i = 0; i < 3; i++)
    check_as(g[i]);
  uint8 want[3][NFILL];
  for (int i = 0; i < 3; i++)
    memcpy(want[i], fill_b, NFILL);
  if (writes) {
    user_fill(g[1], fill_va[0], 0xB1);  // owns span 0 in g[1]
    want[1][0] = 0xB1;
    user_fill(g[2], fill_va[12], 0xC2);  // owns span 1 in g[2]
    want[2][12] = 0xC2;
    user_fill(g[0], ZREAD, 0xA0);     // zero page -> fresh frame in g[0]
    CHECK_EQ(frame_refcount(t0), 1);  // g[1] and g[0] copied: g[2]'s alone
    CHECK_EQ(leaf(g[2], MM), t0);
    for (int i = 0; i < 3; i++)
      check_as(g[i]);
  }
  for (int k = 0; k < 3; k++) {
    aspace_put(g[order[k]]);
    g[order[k]] = 0;
    for (int i = 0; i < 3; i++) {
      if (g[i] == 0)
        continue;
      check_as(g[i]);
      for (int j = 0; j < NFILL; j++)
        CHECKF(page_is(page_at(g[i], fill_va[j]), want[i][j]), "g%d page %#lx", i, fill_va[j]);
    }
  }
  struct vmstat st = vmstat_now();
  CHECK_EQ(frames_free(), free0);
  CHECK_EQ(pmap_user_ptpages(), pt0);
  CHECK_EQ(pmap_shared_pages(), sp0);
  CHECK_EQ(st.frames_shared, st0.frames_shared);
  CHECK_EQ(st.zero_page_maps, st0.zero_page_maps);
  CHECK_EQ(frame_refcount(frame_zero_page()), zrefs);
}

static const int orders[6][3] = {{0, 1, 2}, {0, 2, 1}, {1, 0, 2}, {1, 2, 0}, {2, 0, 1}, {2, 1, 0}};

void
test_share_three_generations(void)
{
  for (int i = 0; i < 6; i++)
    generations(orders[i], 0);
}

void
test_share_three_generations_written(void)
{
  for (int i = 0; i < 6; i++)
    generations(orders[i], 1);
}

void
test_share_parent_exit_child_reuses(void)
{
  struct aspace *as = parent_new();
  struct aspace *c = aspace_clone(as, 0);
  CHECK(c != 0);
  uint64 t0 = leaf(c, MM), sp0 = pmap_shared_pages();
  paddr_t p0 = pa_of(c, fill_va[0]);
  aspace_put(as);
  CHECK_EQ(frame_refcount(t0), 1);
  CHECK_EQ(pmap_shared_pages(), sp0 - NFILL);
  check_as(c);
  uint64 counts[FK_NKINDS] = {0}, pt = pmap_user_ptpages();
  CHECK_EQ(vm_fault(c, fill_va[0], ACC_WRITE, counts, 0), FAULT_OK);
  CHECK_EQ(counts[FK_COW_REUSE], 1);
  CHECK_EQ(counts[FK_COW_COPY], 0);
  CHECK_EQ(leaf(c, MM), t0);  // already private: not copied
  CHECK_EQ(pmap_user_ptpages(), pt);
  CHECK_EQ(pa_of(c, fill_va[0]), p0);
  check_as(c);
  aspace_put(c);
}

void
test_share_copy_fork_of_shared(void)
{
  struct aspace *a = parent_new();
  struct aspace *b = aspace_clone(a, 0);
  CHECK(b != 0);
  uint64 t0 = leaf(a, MM), sp0 = pmap_shared_pages();
  struct aspace *c = aspace_clone(b, 1);  // classic copying fork
  CHECK(c != 0);
  CHECK_EQ(frame_refcount(t0), 2);  // a and b only
  CHECK_EQ(pmap_shared_pages(), sp0);
  for (int i = 0; i < NFILL; i++) {
    CHECK(pa_of(c, fill_va[i]) != pa_of(a, fill_va[i]));
    CHECK_EQ(prot_of(c, fill_va[i]), RW);
    CHECK(page_is(page_at(c, fill_va[i]), fill_b[i]));
  }
  CHECK_EQ(pa_of(c, ZREAD), frame_zero_page());
  check_as(c);
  check_as(b);
  aspace_put(b);
  aspace_put(c);
  contents_ok(a);
  aspace_put(a);
}

// A heap of whole spans: [HEAP_START, 3 SPAN + P(10)); pages written in
// span 0 (partial: text, data), span 1 and 2 (whole) and span 3 (partial).
#define HTOP (3 * SPAN + P(10))
static const uint64 heap_pages[] = {
    HEAP_START, SPAN, SPAN + P(99), SPAN + P(100), SPAN + P(511), 2 * SPAN + P(5), 3 * SPAN + P(9)};

static struct aspace *
heap_parent(void)
{
  struct aspace *as = as_process();
  vaddr_t old;
  CHECK(aspace_sbrk(as, HTOP - HEAP_START, 0, &old) == 0);
  for (uint i = 0; i < NELEM(heap_pages); i++)
    user_fill(as, heap_pages[i], 0x80 + i);
  check_as(as);
  return as;
}

void
test_share_sbrk_shrink_cuts_shared(void)
{
  struct aspace *as = heap_parent();
  struct aspace *c = aspace_clone(as, 0);
  CHECK(c != 0);
  uint64 t1 = leaf(as, SPAN), t2 = leaf(as, 2 * SPAN), sp0 = pmap_shared_pages();
  CHECK_EQ(leaf(c, SPAN), t1);
  CHECK_EQ(leaf(c, 2 * SPAN), t2);
  vaddr_t old;
  CHECK(aspace_sbrk(c, -(int64)(HTOP - (SPAN + P(100))), 0, &old) == 0);
  CHECK_EQ(c->brk, SPAN + P(100));
  CHECK(leaf(c, SPAN) != t1);      // the cut span: owned, then trimmed
  CHECK_EQ(leaf(c, 2 * SPAN), 0);  // a whole span: dropped with one decrement
  CHECK_EQ(frame_refcount(t1), 1);
  CHECK_EQ(frame_refcount(t2), 1);
  CHECK_EQ(pmap_shared_pages(), sp0 - 5);
  CHECK_EQ(frame_refcount(pa_of(as, SPAN + P(99))), 2);
  CHECK_EQ(frame_refcount(pa_of(as, SPAN + P(100))), 1);
  CHECK(!mapping(c, SPAN + P(100), 0, 0));
  CHECK(!mapping(c, 3 * SPAN + P(9), 0, 0));
  for (uint i = 0; i < NELEM(heap_pages); i++) {
    CHECK(page_is(page_at(as, heap_pages[i]), 0x80 + i));
    if (heap_pages[i] < SPAN + P(100))
      CHECK(page_is(page_at(c, heap_pages[i]), 0x80 + i));
  }
  check_as(as);
  check_as(c);
  // Grow back: the pages come back empty.
  CHECK(aspace_sbrk(c, SPAN, 0, &old) == 0);
  CHECK_EQ(vm_fault(c, SPAN + P(100), ACC_READ, 0, 0), FAULT_OK);
  CHECK(page_is(page_at(c, SPAN + P(100)), 0));
  check_as(c);
  aspace_put(c);
  aspace_put(as);
}

void
test_share_sbrk_shrink_oom(void)
{
  struct aspace *as = heap_parent();
  struct aspace *c = aspace_clone(as, 0);
  CHECK(c != 0);
  uint64 t1 = leaf(as, SPAN), t2 = leaf(as, 2 * SPAN), sp0 = pmap_shared_pages();
  struct as_snap sc, sa;
  as_snap_take(c, &sc);
  as_snap_take(as, &sa);
  pool_drain(0);
  vaddr_t old;
  // Cutting span 1 needs a private copy of it: none to be had.
  CHECK(aspace_sbrk(c, -(int64)(HTOP - (SPAN + P(100))), 0, &old) == -1);
  as_snap_same(c, &sc);
  as_snap_same(as, &sa);
  CHECK_EQ(leaf(c, SPAN), t1);
  CHECK_EQ(leaf(c, 2 * SPAN), t2);
  CHECK_EQ(frame_refcount(t1), 2);
  CHECK_EQ(pmap_shared_pages(), sp0);
  CHECK_EQ(frames_free(), 0);
  // Cutting span 2 as well: the same.
  CHECK(aspace_sbrk(c, -(int64)(HTOP - (2 * SPAN + P(1))), 0, &old) == -1);
  as_snap_same(c, &sc);
  // At a span boundary nothing needs copying (span 3 was copied at fork).
  CHECK(aspace_sbrk(c, -(int64)(HTOP - 2 * SPAN), 0, &old) == 0);
  CHECK_EQ(leaf(c, 2 * SPAN), 0);
  CHECK_EQ(frame_refcount(t2), 1);
  CHECK_EQ(pmap_shared_pages(), sp0 - 1);
  check_as(c);
  CHECK(aspace_sbrk(c, -(int64)SPAN, 0, &old) == 0);
  CHECK_EQ(leaf(c, SPAN), 0);
  CHECK_EQ(frame_refcount(t1), 1);
  CHECK_EQ(pmap_shared_pages(), sp0 - 5);
  check_as(c);
  pool_release();
  for (uint i = 0; i < NELEM(heap_pages); i++)
    CHECK(page_is(page_at(as, heap_pages[i]), 0x80 + i));
  check_as(as);
  aspace_put(c);
  aspace_put(as);
}

void
test_share_cow_fault_oom(void)
{
  struct aspace *as = parent_new();
  struct aspace *c = aspace_clone(as, 0);
  CHECK(c != 0);
  uint64 t0 = leaf(as, MM);
  struct as_snap sc;
  as_snap_take(c, &sc);
  const char *why = 0;
  pool_drain(0);
  CHECK_EQ(vm_fault(c, fill_va[3], ACC_WRITE, 0, &why), FAULT_OOM);
  CHECK_STR(why, "out of memory");
  CHECK_EQ(vm_fault(c, MM + P(2), ACC_READ, 0, 0), FAULT_OOM);  // fill needs the copy too
  as_snap_same(c, &sc);
  CHECK_EQ(leaf(c, MM), t0);
  CHECK_EQ(frame_refcount(t0), 2);
  pool_release();
  pool_drain(1);  // the table copy fits, the page copy does not
  CHECK_EQ(vm_fault(c, fill_va[3], ACC_WRITE, 0, 0), FAULT_OOM);
  CHECK(leaf(c, MM) != t0);  // owned: a harmless change
  CHECK_EQ(prot_of(c, fill_va[3]), COW_RO);
  check_as(c);
  check_as(as);
  pool_release();
  user_fill(c, fill_va[3], 0x44);
  contents_ok(as);
  aspace_put(c);
  aspace_put(as);
}

void
test_share_clone_oom_sweep(void)
{
  struct aspace *as = parent_new();
  uint64 free0 = frames_free(), sp0 = pmap_shared_pages();
  int ok = 0;
  for (uint64 leave = 0; leave < 8 && !ok; leave++) {
    pool_drain(leave);
    struct aspace *c = aspace_clone(as, 0);
    pool_release();
    check_as(as);
    if (c) {
      check_as(c);
      contents_ok(c);
      aspace_put(c);
      ok = 1;
    }
    CHECK_EQ(frames_free(), free0);
    CHECK_EQ(pmap_shared_pages(), sp0);
    contents_ok(as);
  }
  CHECK(ok);
  aspace_put(as);
}

// Whole spans on both sides of a 1 GiB boundary: the child needs a second
// L1 table for the upper one, and cutting across the boundary owns two
// edge tables under different L1 tables.
void
test_share_across_gigabyte(void)
{
  const uint64 gig = 1UL << 30;
  struct aspace *as = as_process();
  CHECK(aspace_map(as, gig - SPAN, gig + SPAN, RW, RK_MMAP) == 0);
  user_fill(as, gig - P(1), 0x61);
  user_fill(as, gig, 0x62);
  uint64 free0 = frames_free(), sp0 = pmap_shared_pages();
  // Too little memory at each point of the clone: it fails, nothing leaks.
  for (uint64 leave = 0; leave < 5; leave++) {
    pool_drain(leave);
    CHECK(aspace_clone(as, 0) == 0);
    pool_release();
    CHECK_EQ(frames_free(), free0);
    CHECK_EQ(pmap_shared_pages(), sp0);
    check_as(as);
  }
  struct aspace *c = aspace_clone(as, 0);
  CHECK(c != 0);
  CHECK_EQ(frames_free(), free0 - 5);  // aspace, region slots, root, two L1 tables
  CHECK_EQ(c->pmap.ptpages, 5);
  CHECK_EQ(leaf(c, gig - SPAN), leaf(as, gig - SPAN));
  CHECK_EQ(leaf(c, gig), leaf(as, gig));
  CHECK_EQ(pmap_shared_pages(), sp0 + 2);
  check_as(c);
  struct as_snap sc;
  as_snap_take(c, &sc);
  pool_drain(1);  // one edge copy fits, the other does not
  CHECK(aspace_unmap(c, gig - P(1), gig + P(1)) == -1);
  pool_release();
  as_snap_same(c, &sc);
  CHECK(page_is(page_at(c, gig - P(1)), 0x61));
  CHECK(aspace_unmap(c, gig - P(1), gig + P(1)) == 0);
  CHECK(leaf(c, gig - SPAN) != leaf(as, gig - SPAN));
  CHECK(leaf(c, gig) != leaf(as, gig));
  CHECK_EQ(pmap_shared_pages(), sp0);
  CHECK(!mapping(c, gig, 0, 0));
  CHECK(page_is(page_at(as, gig), 0x62));
  CHECK(page_is(page_at(as, gig - P(1)), 0x61));
  check_as(c);
  check_as(as);
  aspace_put(as);
  aspace_put(c);
}

// A leaf table emptied by a partial removal and then wholly covered again
// by the grown heap is shared like any other.
void
test_share_empty_table(void)
{
  struct aspace *as = as_process();
  vaddr_t old;
  CHECK(aspace_sbrk(as, SPAN + P(100) - HEAP_START, 0, &old) == 0);
  user_fill(as, SPAN + P(60), 0x11);
  CHECK(aspace_sbrk(as, -(int64)P(90), 0, &old) == 0);  // break at SPAN + P(10)
  uint64 t = leaf(as, SPAN);
  CHECK(t != 0);
  CHECK_EQ(pmap_count(&as->pmap, SPAN, 2 * SPAN), 0);
  CHECK(aspace_sbrk(as, 2 * SPAN, 0, &old) == 0);
  struct aspace *c = aspace_clone(as, 0);
  CHECK(c != 0);
  CHECK_EQ(leaf(c, SPAN), t);
  CHECK_EQ(frame_refcount(t), 2);
  check_as(c);
  CHECK_EQ(vm_fault(c, SPAN + P(60), ACC_READ, 0, 0), FAULT_OK);
  CHECK_EQ(pa_of(c, SPAN + P(60)), frame_zero_page());
  CHECK(leaf(c, SPAN) != t);
  CHECK(!mapping(as, SPAN + P(60), 0, 0));
  check_as(c);
  check_as(as);
  aspace_put(as);
  aspace_put(c);
}
