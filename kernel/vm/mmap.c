// The address-space side of mmap, munmap and mprotect: placement (never
// in the heap's room to grow or a stack guard), MAP_FIXED replacement,
// splitting for mprotect, and the ranges these calls may not touch.
// Argument decoding is sysvm.c's; regions are region.c's.
#include "types.h"
#include "memlayout.h"
#include "vmstat.h"
#include "vm/vm.h"
#include "lib/klib.h"

// 1 if [start, end) overlaps the heap region: sbrk alone moves it.
static int
hits_heap_locked(struct aspace *as, vaddr_t start, vaddr_t end)
{
  vaddr_t top = PGROUNDUP(as->brk);
  return top > as->heap_start && start < top && end > as->heap_start;
}

// 1 if [start, end) covers the guard page below a stack region.
static int
hits_guard_locked(struct aspace *as, vaddr_t start, vaddr_t end)
{
  int i = region_index_locked(as, start);
  for (; i < as->nregion && as->region[i]->start - PGSIZE < end; i++)
    if (as->region[i]->kind == RK_STACK && as->region[i]->start - PGSIZE >= start)
      return 1;
  return 0;
}

// Regions the set holds after [start, end) is unmapped.
static int
count_after_unmap_locked(struct aspace *as, vaddr_t start, vaddr_t end)
{
  int n = as->nregion;
  for (int i = region_index_locked(as, start); i < as->nregion; i++) {
    struct region *r = as->region[i];
    if (r->start >= end)
      break;
    if (r->start < start && r->end > end)
      n++;  // split in two
    else if (r->start >= start && r->end <= end)
      n--;
  }
  return n;
}

// mmap's area: above the heap's room to grow, below the stack's guard page.
#define MMAP_TOP VM_MMAP_TOP

// Where mmap puts a mapping nobody placed: top-down from MMAP_TOP.
static int
pick_locked(struct aspace *as, uint64 len, vaddr_t *va)
{
  vaddr_t lo = MAX(as->heap_start + HEAP_ROOM, PGROUNDUP(as->brk) + PGSIZE);
  return region_gap_locked(as, len, lo, MMAP_TOP, va);
}

// Is [va, va+len) a range the kernel could have picked itself (a hint)?
static int
hint_ok_locked(struct aspace *as, vaddr_t va, uint64 len)
{
  vaddr_t got;
  if (va % PGSIZE || va < as->heap_start + HEAP_ROOM || va > MMAP_TOP || len > MMAP_TOP - va)
    return 0;
  return region_gap_locked(as, len, va, va + len, &got) == 0 && got == va;
}

int
aspace_mmap(struct aspace *as, vaddr_t *va, uint64 len, int fixed, struct region *tmpl)
{
  if (len == 0 || len % PGSIZE)
    return -1;
  struct region *dead = 0;
  int err = -1;
  acquiresleep(&as->lock);
  vaddr_t start = *va;
  if (fixed) {
    if (start % PGSIZE || start < PGSIZE || start > MAXVA - len ||
        hits_heap_locked(as, start, start + len) || hits_guard_locked(as, start, start + len) ||
        count_after_unmap_locked(as, start, start + len) + 1 > NREGION)
      goto out;
  } else if (!hint_ok_locked(as, start, len) && pick_locked(as, len, &start) < 0) {
    goto out;
  }
  // Claim the region slot before anything goes, so nothing can fail after.
  struct region *slot = region_alloc_locked(as);
  if (slot == 0)
    goto out;
  if (fixed && aspace_unmap_locked(as, start, start + len, &dead) < 0) {
    region_free_locked(as, slot);
    goto out;
  }
  tmpl->start = start;
  tmpl->end = start + len;
  if (aspace_map_slot_locked(as, slot, tmpl) < 0)
    goto out;
  *va = start;
  err = 0;
out:
  ASPACE_CHECK(as);
  releasesleep(&as->lock);
  aspace_reap(as, dead);
  return err;
}

// ---- writeback of MAP_SHARED file pages ----
// A writable PTE of a shared file page is a claim that the page is dirty:
// write-notify granted W on the first store (vmobj_dirty then), but a
// page written back since may have been stored to again through it.
// Whenever W goes (munmap, msync, mprotect, exit) the claim passes to the
// object first (vmobj_dirty); writeback then needs no as->lock.

static int
shared_file(struct region *r)
{
  return r->obj && (r->flags & REG_SHARED);
}

static void
claim_page(uint64 va, void *arg)
{
  struct region *r = arg;
  vmobj_dirty(r->obj, (r->off + (va - r->start)) / PGSIZE);
}

// For mprotect: the region is looked up per page.
static void
claim_page_as(uint64 va, void *arg)
{
  struct region *r = region_find_locked(arg, va);
  if (r && shared_file(r))
    claim_page(va, r);
}

void
aspace_claim_dirty_locked(struct aspace *as, vaddr_t start, vaddr_t end)
{
  for (int i = region_index_locked(as, start); i < as->nregion; i++) {
    struct region *r = as->region[i];
    if (r->start >= end)
      break;
    if (shared_file(r))
      pmap_writable(&as->pmap, MAX(start, r->start), MIN(end, r->end), claim_page, r);
  }
}

// Pages of a shared file region to write back once as->lock is dropped.
struct sync_job {
  struct vmobj *o;  // a reference of the job's own
  uint64 first, last;
};
#define NJOB 8

// Jobs for the shared file regions in [start, *end). More than NJOB of
// them: *end is lowered to the start of the first one left out.
static int
collect_jobs_locked(struct aspace *as, vaddr_t start, vaddr_t *end, struct sync_job *job)
{
  int n = 0;
  for (int i = region_index_locked(as, start); i < as->nregion; i++) {
    struct region *r = as->region[i];
    if (r->start >= *end)
      break;
    if (!shared_file(r))
      continue;
    if (n == NJOB) {
      *end = r->start;
      break;
    }
    vaddr_t s = MAX(start, r->start), e = MIN(*end, r->end);
    vmobj_dup(r->obj);
    job[n++] = (struct sync_job){r->obj, (r->off + (s - r->start)) / PGSIZE,
                                 (r->off + (e - r->start)) / PGSIZE};
  }
  return n;
}

// Write back (unless sync is 0) and drop the jobs' references. 0 / -1.
// Every sharer's writable PTEs of the pages (other processes', a forked
// child's) pass their claims on and lose W first (the reverse map), so
// their stores reach the disk too and later ones are noticed.
static int
run_jobs(struct sync_job *job, int n, int sync)
{
  int err = 0;
  for (int i = 0; i < n; i++) {
    if (sync && vmobj_wrprotect_range(job[i].o, job[i].first, job[i].last) < 0)
      err = -1;
    if (sync && vmobj_sync(job[i].o, job[i].first, job[i].last) < 0)
      err = -1;
    vmobj_put(job[i].o);
  }
  return err;
}

// munmap writes dirty shared pages back before it returns. A range with
// more than NJOB shared file regions goes in rounds of NJOB, each one
// complete (a failure in a later round leaves the earlier ones unmapped).
int
aspace_munmap(struct aspace *as, vaddr_t start, uint64 len)
{
  if (start % PGSIZE || len == 0 || start >= MAXVA || len > MAXVA - start)
    return -1;
  vaddr_t end = PGROUNDUP(start + len);
  int err = 0;
  while (start < end && err == 0) {
    struct region *dead = 0;
    struct sync_job job[NJOB];
    vaddr_t cut = end;
    acquiresleep(&as->lock);
    int n = 0;
    if (hits_heap_locked(as, start, end)) {
      err = -1;
    } else {
      n = collect_jobs_locked(as, start, &cut, job);
      aspace_claim_dirty_locked(as, start, cut);
      err = aspace_unmap_locked(as, start, cut, &dead);
    }
    ASPACE_CHECK(as);
    releasesleep(&as->lock);
    aspace_reap(as, dead);
    if (run_jobs(job, n, err == 0) < 0)
      err = -1;
    start = cut;
  }
  return err;
}

// Every page of [start, end) lies in some region, each allowing prot.
static int
protect_ok_locked(struct aspace *as, vaddr_t start, vaddr_t end, int prot)
{
  vaddr_t va = start;
  for (int i = region_index_locked(as, start); va < end; i++) {
    if (i >= as->nregion || as->region[i]->start > va)
      return 0;  // a hole
    if (prot & ~as->region[i]->maxprot)
      return 0;
    va = as->region[i]->end;
  }
  return 1;
}

int
aspace_protect(struct aspace *as, vaddr_t start, uint64 len, int prot)
{
  if (start % PGSIZE || len == 0 || start >= MAXVA || len > MAXVA - start)
    return -1;
  if (prot & PROT_WRITE)
    prot |= PROT_READ;
  vaddr_t end = PGROUNDUP(start + len);
  acquiresleep(&as->lock);
  int err = -1;
  struct region *head = 0, *tail = 0;
  if (hits_heap_locked(as, start, end) || !protect_ok_locked(as, start, end, prot))
    goto out;
  // Split off the parts outside the range: slots first, so that nothing
  // can fail once a PTE has changed.
  int i = region_index_locked(as, start);
  int last = region_index_locked(as, end - 1);
  int needhead = as->region[i]->start<start, needtail = as->region[last]->end> end;
  if (as->nregion + needhead + needtail > NREGION)
    goto out;
  if ((needhead && (head = region_alloc_locked(as)) == 0) ||
      (needtail && (tail = region_alloc_locked(as)) == 0))
    goto out;
  if (pmap_protect(&as->pmap, start, end, prot, claim_page_as, as) < 0)
    goto out;
  if (needtail) {
    region_split_locked(as, last, end, tail);
    tail = 0;
  }
  if (needhead) {
    region_split_locked(as, i, start, head);
    head = 0;
    i++;
  }
  for (; i < as->nregion && as->region[i]->start < end; i++)
    as->region[i]->prot = prot;
  err = 0;
out:
  if (head)
    region_free_locked(as, head);
  if (tail)
    region_free_locked(as, tail);
  ASPACE_CHECK(as);
  releasesleep(&as->lock);
  return err;
}

// msync: write-protect this process's writable PTEs of shared file pages in
// the range (passing their claims on), so a later store faults and marks
// the page dirty again; then (run_jobs) every other sharer's; then write
// the dirty pages back.
int
aspace_msync(struct aspace *as, vaddr_t start, uint64 len)
{
  if (start % PGSIZE || len == 0 || start >= MAXVA || len > MAXVA - start)
    return -1;
  vaddr_t end = PGROUNDUP(start + len);
  int err = 0;
  while (start < end && err == 0) {
    struct sync_job job[NJOB];
    vaddr_t cut = end;
    int n = 0;
    acquiresleep(&as->lock);
    if (!protect_ok_locked(as, start, end, 0)) {  // every page mapped
      err = -1;
    } else {
      n = collect_jobs_locked(as, start, &cut, job);
      for (int i = region_index_locked(as, start); i < as->nregion; i++) {
        struct region *r = as->region[i];
        if (r->start >= cut)
          break;
        if (shared_file(r) && pmap_protect(&as->pmap, MAX(start, r->start), MIN(cut, r->end),
                                           r->prot & ~PROT_WRITE, claim_page, r) < 0)
          err = -1;
      }
    }
    releasesleep(&as->lock);
    if (run_jobs(job, n, 1) < 0)
      err = -1;
    start = cut;
  }
  return err;
}
