// pmaptest's census for the shared audits (common/harness.c): walks every
// live Sv39 table and recomputes every count from scratch. With shared leaf
// tables a frame's count is "distinct leaf tables mapping it" and a leaf
// table's count is "L1 entries pointing at it".
#include <stdlib.h>
#include <stddef.h>
#include "types.h"
#include "memlayout.h"
#include "arch/riscv/kmem.h"
#include "vm/vm.h"
#include "lib/klib.h"
#include "harness.h"
#include "rpmap.h"

static uint32 *leafrefs, *datarefs;  // per frame: references found
static uint64 *seen;                 // frame numbers with a nonzero entry above
static uint64 nseen;

// Frame number of pa, or -1 if pa is not a frame of the arena.
static int64
frame_no(uint64 pa)
{
  if (pa < FAKE_RAM_BASE || pa % PGSIZE || (pa - FAKE_RAM_BASE) / PGSIZE >= arena_npages())
    return -1;
  return (pa - FAKE_RAM_BASE) / PGSIZE;
}

static int
in_arena(void *p)
{
  return frame_no(PGROUNDDOWN(V2P(p))) >= 0;
}

// A kernel-half root entry as pmap_kernel_init writes it (spec bits).
static uint64
kernel_entry(int i)
{
  if (i < 256 || i > 259)
    return 0;
  uint64 pa = (uint64)(i - 256) << 30;
  return ((pa >> 12) << 10) | RP_V | RP_R | RP_W | RP_X | RP_A | RP_D | RP_G;
}

static void
check_leaf_pte(struct census *c, uint64 tpa, int k, uint64 pte)
{
  const char *why = 0;
  uint64 want = RP_V | RP_U;  // A may be clear: a page mapped ahead, not yet accessed
  if ((pte & want) != want)
    why = "V or U missing";
  else if (pte & RP_G)
    why = "G set on a user page";
  else if ((pte & RP_W) && !(pte & RP_R))
    why = "W without R";
  else if ((pte & RP_W) && (pte & RP_COW))
    why = "both W and COW";
  else if ((pte & RP_COW) && !(pte & RP_R))
    why = "COW without R";
  else if (!!(pte & RP_D) != !!(pte & RP_W))
    why = "D without W or W without D";
  else if (pte >> 54)
    why = "reserved high bits set";
  else if (frame_no(RP_PA(pte)) < 0)
    why = "maps a frame outside the arena";
  else if (frame_refcount(RP_PA(pte)) <= 0)
    why = "maps a free frame";
  else if (RP_PA(pte) == frame_zero_page() && (pte & RP_W))
    why = "zero page writable";
  if (why)
    census_bad(c, "leaf table %#lx pte %d (%#lx): %s", tpa, k, pte, why);
}

void
census_take(struct census *c)
{
  memset(c, 0, sizeof(*c));
  uint64 naspace = 0, ndata = 0, cached_mapped = 0;
  if (leafrefs == 0) {
    leafrefs = calloc(arena_npages(), sizeof(uint32));
    datarefs = calloc(arena_npages(), sizeof(uint32));
    seen = calloc(2 * arena_npages(), sizeof(uint64));
  }
  paddr_t zero = frame_zero_page();
  // Pass 1: roots and L1 tables per pmap; count references to leaf tables.
  for (int n = 0; n < rp_nlive(); n++) {
    struct pmap *pm = rp_live(n);
    naspace += in_arena(pm);
    uint64 rootpa = V2P(pm->root), ptp = 1, res = 0, swp = 0;
    if (frame_no(rootpa) < 0 || frame_refcount(rootpa) != 1)
      census_bad(c, "root %#lx: not a frame with count 1", rootpa);
    c->tables++;
    for (int i = 256; i < RP_NPTE; i++)
      if (pm->root[i] != kernel_entry(i))
        census_bad(c, "root %#lx: kernel entry %d is %#lx", rootpa, i, pm->root[i]);
    for (int i = 0; i < 256; i++) {
      uint64 e = pm->root[i];
      if (!(e & RP_V)) {
        if (e)
          census_bad(c, "root entry %d: junk %#lx", i, e);
        continue;
      }
      if ((e & 0x3FF) != RP_V || frame_no(RP_PA(e)) < 0 || frame_refcount(RP_PA(e)) != 1) {
        census_bad(c, "root entry %d: %#lx is not a private L1 table", i, e);
        continue;
      }
      c->tables++;
      ptp++;
      uint64 *l1 = P2V(RP_PA(e));
      for (int j = 0; j < RP_NPTE; j++) {
        uint64 e1 = l1[j];
        if (!(e1 & RP_V)) {
          if (e1)
            census_bad(c, "L1 entry %d/%d: junk %#lx", i, j, e1);
          continue;
        }
        int64 f = frame_no(RP_PA(e1));
        if ((e1 & 0x3FF) != RP_V || f < 0) {
          census_bad(c, "L1 entry %d/%d: %#lx is not a table pointer", i, j, e1);
          continue;
        }
        ptp++;
        if (leafrefs[f]++ == 0) {
          seen[nseen++] = f;
          c->tables++;
        }
        uint64 *l0 = P2V(RP_PA(e1));
        for (int k = 0; k < RP_NPTE; k++) {
          if (l0[k] & RP_V)
            res++;
          else if ((l0[k] & 0x3FF) == RP_SWAP && !(l0[k] >> 54))
            swp++;  // slot checked once per distinct table below
          else if (l0[k])
            census_bad(c, "leaf pte %d/%d/%d: junk %#lx", i, j, k, l0[k]);
        }
      }
    }
    if (pm->ptpages != ptp)
      census_bad(c, "pmap %p: ptpages %lu but %lu tables", (void *)pm, pm->ptpages, ptp);
    if (pm->resident != res)
      census_bad(c, "pmap %p: resident %lu but %lu PTEs", (void *)pm, pm->resident, res);
    if (pm->swapped != swp)
      census_bad(c, "pmap %p: swapped %lu but %lu swap entries", (void *)pm, pm->swapped, swp);
    c->swapped += swp;
  }
  // Pass 2: each distinct leaf table once.
  uint64 nleaf = nseen;
  for (uint64 s = 0; s < nleaf; s++) {
    uint64 f = seen[s], tpa = FAKE_RAM_BASE + f * PGSIZE;
    if (frame_refcount(tpa) != (int)leafrefs[f])
      census_bad(c, "leaf table %#lx: count %d but %u L1 entries", tpa, frame_refcount(tpa),
                 leafrefs[f]);
    uint64 *l0 = P2V(tpa);
    for (int k = 0; k < RP_NPTE; k++) {
      uint64 pte = l0[k];
      if (!(pte & RP_V)) {
        if (pte & RP_SWAP)
          census_slot(c, (swapslot_t)(pte >> 10));  // one reference per distinct leaf table
        continue;
      }
      check_leaf_pte(c, tpa, k, pte);
      uint64 pa = RP_PA(pte);
      int64 d = frame_no(pa);
      if (d < 0)
        continue;
      if (leafrefs[f] > 1 && (pte & RP_W))
        census_bad(c, "shared leaf table %#lx: writable pte %d", tpa, k);
      if (pa == zero) {
        c->zmaps++;
        continue;
      }
      c->shared_pages += leafrefs[f] - 1;
      if (leafrefs[d])
        census_bad(c, "frame %#lx is both a leaf table and data", pa);
      if (datarefs[d]++ == 0) {
        seen[nseen++] = d;
        ndata++;
      }
    }
  }
  census_slots_end(c);
  // Pass 3: data frames.
  for (uint64 s = nleaf; s < nseen; s++) {
    uint64 d = seen[s], pa = FAKE_RAM_BASE + d * PGSIZE;
    int cache = fakeobj_holds(pa);  // the page cache's own reference
    cached_mapped += cache;
    if (frame_refcount(pa) != (int)datarefs[d] + cache)
      census_bad(c, "frame %#lx: count %d but %u leaf tables map it (+%d cache)", pa,
                 frame_refcount(pa), datarefs[d], cache);
    c->shared_frames += datarefs[d] + cache - 1;
  }
  for (uint64 s = 0; s < nseen; s++)
    leafrefs[seen[s]] = datarefs[seen[s]] = 0;
  nseen = 0;
  c->held = naspace + ndata + fakeobj_npages() - cached_mapped;
}

void
census_each_as(void (*fn)(struct aspace *as, void *arg), void *arg)
{
  for (int n = 0; n < rp_nlive(); n++) {
    // Some tests build bare page tables; an address space is a kalloc'd page.
    struct aspace *as = (struct aspace *)((char *)rp_live(n) - offsetof(struct aspace, pmap));
    if (arena_holds(as) && (uint64)as % PGSIZE == 0)
      fn(as, arg);
  }
}

int
census_live(void)
{
  return rp_nlive();
}

static void
visit_within(uint64 va, uint64 pte, uint64 table_pa, void *arg)
{
  int prot = ((pte & RP_R) ? PROT_READ : 0) | ((pte & RP_W) ? PROT_WRITE : 0) |
             ((pte & RP_X) ? PROT_EXEC : 0) | ((pte & RP_COW) ? PMAP_COW : 0);
  within_check(arg, va, RP_PA(pte), prot);
}

// A leaf table shared with another page table must lie wholly inside one
// region: otherwise a later change at its edge would reach the other.
static void
shared_inside(uint64 base, uint64 table_pa, void *arg)
{
  struct within *a = arg;
  if (a->bad || frame_refcount(table_pa) < 2)
    return;
  struct region *r = find_region(a->as, base);
  if (r == 0 || r->end < base + SPAN) {
    a->bad = "shared leaf table not inside one region";
    a->badva = base;
  }
}

void
census_as(struct aspace *as, struct within *w)
{
  rp_visit(&as->pmap, visit_within, w);
  rp_visit_leaves(&as->pmap, shared_inside, w);
}
