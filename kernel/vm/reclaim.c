// The reclaimer: when free frames fall below the LOW watermark, the
// allocating fault frees frames until HIGH (direct reclaim: no kernel
// thread); when a fault still finds no frame, the OOM killer kills the
// process using the most memory. Not here: how a page is written to swap
// (pageout), how the page cache picks its victims (object.c).
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "vmstat.h"
#include "proc/proc.h"
#include "vm/vm.h"
#include "lib/klib.h"

// Watermarks, in frames, from the machine's size: LOW = total/64 and
// HIGH = total/32 (at least 32 and 64: 1.5% and 3% of memory, 2 and 4 MiB
// of a 128 MiB machine). Between them lies the hysteresis that makes one
// reclaim run serve many faults. HIGH is also fault-around's reserve
// (anon.c): mapping pages ahead is speculative, so it never takes free
// memory below HIGH and never triggers reclaim by itself.
#define LOW_DIV 64
#define HIGH_DIV 32
#define LOW_MIN 32
#define HIGH_MIN 64

// The OOM path: a fault that found no frame reclaims up to OOM_BATCH
// frames and retries; with nothing to reclaim it kills, waits for the
// victim, retries, at most OOM_TRIES times before the fault fails.
#define OOM_BATCH 32
#define OOM_TRIES 8
#define OOM_WAIT_TICKS 30  // 3 s: a victim stuck longer is waited for no more

// Lock key: s = reclaim.lock held; a = atomic.
static struct {
  struct sleeplock lock;  // one reclaimer at a time
  uint64 runs;            // a: reclaim() runs since boot
  uint64 freed;           // a: frames they freed
  uint64 cache;           // a: of which clean unmapped page-cache pages (pass 1)
  uint64 file;            // a: mapped file pages unmapped then freed (the clock)
  uint64 anon;            // a: anonymous pages written to swap (the clock)
  uint64 young;           // a: pages the clock gave a second chance
  uint64 oom_kills;       // a: processes the OOM killer chose
  uint64 floored;         // a: clock runs that found the page cache at the file floor
  uint64 floor;           // a: the file floor in pages + 1; 0: the HIGH watermark
  uint fruitless;         // s: ticks when a watermark run last freed nothing (+1; 0: never)
} rc;

void
reclaim_init(void)
{
  initsleeplock(&rc.lock, "reclaim");
}

uint64
reclaim_low(void)
{
  return MAX(frame_ntotal() / LOW_DIV, (uint64)LOW_MIN);
}

uint64
reclaim_high(void)
{
  return MAX(frame_ntotal() / HIGH_DIV, (uint64)HIGH_MIN);
}

// The file floor: the clock unmaps no file page while the page cache holds
// this many pages or fewer (VMCTL_FILE_FLOOR sets it; default HIGH).
uint64
reclaim_file_floor(void)
{
  uint64 f = __atomic_load_n(&rc.floor, __ATOMIC_RELAXED);
  return f == 0 ? reclaim_high() : f - 1;
}

// VMCTL_FILE_FLOOR: pages >= 0 sets the floor, -1 restores the default;
// returns the floor it replaced.
uint64
reclaim_set_file_floor(int64 pages)
{
  uint64 old = reclaim_file_floor();
  __atomic_store_n(&rc.floor, pages < 0 ? 0 : (uint64)pages + 1, __ATOMIC_RELAXED);
  return old;
}

void
reclaim_stats(struct vmstat *st)
{
  st->reclaim_runs = __atomic_load_n(&rc.runs, __ATOMIC_RELAXED);
  st->reclaim_freed = __atomic_load_n(&rc.freed, __ATOMIC_RELAXED);
  st->reclaim_cache = __atomic_load_n(&rc.cache, __ATOMIC_RELAXED);
  st->reclaim_file = __atomic_load_n(&rc.file, __ATOMIC_RELAXED);
  st->reclaim_anon = __atomic_load_n(&rc.anon, __ATOMIC_RELAXED);
  st->oom_kills = __atomic_load_n(&rc.oom_kills, __ATOMIC_RELAXED);
  st->low_wmark = reclaim_low();
  st->high_wmark = reclaim_high();
  st->clock_young = __atomic_load_n(&rc.young, __ATOMIC_RELAXED);
  st->file_floor = reclaim_file_floor();
  st->clock_floor = __atomic_load_n(&rc.floored, __ATOMIC_RELAXED);
}

static void
count(uint64 *c, uint64 n)
{
  __atomic_fetch_add(c, n, __ATOMIC_RELAXED);
}

// Passes 1 and 3: page-cache pages no page table maps, by object.c's own
// clock (referenced bit, second chance): clean ones (no write, no unmap),
// then with dirty also dirty ones, written back through the log first.
static uint64
pass_cache(uint64 want, int dirty)
{
  uint64 n = vmobj_reclaim(want, dirty);
  count(&rc.cache, n);
  return n;
}

// ---- pass 2: the clock over address spaces ----
// The hand visits address spaces in process-table order and, in each, the
// pages of its regions from as->clock_va on. A page whose accessed bit is
// set loses it (a second chance); one found clear is evicted: a page-cache
// page leaves this page table (passes 1/3 then free it), a private
// anonymous page goes to swap. Leaf tables shared since fork are skipped
// whole (one pmap, one hart: docs/vm.md, "The TLB argument"), and so are
// address spaces whose lock is busy (never wait for a lock here) and
// processes already dying.
#define LEAF_SPAN (512 * PGSIZE)  // the range one leaf table maps

static int hand_slot;  // s: the process-table slot the hand is at

struct sweep {
  uint64 want;      // pages to evict this run
  uint64 freed;     // anonymous pages written to swap (their frames freed)
  uint64 unmapped;  // file pages taken out of page tables (for passes 1 and 3)
  uint64 budget;    // mapped pages still to look at this run
  uint64 floor;     // the file floor (reclaim_file_floor)
  uint64 floored;   // file pages it left mapped because the cache was at the floor
  int noswap;       // a page-out found no slot (swap full or off): no more tries
};

static int
sweep_done(struct sweep *w)
{
  // At the floor with no swap, nothing the hand could still meet can go.
  return w->freed + w->unmapped >= w->want || w->budget == 0 || (w->noswap && w->floored);
}

// A mapped page-cache page with its accessed bit clear: out of this page
// table. A writable PTE of a shared region hands its dirty claim to the
// object first. 1 if it left.
static int
unmap_cache_locked(struct aspace *as, struct region *r, struct pmap_slot *s, paddr_t pa, int prot)
{
  struct pmap *pm = &as->pmap;
  if ((r->flags & REG_SHARED) && (prot & PROT_WRITE))
    vmobj_dirty(r->obj, (r->off + (s->va - r->start)) / PGSIZE);
  pmap_slot_clear(pm, s);
  pmap_shootdown(pm);  // no hart translates to pa any more
  if (aspace_uaccess_busy(as)) {
    pmap_slot_set(pm, s, pa, prot);  // a copy may be using the frame: keep it
    return 0;
  }
  frame_unref(pa);  // the cache's own reference stays
  return 1;
}

// One mapped page under the hand.
static void
visit_locked(struct aspace *as, struct region *r, struct pmap_slot *s, struct sweep *w)
{
  struct pmap *pm = &as->pmap;
  paddr_t pa;
  int prot;
  if (!pmap_slot_get(pm, s, &pa, &prot) || pa == frame_zero_page())
    return;
  w->budget--;
  if (pmap_slot_young(pm, s)) {
    count(&rc.young, 1);
    return;
  }
  if (frame_is_cache(pa)) {
    if (vmobj_ncached() <= w->floor + w->unmapped)
      w->floored++;  // the last of the programs' working set: it stays
    else
      w->unmapped += unmap_cache_locked(as, r, s, pa, prot);
    return;
  }
  if (w->noswap)
    return;
  int out = vm_pageout_locked(as, s->va);  // checks the rest: private, refcount 1, ...
  if (out > 0)
    w->freed++;
  else if (out < 0)
    w->noswap = 1;
}

// Sweep as from as->clock_va. 1 if the hand reached its end (it moves on
// to the next address space), 0 if the goal was met first (the hand stays).
static int
sweep_as_locked(struct aspace *as, struct sweep *w)
{
  struct pmap *pm = &as->pmap;
  vaddr_t va = as->clock_va;
  for (int i = region_index_locked(as, va); i < as->nregion; i++) {
    struct region *r = as->region[i];
    va = MAX(va, r->start);
    if (w->noswap && r->obj == 0)
      continue;  // nothing here can go without swap: do not even look
    while (va < r->end) {
      if (sweep_done(w)) {
        as->clock_va = va;
        return 0;
      }
      struct pmap_slot s;
      if (pmap_slot_find(pm, va, &s) < 0 || pmap_slot_shared(pm, &s)) {
        va = MIN((va / LEAF_SPAN + 1) * LEAF_SPAN, r->end);
        continue;
      }
      do {
        visit_locked(as, r, &s, w);
        va += PGSIZE;
      } while (va < r->end && !sweep_done(w) && pmap_slot_next(pm, &s));
    }
  }
  as->clock_va = 0;
  return 1;
}

// Up to two turns of the hand (a page the first turn gave a second chance
// can go in the second), at most twice the machine's frames looked at.
// Returns frames freed (anonymous pages); *unmapped gets the file pages
// it unmapped. rc.lock held.
static uint64
pass_clock(uint64 want, uint64 *unmapped)
{
  struct sweep w = {.want = want, .budget = 2 * frame_ntotal(), .floor = reclaim_file_floor()};
  if (swap_nslots() == 0 || swap_set(-1) <= 0)
    w.noswap = 1;
  for (int moves = 0; moves <= 2 * NPROC && !sweep_done(&w);) {
    int pid, dying, finished = 1;
    char name[16];
    struct aspace *as = proc_slot_aspace(hand_slot, &pid, name, &dying);
    if (as && !dying && acquiresleep_try(&as->lock)) {
      finished = sweep_as_locked(as, &w);
      releasesleep(&as->lock);
    }
    if (as)
      aspace_put(as);
    if (finished) {
      hand_slot = (hand_slot + 1) % NPROC;
      moves++;
    }
  }
  count(&rc.anon, w.freed);
  count(&rc.file, w.unmapped);
  count(&rc.floored, w.floored > 0);
  *unmapped = w.unmapped;
  return w.freed;
}

// ---- a settled memory for tests (VMCTL_SETTLE) ----
// The first page at or above va that holds a swap entry, or MAXVA.
static vaddr_t
next_swapped_locked(struct aspace *as, vaddr_t va)
{
  struct pmap *pm = &as->pmap;
  swapslot_t slot;
  for (int i = region_index_locked(as, va); i < as->nregion; i++) {
    struct region *r = as->region[i];
    va = MAX(va, r->start);
    while (va < r->end) {
      struct pmap_slot s;
      if (pmap_slot_find(pm, va, &s) < 0) {
        va = MIN((va / LEAF_SPAN + 1) * LEAF_SPAN, r->end);
        continue;
      }
      do {
        if (pmap_slot_swap(pm, &s, &slot))
          return va;
        va += PGSIZE;
      } while (va < r->end && pmap_slot_next(pm, &s));
    }
  }
  return MAXVA;
}

// Read every page on swap back into memory, in every address space, as a
// read fault would (swapoff elsewhere). VMCTL_SETTLE: the test harness
// uses it around tests whose paging pushed other processes' pages out too.
// Returns the pages brought in, or -1 if one could not be (out of memory).
// No lock held; sleeps.
int
reclaim_settle(void)
{
  int n = 0, pid, dying;
  char name[16];
  for (int i = 0; i < NPROC; i++) {
    struct aspace *as = proc_slot_aspace(i, &pid, name, &dying);
    vaddr_t va = 0;
    while (as && va < MAXVA) {
      acquiresleep(&as->lock);
      va = next_swapped_locked(as, va);
      releasesleep(&as->lock);
      if (va >= MAXVA)
        break;
      if (vm_fault(as, va, ACC_READ, 0, 0) != FAULT_OK)
        n = -1;
      else if (n >= 0)
        n++;
      va += PGSIZE;
    }
    if (as)
      aspace_put(as);
  }
  return n;
}

// Free up to want frames, cheapest first. Serialised: a caller that waited
// for another run only tops up what that run left. Returns frames freed.
// No as->lock, inode lock or transaction may be held (passes take them).
// May sleep.
uint64
reclaim(uint64 want)
{
  acquiresleep(&rc.lock);
  count(&rc.runs, 1);
  uint64 freed = pass_cache(want, 0), unmapped = 0;
  if (freed < want) {
    freed += pass_clock(want - freed, &unmapped);
    if (unmapped > 0 && freed < want)
      freed += pass_cache(want - freed, 0);  // the clean pages the clock unmapped
  }
  if (freed < want)
    freed += pass_cache(want - freed, 1);
  count(&rc.freed, freed);
  releasesleep(&rc.lock);
  return freed;
}

// A system call that found no frame (read(), write(): they fail rather
// than kill): reclaim a batch and say retry (1), at most twice per call
// (*tries counts); 0: give up, the call fails. No lock held; sleeps.
#define RETRY_TRIES 2
int
reclaim_retry(int *tries)
{
  return (*tries)++ < RETRY_TRIES && reclaim(OOM_BATCH) > 0;
}

// vm_fault, before it takes as->lock: below LOW, reclaim up to HIGH. A run
// that found nothing to free is not repeated within the same tick (every
// fault of a full machine would scan the caches again for nothing).
void
reclaim_if_low(void)
{
  uint64 nfree = frame_nfree(), high;
  if (nfree >= reclaim_low())
    return;
  uint now = __atomic_load_n(&ticks, __ATOMIC_RELAXED) + 1;
  if (__atomic_load_n(&rc.fruitless, __ATOMIC_RELAXED) == now)
    return;
  high = reclaim_high();
  nfree = frame_nfree();
  if (nfree < high && reclaim(high - nfree) == 0)
    __atomic_store_n(&rc.fruitless, now, __ATOMIC_RELAXED);
}

// Memory a kill would give back: pages mapped + pages on swap.
static uint64
footprint(struct aspace *as)
{
  uint64 vsize, resident;
  aspace_peek(as, &vsize, &resident);  // racy reads: a moment old at worst
  return resident + __atomic_load_n(&as->pmap.swapped, __ATOMIC_RELAXED);
}

struct victim {
  int pid;
  int dying;  // already killed: wait for it, kill nobody else
  uint64 pages;
  char name[16];
};

// The largest process other than init (*big) and the caller's own size
// (*self; its pid in self->pid, or 0 if it has no process).
static void
oom_select(struct victim *big, struct victim *self)
{
  char name[16];
  int pid, dying;
  big->pid = 0;
  big->pages = 0;
  self->pages = 0;
  for (int i = 0; i < NPROC; i++) {
    struct aspace *as = proc_slot_aspace(i, &pid, name, &dying);
    if (as == 0)
      continue;
    uint64 pages = footprint(as);
    aspace_put(as);
    if (pid == 1)
      continue;  // init: its death would stop the machine
    struct victim *v = pid == self->pid ? self : pages > big->pages ? big : 0;
    if (v == 0)
      continue;
    v->pid = pid;
    v->dying = dying;
    v->pages = pages;
    safestrcpy(v->name, name, sizeof(v->name));
  }
}

// Kill v (the console says why) unless it is dying already.
static void
oom_kill(struct victim *v, struct proc *me)
{
  if (v->dying)
    return;
  if (me && v->pid == me->pid) {
    printf("out of memory: killed pid %d (%s), %lu KiB, the largest process (it faulted)\n", v->pid,
           v->name, v->pages * (PGSIZE / 1024));
    setkilled(me);
  } else {
    if (kill(v->pid) < 0)
      return;  // it exited meanwhile: its memory is back
    printf("out of memory: killed pid %d (%s), %lu KiB, the largest process (pid %d faulted)\n",
           v->pid, v->name, v->pages * (PGSIZE / 1024), me ? me->pid : 0);
  }
  count(&rc.oom_kills, 1);
  vm_count_kill(KR_OOM);
}

// vm_fault found no frame (FAULT_OOM) on try number tries (0 first):
// reclaim and say retry (1), or with nothing to reclaim kill the largest
// process. The faulter is that process unless another is larger by more
// than LOW frames (a fork child of the faulter, or a sharer of its memory,
// is as large: then the one asking is the fair choice). Another victim is
// waited for until it has exited and its frames are back, then retry. 0:
// give up, the fault fails (the faulter was killed, or the victim did not
// exit within OOM_WAIT_TICKS).
// Called with no lock held; sleeps.
int
reclaim_oom(int tries)
{
  struct proc *me = myproc();
  if (tries >= OOM_TRIES || (me && killed(me)))
    return 0;
  if (reclaim(OOM_BATCH) > 0)
    return 1;
  // One decision at a time (under the reclaim lock): a second faulter
  // finds the first one's victim dying and waits for it too.
  struct victim big, self;
  self.pid = me ? me->pid : 0;
  acquiresleep(&rc.lock);
  oom_select(&big, &self);
  int mine = self.pid != 0 && self.pages > 0;
  if (mine && (big.pid == 0 || big.pages <= self.pages + reclaim_low())) {
    oom_kill(&self, me);
    releasesleep(&rc.lock);
    return 0;
  }
  if (big.pid != 0)
    oom_kill(&big, me);
  releasesleep(&rc.lock);
  if (big.pid == 0)
    return 0;  // nobody to kill (init itself, or no process at all)
  // A victim that does not exit in time may wait for something the
  // faulter holds (a file's write lock across a copy): give up then.
  return proc_wait_gone(big.pid, OOM_WAIT_TICKS) && !(me && killed(me));
}
