// The reverse map (rmap.c): every region holding an object is on that
// object's list exactly once while it is in an address space's set, and
// nothing else is. check_as (via check_objects) audits every list against a
// recount from every live address space after each step; these tests also
// check the counts they expect, through map, split, trims, MAP_FIXED
// replacement, fork, exit and a random mix.
#include "types.h"
#include "vm/vm.h"
#include "lib/klib.h"
#include "harness.h"
#include "arch/riscv/kmem.h"

#define OBJ_START P(100)

static int
linked(struct vmobj *o)
{
  return vmobj_rmap(o)->nlinked;
}

// r is on o's list (walks it).
static int
listed(struct vmobj *o, struct region *r)
{
  for (struct region *q = vmobj_rmap(o)->head; q; q = q->onext)
    if (q == r)
      return 1;
  return 0;
}

void
test_rmap_map_split_trim(void)
{
  struct aspace *as = as_process();
  struct vmobj *o = fakeobj_file(P(16));
  CHECK(aspace_map_obj(as, OBJ_START, OBJ_START + P(10), RW, RK_MMAP, REG_SHARED, o, 0, ~0UL) == 0);
  CHECK_EQ(linked(o), 1);
  struct region *r = find_region(as, OBJ_START);
  CHECK(listed(o, r) && r->as == as);
  check_as(as);
  // mprotect of the middle: three regions, all listed, each once.
  CHECK(aspace_protect(as, OBJ_START + P(3), P(2), PROT_READ) == 0);
  CHECK_EQ(linked(o), 3);
  struct region *mid = find_region(as, OBJ_START + P(3)), *hi = find_region(as, OBJ_START + P(6));
  CHECK(mid != r && hi != r && hi != mid);
  CHECK(listed(o, r) && listed(o, mid) && listed(o, hi));
  CHECK(mid->as == as && hi->as == as);
  check_as(as);
  // munmap inside a region: split (the tail is new and listed).
  CHECK(aspace_unmap(as, OBJ_START + P(7), OBJ_START + P(8)) == 0);
  CHECK_EQ(linked(o), 4);
  check_as(as);
  // Trims keep the region and its place on the list.
  CHECK(aspace_unmap(as, OBJ_START, OBJ_START + P(1)) == 0);
  CHECK(aspace_unmap(as, OBJ_START + P(9), OBJ_START + P(10)) == 0);
  CHECK_EQ(linked(o), 4);
  CHECK(listed(o, r) && r->start == OBJ_START + P(1));
  check_as(as);
  // A whole region goes: unlisted.
  CHECK(aspace_unmap(as, OBJ_START + P(3), OBJ_START + P(5)) == 0);
  CHECK_EQ(linked(o), 3);
  CHECK(!listed(o, mid));
  check_as(as);
  // MAP_FIXED over two of them with another object: they leave o's list.
  struct vmobj *o2 = fakeobj_file(P(4));
  struct region t = {
      .prot = PROT_READ, .maxprot = RW | PROT_EXEC, .kind = RK_MMAP, .obj = o2, .filelen = ~0UL};
  vaddr_t va = OBJ_START;
  CHECK(aspace_mmap(as, &va, P(6), 1, &t) == 0);
  CHECK_EQ(linked(o), 2);
  CHECK_EQ(linked(o2), 1);
  check_as(as);
  // A refused map links nothing.
  CHECK(aspace_map_obj(as, OBJ_START, OBJ_START + P(1), PROT_READ, RK_MMAP, 0, o, 0, 0) < 0);
  CHECK_EQ(linked(o), 2);
  aspace_put(as);
  CHECK_EQ(linked(o), 0);
  CHECK_EQ(linked(o2), 0);
  fakeobj_release(o);
  fakeobj_release(o2);
}

void
test_rmap_fork_exit(void)
{
  struct aspace *as = as_process();
  struct vmobj *o = fakeobj_file(P(16));
  CHECK(aspace_map_obj(as, OBJ_START, OBJ_START + P(4), RW, RK_MMAP, REG_SHARED, o, 0, ~0UL) == 0);
  CHECK(aspace_map_obj(as, P(200), P(204), RW, RK_MMAP, 0, o, P(4), ~0UL) == 0);
  user_fill(as, OBJ_START, 0x11);  // a dirty shared page, a private copy
  user_fill(as, P(200), 0x22);
  CHECK_EQ(linked(o), 2);
  struct aspace *c = aspace_clone(as, 0), *d = aspace_clone(as, 1);
  CHECK(c && d);
  CHECK_EQ(linked(o), 6);
  for (struct region *q = vmobj_rmap(o)->head; q; q = q->onext)
    CHECK(q->as == as || q->as == c || q->as == d);
  check_as(as);
  check_as(c);
  check_as(d);
  struct aspace *gc = aspace_clone(c, 0);
  CHECK(gc);
  CHECK_EQ(linked(o), 8);
  check_as(gc);
  aspace_put(as);  // the parent exits first: its regions leave, the children's stay
  CHECK_EQ(linked(o), 6);
  for (struct region *q = vmobj_rmap(o)->head; q; q = q->onext)
    CHECK(q->as == c || q->as == d || q->as == gc);
  check_as(c);
  aspace_put(c);
  aspace_put(gc);
  CHECK_EQ(linked(o), 2);
  check_as(d);
  aspace_put(d);
  CHECK_EQ(linked(o), 0);
  fakeobj_release(o);
}

// Out of memory in a fork: the half-built child's regions leave the lists.
void
test_rmap_fork_oom(void)
{
  struct aspace *as = as_process();
  struct vmobj *o = fakeobj_file(P(16));
  for (int i = 0; i < 6; i++)
    CHECK(aspace_map_obj(as, OBJ_START + P(4 * i), OBJ_START + P(4 * i + 2), RW, RK_MMAP,
                         i % 2 ? REG_SHARED : 0, o, P(i), ~0UL) == 0);
  for (int i = 0; i < 6; i++)
    user_fill(as, OBJ_START + P(4 * i), 0x30 + i);
  CHECK_EQ(linked(o), 6);
  int failed = 0;
  for (uint64 leave = 0; leave < 24; leave++) {
    pool_drain(leave < frames_free() ? leave : frames_free());
    struct aspace *c = aspace_clone(as, 1);
    pool_release();
    check_as(as);
    if (c == 0) {
      failed++;
      CHECK_EQ(linked(o), 6);
      continue;
    }
    CHECK_EQ(linked(o), 12);
    check_as(c);
    aspace_put(c);
    CHECK_EQ(linked(o), 6);
  }
  CHECK(failed > 0);
  aspace_put(as);
  CHECK_EQ(linked(o), 0);
  fakeobj_release(o);
}

// ---- random: object mappings mapped, replaced, split, trimmed, forked ----

#define RZONE P(0x200)
#define RPAGES 24
static struct vmobj *robj[2];

static void check_unmapped(struct vmobj *o, uint64 a, uint64 b);
static void check_readonly(struct vmobj *o, uint64 a, uint64 b);

static void
rstep(int t)
{
  int k = rnd(NMODEL);
  struct model *m = &models[k];
  if (m->as == 0) {
    int src = rnd(NMODEL);
    if (models[src].as && rnd(4))
      model_fork(k, src, rnd(2));
    else if (models_all_exited())
      model_restart(k);
    return;
  }
  struct aspace *as = m->as;
  uint64 s = RZONE + P(rnd(RPAGES)), len = P(1 + rnd(8));
  int op = rnd(12);
  if (op < 3) {  // mmap an object (MAP_FIXED half of the time)
    struct region tmpl = {.prot = rnd(2) ? RW : PROT_READ,
                          .maxprot = RW | PROT_EXEC,
                          .kind = RK_MMAP,
                          .flags = rnd(2) ? REG_SHARED : 0,
                          .obj = robj[rnd(2)],
                          .off = P(rnd(4)),
                          .filelen = ~0UL};
    vaddr_t va = s;
    aspace_mmap(as, &va, len, rnd(2), &tmpl);
  } else if (op < 5) {
    aspace_munmap(as, s, len);
  } else if (op < 7) {
    aspace_protect(as, s, len, rnd(2) ? RW : PROT_READ);
  } else if (op < 10) {  // a user access: file pages fault in, stores dirty them
    vm_fault(as, s + rnd(PGSIZE), 1 << rnd(2), 0, 0);
  } else if (op < 11) {
    aspace_msync(as, s, len);
  } else if (op < 12 && rnd(2)) {  // a walk from an object: every address space it reaches
    struct vmobj *o = robj[rnd(2)];
    uint64 a = rnd(16), b = a + 1 + rnd(8);
    int w = rnd(3);
    if (w == 0 && vmobj_unmap_range(o, a, b) == 0)
      check_unmapped(o, a, b);
    else if (w == 1 && vmobj_wrprotect_range(o, a, b) == 0)
      check_readonly(o, a, b);
    else if (w == 2) {  // truncation, then the file grows back (a later write)
      uint64 size = fakeobj_size(o);
      fakeobj_truncate(o, P(rnd(16)));
      if (vmobj_unmap_eof(o) == 0)
        check_unmapped(o, (fakeobj_size(o) + PGSIZE - 1) / PGSIZE, 16 + 8);
      fakeobj_set_size(o, size);
    }
  } else if (t % 2 == 0) {  // exit
    aspace_put(as);
    m->as = 0;
  }
}

// For each live model, fn on every page of o in [a, b) that one of its regions maps.
static void
each_mapping(struct vmobj *o, uint64 a, uint64 b, void (*fn)(struct region *r, vaddr_t va))
{
  for (int k = 0; k < NMODEL; k++) {
    struct aspace *as = models[k].as;
    for (int i = 0; as && i < as->nregion; i++) {
      struct region *r = as->region[i];
      if (r->obj != o)
        continue;
      for (vaddr_t va = r->start; va < r->end; va += PGSIZE) {
        uint64 pg = (r->off + (va - r->start)) / PGSIZE;
        if (pg >= a && pg < b && mapping(as, va, 0, 0))
          fn(r, va);
      }
    }
  }
}

static void
not_cache(struct region *r, vaddr_t va)
{
  paddr_t pa = pa_of(r->as, va);
  CHECKF(!(r->flags & REG_SHARED) && !fakeobj_holds(pa),
         "a cache page still mapped at %#lx after vmobj_unmap_range", va);
}

static void
check_unmapped(struct vmobj *o, uint64 a, uint64 b)
{
  each_mapping(o, a, b, not_cache);
}

static void
not_writable(struct region *r, vaddr_t va)
{
  CHECKF(!(r->flags & REG_SHARED) || !(prot_of(r->as, va) & PROT_WRITE),
         "a shared page still writable at %#lx after vmobj_wrprotect_range", va);
}

static void
check_readonly(struct vmobj *o, uint64 a, uint64 b)
{
  each_mapping(o, a, b, not_writable);
}

void
test_rmap_random(void)
{
  rnd_seed(0x9E3779B97F4A7C15UL);
  robj[0] = fakeobj_file(P(16));
  robj[1] = fakeobj_file(P(16) - 100);
  models_start(1);
  uint64 lost0 = unaccounted();
  for (int t = 0; t < 3000; t++) {
    int squeeze = rnd(8) == 0;
    if (squeeze) {
      uint64 leave = rnd(6);
      pool_drain(leave < frames_free() ? leave : frames_free());
    }
    rstep(t);
    models_audit(t, lost0);
    if (squeeze)
      pool_release();
  }
  models_exit_all();
  CHECK_EQ(linked(robj[0]), 0);
  CHECK_EQ(linked(robj[1]), 0);
  fakeobj_release(robj[0]);
  fakeobj_release(robj[1]);
}

// ---- the walkers: truncation, write-protection of every sharer, unmapping ----

#define SH P(100)  // a shared mapping of file pages 0..7
#define PR P(200)  // a private one of the same pages

static struct aspace *
as_with_file(struct vmobj *o)
{
  struct aspace *as = as_process();
  CHECK(aspace_map_obj(as, SH, SH + P(8), RW, RK_MMAP, REG_SHARED, o, 0, ~0UL) == 0);
  CHECK(aspace_map_obj(as, PR, PR + P(8), RW, RK_MMAP, 0, o, 0, ~0UL) == 0);
  return as;
}

static void
touch_all(struct aspace *as, int access)
{
  for (int i = 0; i < 8; i++) {
    CHECK_EQ(vm_fault(as, SH + P(i), access, 0, 0), FAULT_OK);
    CHECK_EQ(vm_fault(as, PR + P(i), access, 0, 0), FAULT_OK);
  }
}

// Truncation: in a parent, its forked child and an unrelated process, the
// pages past the new end (private copies too) leave every page table, and
// a touch there is "beyond end of file" in each; the pages before it stay.
void
test_rmap_truncate_every_sharer(void)
{
  struct vmobj *o = fakeobj_file(P(8));
  struct aspace *a = as_with_file(o), *b = as_with_file(o);
  touch_all(a, ACC_READ);
  user_fill(a, PR + P(6), 0x66);  // a private copy past the coming end
  user_fill(a, SH + P(1), 0x11);  // a shared store before it
  struct aspace *c = aspace_clone(a, 0);
  CHECK(c);
  touch_all(b, ACC_WRITE);
  uint64 shoot0 = pmap_shootdowns();
  fakeobj_truncate(o, P(3) - 10);
  CHECK_EQ(vmobj_unmap_eof(o), 0);
  CHECK(pmap_shootdowns() > shoot0);
  struct aspace *all[3] = {a, b, c};
  for (int k = 0; k < 3; k++) {
    for (int i = 0; i < 8; i++) {
      CHECKF(mapping(all[k], SH + P(i), 0, 0) == (i < 3), "as %d shared page %d", k, i);
      CHECKF(mapping(all[k], PR + P(i), 0, 0) == (i < 3), "as %d private page %d", k, i);
    }
    const char *why = 0;
    CHECK_EQ(vm_fault(all[k], SH + P(5), ACC_READ, 0, &why), FAULT_BUS);
    CHECK_STR(why, "beyond end of file");
    CHECK_EQ(vm_fault(all[k], PR + P(6), ACC_WRITE, 0, &why), FAULT_BUS);
    check_as(all[k]);
  }
  CHECK(page_is(page_at(c, SH + P(1)), 0x11));  // before the end: untouched
  CHECK(page_is(page_at(a, SH + P(1)), 0x11));
  aspace_put(a);
  aspace_put(b);
  aspace_put(c);
  fakeobj_release(o);
}

// Truncation also drops a private copy past the new end that sits on swap
// (in the parent and, through a shared leaf table, in its child): the slot
// is free again and a touch there is "beyond end of file".
void
test_rmap_truncate_swapped_copy(void)
{
  swap_table_init(8);
  struct vmobj *o = fakeobj_file(P(8));
  struct aspace *a = as_with_file(o);
  user_fill(a, PR + P(6), 0x66);  // a private copy past the coming end
  struct pmap_slot sl;
  swapslot_t slot = swap_alloc();
  CHECK(slot != 0);
  paddr_t pa = pa_of(a, PR + P(6));
  CHECK(pmap_slot_find(&a->pmap, PR + P(6), &sl) == 0 && pmap_slot_own(&a->pmap, &sl) == 0);
  pmap_slot_set_swap(&a->pmap, &sl, slot);  // paged out (the fake keeps no bytes)
  frame_unref(pa);
  struct aspace *c = aspace_clone(a, 0);
  CHECK(c);
  CHECK(swap_used() == 1);
  fakeobj_truncate(o, P(3));
  CHECK_EQ(vmobj_unmap_eof(o), 0);
  CHECK_EQ(swap_used(), 0);
  const char *why = 0;
  CHECK_EQ(vm_fault(a, PR + P(6), ACC_READ, 0, &why), FAULT_BUS);
  CHECK_EQ(vm_fault(c, PR + P(6), ACC_READ, 0, &why), FAULT_BUS);
  check_as(a);
  check_as(c);
  aspace_put(a);
  aspace_put(c);
  fakeobj_release(o);
  swap_table_init(0);
}

// Another process's copyin/copyout in flight (as->uaccess raised) may be
// using a frame whose PTE a walk just removed, or storing into a page just
// made read-only: the walk puts those PTEs back (and says -1) rather than
// free the frames or wait; once the copy is over the same walk succeeds.
void
test_rmap_backs_off_for_copy(void)
{
  struct vmobj *o = fakeobj_file(P(16));
  struct aspace *a = as_process();
  CHECK(aspace_map_obj(a, SH, SH + P(16), RW, RK_MMAP, REG_SHARED, o, 0, ~0UL) == 0);
  for (int i = 0; i < 16; i++)
    CHECK_EQ(vm_fault(a, SH + P(i), ACC_READ, 0, 0), FAULT_OK);
  user_fill(a, SH + P(1), 0x11);
  user_fill(a, SH + P(12), 0x12);
  CHECK(vmobj_sync(o, 0, 16) == 0);
  paddr_t p12 = pa_of(a, SH + P(12));
  a->uaccess = 1;  // a copy of a's is between its PTE lookup and its memmove
  CHECK_EQ(vmobj_wrprotect_range(o, 0, 16), -1);
  CHECK(prot_of(a, SH + P(1)) & PROT_WRITE);  // still writable: the copy's store stays a claim
  CHECK(prot_of(a, SH + P(12)) & PROT_WRITE);
  fakeobj_truncate(o, P(2));  // the detached frames' last references are the PTEs'
  CHECK_EQ(vmobj_unmap_eof(o), -1);
  for (int i = 0; i < 16; i++)
    CHECK(mapping(a, SH + P(i), 0, 0));
  CHECK_EQ(pa_of(a, SH + P(12)), p12);
  CHECK_EQ(frame_refcount(p12), 1);
  CHECK(page_is(page_at(a, SH + P(12)), 0x12));
  check_as(a);
  a->uaccess = 0;  // the copy is over
  CHECK_EQ(vmobj_wrprotect_range(o, 0, 2), 0);
  CHECK(!(prot_of(a, SH + P(1)) & PROT_WRITE));
  CHECK_EQ(vmobj_unmap_eof(o), 0);
  for (int i = 2; i < 16; i++)
    CHECK(!mapping(a, SH + P(i), 0, 0));
  CHECK_EQ(frame_refcount(p12), 0);
  check_as(a);
  aspace_put(a);
  fakeobj_release(o);
}

// msync's write-protection reaches every sharer: a forked child's store
// through a still-writable PTE (its claim) is written back at the parent's
// msync, and the child's next store faults again.
void
test_rmap_wrprotect_every_sharer(void)
{
  struct vmobj *o = fakeobj_file(P(8));
  struct aspace *p = as_with_file(o);
  struct aspace *c = aspace_clone(p, 0);
  CHECK(c);
  user_fill(c, SH + P(2), 0x22);  // write-notify: dirty, PTE writable
  CHECK(vmobj_sync(o, 0, 8) == 0);
  int wb = fakeobj_writebacks(o);
  CHECK_EQ(fakeobj_dirty(o), 0);
  memset(page_at(c, SH + P(2)), 0x23, PGSIZE);  // a store the PTE lets through: only a claim
  CHECK(prot_of(c, SH + P(2)) & PROT_WRITE);
  CHECK(aspace_msync(p, SH, P(8)) == 0);  // the parent never stored there
  CHECK_EQ(fakeobj_writebacks(o), wb + 1);
  CHECK(!(prot_of(c, SH + P(2)) & PROT_WRITE));
  CHECK(page_is(page_at(c, SH + P(2)), 0x23));
  CHECK_EQ(fakeobj_dirty(o), 0);
  user_fill(c, SH + P(2), 0x24);  // the next store is noticed
  CHECK_EQ(fakeobj_dirty(o), 1UL << 2);
  // munmap by the parent writes the child's claims back too.
  CHECK(vmobj_sync(o, 0, 8) == 0);
  memset(page_at(c, SH + P(2)), 0x25, PGSIZE);
  wb = fakeobj_writebacks(o);
  CHECK(aspace_munmap(p, SH, P(8)) == 0);
  CHECK_EQ(fakeobj_writebacks(o), wb + 1);
  CHECK(!(prot_of(c, SH + P(2)) & PROT_WRITE));
  check_as(p);
  check_as(c);
  aspace_put(p);
  aspace_put(c);
  fakeobj_release(o);
}

// vmobj_unmap_range: cache frames leave every page table (shared PTEs pass
// their claims first); private copies stay; then only the cache holds the
// pages and they can be dropped.
void
test_rmap_unmap_range(void)
{
  struct vmobj *o = fakeobj_file(P(8));
  struct aspace *a = as_with_file(o), *b = as_with_file(o);
  touch_all(a, ACC_READ);
  touch_all(b, ACC_READ);
  user_fill(a, SH + P(4), 0x44);  // dirty shared page
  user_fill(b, PR + P(5), 0x55);  // b's private copy
  CHECK(vmobj_sync(o, 0, 8) == 0);
  memset(page_at(a, SH + P(4)), 0x45, PGSIZE);  // a claim only
  CHECK_EQ(vmobj_unmap_range(o, 3, 7), 0);
  for (int i = 0; i < 8; i++) {
    int in = i >= 3 && i < 7;
    CHECK(mapping(a, SH + P(i), 0, 0) == !in);
    CHECK(mapping(a, PR + P(i), 0, 0) == !in);
    CHECK(mapping(b, SH + P(i), 0, 0) == !in);
    CHECK(mapping(b, PR + P(i), 0, 0) == (!in || i == 5));
  }
  CHECK(page_is(page_at(b, PR + P(5)), 0x55));
  CHECK_EQ(fakeobj_dirty(o), 1UL << 4);  // the claim reached the object
  CHECK(page_is(P2V(fakeobj_page(o, 4)), 0x45));
  for (int i = 3; i < 7; i++)
    CHECKF(fakeobj_drop(o, i), "page %d still mapped somewhere", i);
  CHECK(!fakeobj_drop(o, 2));
  // A refault reads the file again.
  CHECK_EQ(vm_fault(a, SH + P(3), ACC_READ, 0, 0), FAULT_OK);
  check_as(a);
  check_as(b);
  aspace_put(a);
  aspace_put(b);
  fakeobj_release(o);
}

// Out of memory while walking (copying a shared leaf table): whatever the
// walk managed, the audits hold and nothing leaks; with memory it completes.
void
test_rmap_walk_oom(void)
{
  struct vmobj *o = fakeobj_file(P(8));
  uint64 lost0 = unaccounted();
  for (uint64 leave = 0; leave < 6; leave++) {
    struct aspace *a = as_with_file(o);
    touch_all(a, ACC_READ);
    struct aspace *c = aspace_clone(a, 0);
    CHECK(c);
    pool_drain(leave < frames_free() ? leave : frames_free());
    vmobj_unmap_range(o, 0, 8);
    pool_release();
    check_as(a);
    check_as(c);
    CHECK_EQ(vmobj_unmap_range(o, 0, 8), 0);
    for (int i = 0; i < 8; i++)
      CHECK(!mapping(a, SH + P(i), 0, 0) && !mapping(c, SH + P(i), 0, 0));
    aspace_put(a);
    aspace_put(c);
  }
  CHECK_EQ(unaccounted(), lost0);
  fakeobj_release(o);
}
