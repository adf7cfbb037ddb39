// The page cache: one struct vmobj per in-memory inode that has cached
// pages or mappings. It owns an index from page offset to frame (with a
// dirty bit per page) and reference counts that pin the inode. Moving bytes
// between pages and the file is filemap.c's job; the object also carries
// the list of regions mapping it (its reverse map, kept by rmap.c).
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "vmstat.h"
#include "sync/spinlock.h"
#include "sync/sleeplock.h"
#include "arch/riscv/kmem.h"
#include "vm/vm.h"
#include "fs/file.h"
#include "lib/klib.h"

// The index: a directory of up to IDX_DIR index pages, each holding
// IDX_LEAF entries "frame address | E_DIRTY" (0: not cached).
#define IDX_LEAF (PGSIZE / sizeof(uint64))
#define IDX_DIR 64
#define IDX_PAGES ((uint64)IDX_DIR * IDX_LEAF)
#define E_DIRTY 1UL
#define E_REF 2UL  // referenced since the reclaim clock last passed (second chance)
#define E_PA(e) ((e) & ~(uint64)(PGSIZE - 1))
_Static_assert(IDX_PAGES *PGSIZE >= (uint64)MAXFILE * BSIZE, "index must cover a whole file");

// Lock key: k = cache.lock held;  i = ip->lock held (the inode's sleep
// lock guards its object's index, as the global lock order says).
// Index pages are hung in and out of dir[] under both, so vmstat's walk
// (k only) never reads a freed index page.
struct vmobj {
  int used;                  // k: pool slot taken
  int refs;                  // k: references; > 0 holds one inode reference
  struct inode *ip;          // fixed while used
  uint64 *dir[IDX_DIR];      // i+k to change, either to read: index pages
  ushort nleaf[IDX_DIR];     // i: entries in use in dir[j]
  uint npages;               // i: cached pages
  uint ndirty;               // i: of which dirty
  struct sleeplock writing;  // held by write() across its user copy
  struct rmap rmap;          // regions mapping it (rmap.c; its own lock)
};

// An object exists only for an inode in the in-memory table, so NINODE
// suffice; a few more cover objects being freed while their slot is reused.
#define NOBJ (NINODE + NCPU)

static struct {
  struct spinlock lock;
  struct vmobj objs[NOBJ];  // k: the pool
  uint64 pages;             // atomic: cached pages, all objects
  uint64 dirty;             // atomic
  uint64 index;             // atomic: frames used as index pages
  uint64 refs;              // atomic: object references
  uint64 fills;             // atomic: pages read from the file
  uint64 hits;              // atomic: lookups that found the page cached
  uint64 writebacks;        // atomic: dirty pages written back
  uint64 reclaimed;         // atomic: pages freed by vmobj_reclaim
  uint64 written;           // atomic: of which dirty, written back first
} cache;

static void
stat_add(uint64 *c, int64 d)
{
  __atomic_fetch_add(c, (uint64)d, __ATOMIC_RELAXED);
}

void
vmobj_init(void)
{
  initlock(&cache.lock, "pagecache");
  for (int i = 0; i < NOBJ; i++) {
    initsleeplock(&cache.objs[i].writing, "filewrite");
    initlock(&cache.objs[i].rmap.lock, "rmap");
  }
}

struct rmap *
vmobj_rmap(struct vmobj *o)
{
  return &o->rmap;
}

// ip's object, created if create is set (0 if none, or the pool is full).
// Once set, ip->obj stays until the inode slot is recycled (iget) with no
// reference left, so a caller holding a reference on ip may use it unlocked.
struct vmobj *
vmobj_of(struct inode *ip, int create)
{
  struct vmobj *o = __atomic_load_n(&ip->obj, __ATOMIC_ACQUIRE);
  if (o || !create)
    return o;
  acquire(&cache.lock);
  if ((o = ip->obj) == 0) {
    for (struct vmobj *q = cache.objs; q < cache.objs + NOBJ; q++) {
      if (!q->used) {
        q->used = 1;
        q->refs = 0;
        q->ip = ip;
        q->npages = q->ndirty = 0;
        q->rmap.head = 0;
        q->rmap.nlinked = 0;
        o = q;
        __atomic_store_n(&ip->obj, o, __ATOMIC_RELEASE);
        break;
      }
    }
  }
  release(&cache.lock);
  if (o == 0)
    printf("pagecache: no free object\n");
  return o;
}

// ---- the index (ip locked) ----

static uint64 *
entry(struct vmobj *o, uint64 pgoff)
{
  uint64 *leaf = o->dir[pgoff / IDX_LEAF];
  return leaf ? &leaf[pgoff % IDX_LEAF] : 0;
}

// A cache page carries this mark in its frame's aux word (frame_is_cache),
// set while it is in an index. pmap's own marks (on page-table frames:
// counts below 1 << 26) never look like it.
#define CACHE_MARK 0xCA5E0001u

int
frame_is_cache(paddr_t pa)
{
  return frame_aux(pa) == CACHE_MARK;
}

// Store pa (no entry there yet) at pgoff. 0, or -1 if no index page.
static int
index_insert(struct vmobj *o, uint64 pgoff, paddr_t pa)
{
  uint64 j = pgoff / IDX_LEAF;
  if (o->dir[j] == 0) {
    uint64 *leaf = kalloc();
    if (leaf == 0)
      return -1;
    memset(leaf, 0, PGSIZE);
    acquire(&cache.lock);
    o->dir[j] = leaf;
    release(&cache.lock);
    stat_add(&cache.index, 1);
  }
  assert(o->dir[j][pgoff % IDX_LEAF] == 0);
  o->dir[j][pgoff % IDX_LEAF] = pa;
  frame_set_aux(pa, CACHE_MARK);
  o->nleaf[j]++;
  o->npages++;
  stat_add(&cache.pages, 1);
  return 0;
}

// Take the page at pgoff out of the index and drop the cache's reference
// (a mapping holding the frame keeps it alive, detached from the file).
static void
index_remove(struct vmobj *o, uint64 pgoff)
{
  uint64 j = pgoff / IDX_LEAF;
  uint64 *e = &o->dir[j][pgoff % IDX_LEAF];
  paddr_t pa = E_PA(*e);
  if (*e & E_DIRTY) {
    o->ndirty--;
    stat_add(&cache.dirty, -1);
  }
  *e = 0;
  frame_set_aux(pa, 0);  // a mapping may keep the frame: not the cache's any more
  o->npages--;
  stat_add(&cache.pages, -1);
  if (--o->nleaf[j] == 0) {
    uint64 *leaf = o->dir[j];
    acquire(&cache.lock);
    o->dir[j] = 0;
    release(&cache.lock);
    kfree(leaf);
    stat_add(&cache.index, -1);
  }
  frame_unref(pa);
}

// Pages that hold bytes of a file of size bytes.
static uint64
pages_of(uint64 size)
{
  return (size + PGSIZE - 1) / PGSIZE;
}

// The page at pgoff (+1 frame reference for the caller), read from the
// file if it is not cached. for_write: the page may lie past end of file
// (write() is about to extend the file into it; readers still see EOF).
// ip locked. FAULT_OK, FAULT_OOM, or FAULT_BUS (wholly past EOF). *filled
// (if non-null) is set when the page came from the disk.
static int
page_locked(struct vmobj *o, uint64 pgoff, int for_write, paddr_t *pa, int *filled)
{
  struct inode *ip = o->ip;
  assert(holdingsleep(&ip->lock));
  if (pgoff >= IDX_PAGES || (!for_write && pgoff >= pages_of(ip->size)))
    return FAULT_BUS;
  uint64 *e = entry(o, pgoff);
  if (e && *e) {
    *e |= E_REF;
    *pa = E_PA(*e);
    frame_ref(*pa);
    stat_add(&cache.hits, 1);
    if (filled)
      *filled = 0;
    return FAULT_OK;
  }
  paddr_t npa = frame_alloc();
  if (npa == 0)
    return FAULT_OOM;
  filemap_fill(ip, pgoff, npa);
  if (index_insert(o, pgoff, npa) < 0) {
    frame_unref(npa);
    return FAULT_OOM;
  }
  *entry(o, pgoff) |= E_REF;
  stat_add(&cache.fills, 1);
  frame_ref(npa);
  *pa = npa;
  if (filled)
    *filled = 1;
  return FAULT_OK;
}

int
vmobj_page_locked(struct inode *ip, uint64 pgoff, int for_write, paddr_t *pa)
{
  struct vmobj *o = vmobj_of(ip, 1);
  if (o == 0)
    return FAULT_OOM;
  return page_locked(o, pgoff, for_write, pa, 0);
}

// ---- references ----

struct vmobj *
vmobj_get(struct inode *ip)
{
  struct vmobj *o = vmobj_of(ip, 1);
  if (o == 0)
    return 0;
  acquire(&cache.lock);
  int first = o->refs++ == 0;
  release(&cache.lock);
  stat_add(&cache.refs, 1);
  if (first)
    idup(ip);  // the caller's reference keeps ip alive until this one holds
  return o;
}

void
vmobj_dup(struct vmobj *o)
{
  acquire(&cache.lock);
  assert(o->refs > 0);
  o->refs++;
  release(&cache.lock);
  stat_add(&cache.refs, 1);
}

// The last reference writes back what is still dirty and unpins the inode
// (which may free an unlinked inode and its blocks: that is iput's job, in
// its own transaction). Holding as->lock here is safe: as->lock ->
// begin_op -> inode lock is the global order, and no transaction ever
// takes as->lock (no fault happens inside one).
void
vmobj_put(struct vmobj *o)
{
  acquire(&cache.lock);
  assert(o->refs > 0);
  int last = --o->refs == 0;
  release(&cache.lock);
  stat_add(&cache.refs, -1);
  if (!last)
    return;
  struct inode *ip = o->ip;
  if (vmobj_sync(o, 0, IDX_PAGES) < 0)
    printf("pagecache: inode %d: dirty pages could not be written back\n", ip->inum);
  begin_op();
  iput(ip);
  end_op();
}

// ---- the interface for mappings ----

int
vmobj_page_ex(struct vmobj *o, uint64 pgoff, paddr_t *pa, int *filled)
{
  ilock(o->ip);
  int r = page_locked(o, pgoff, 0, pa, filled);
  iunlock(o->ip);
  return r;
}

int
vmobj_page(struct vmobj *o, uint64 pgoff, paddr_t *pa)
{
  return vmobj_page_ex(o, pgoff, pa, 0);
}

int
vmobj_lookup(struct vmobj *o, uint64 pgoff, paddr_t *pa)
{
  int found = 0;
  ilock(o->ip);
  uint64 *e = pgoff < pages_of(o->ip->size) ? entry(o, pgoff) : 0;
  if (e && *e) {
    *e |= E_REF;
    *pa = E_PA(*e);
    frame_ref(*pa);
    stat_add(&cache.hits, 1);
    found = 1;
  }
  iunlock(o->ip);
  return found;
}

int
vmobj_lookup_many(struct vmobj *o, uint64 pgoff, int n, paddr_t *pas)
{
  int found = 0;
  ilock(o->ip);
  uint64 end = pages_of(o->ip->size);
  for (int i = 0; i < n; i++) {
    uint64 *e = pgoff + i < end ? entry(o, pgoff + i) : 0;
    pas[i] = 0;
    if (e && *e) {
      *e |= E_REF;
      pas[i] = E_PA(*e);
      frame_ref(pas[i]);
      found++;
    }
  }
  iunlock(o->ip);
  stat_add(&cache.hits, found);
  return found;
}

void
vmobj_dirty(struct vmobj *o, uint64 pgoff)
{
  ilock(o->ip);
  uint64 *e = pgoff < IDX_PAGES ? entry(o, pgoff) : 0;
  if (e && *e && !(*e & E_DIRTY)) {
    *e |= E_DIRTY;
    o->ndirty++;
    stat_add(&cache.dirty, 1);
  }
  iunlock(o->ip);
}

// First dirty page at or after pgoff and below last (IDX_PAGES if none). ip locked.
static uint64
next_dirty(struct vmobj *o, uint64 pgoff, uint64 last)
{
  if (o->ndirty == 0)
    return IDX_PAGES;
  for (; pgoff < last; pgoff++) {
    uint64 *leaf = o->dir[pgoff / IDX_LEAF];
    if (leaf == 0) {
      pgoff = (pgoff / IDX_LEAF + 1) * IDX_LEAF - 1;
      continue;
    }
    if (leaf[pgoff % IDX_LEAF] & E_DIRTY)
      return pgoff;
  }
  return IDX_PAGES;
}

// One dirty page per transaction: a page is four blocks, and with its
// index and bitmap blocks and the inode that is within MAXOPBLOCKS.
int
vmobj_sync(struct vmobj *o, uint64 pgfirst, uint64 pglast)
{
  struct inode *ip = o->ip;
  int err = 0;
  pglast = MIN(pglast, IDX_PAGES);
  for (uint64 pg = pgfirst; pg < pglast; pg++) {
    ilock(ip);
    pg = next_dirty(o, pg, pglast);
    iunlock(ip);
    if (pg >= pglast)
      break;
    begin_op();
    ilock(ip);
    uint64 *e = entry(o, pg);
    if (e && (*e & E_DIRTY)) {
      // Clean before copying: a store that is caught again (the PTE was
      // write-protected by the caller) marks it dirty once more.
      *e &= ~E_DIRTY;
      o->ndirty--;
      stat_add(&cache.dirty, -1);
      if (filemap_writeback(ip, pg, E_PA(*e)) < 0) {
        *e |= E_DIRTY;
        o->ndirty++;
        stat_add(&cache.dirty, 1);
        err = -1;
      } else {
        stat_add(&cache.writebacks, 1);
      }
    }
    iunlock(ip);
    end_op();
  }
  return err;
}

uint64
vmobj_size(struct vmobj *o)
{
  ilock(o->ip);
  uint64 size = o->ip->size;
  iunlock(o->ip);
  return size;
}

uint32
vmobj_inum(struct vmobj *o)
{
  return o->ip->inum;
}

// ---- the interface for the file system ----

// Pages cached now (a moment's value unless ip is locked or unreferenced).
uint
vmobj_npages(struct vmobj *o)
{
  return __atomic_load_n(&o->npages, __ATOMIC_RELAXED);
}

struct sleeplock *
vmobj_writelock(struct vmobj *o)
{
  return &o->writing;
}

// Copy n bytes of src (written to the file at off by writei) into the
// cached pages they fall in, so the cache never differs from the file.
// A page that is itself the source (write() and writeback) is skipped.
void
vmobj_update_locked(struct inode *ip, uint64 off, const char *src, uint64 n)
{
  struct vmobj *o = ip->obj;
  if (o == 0 || o->npages == 0)
    return;
  assert(holdingsleep(&ip->lock));
  while (n > 0) {
    uint64 pgoff = off / PGSIZE, in = off % PGSIZE;
    uint64 m = MIN(n, PGSIZE - in);
    uint64 *e = pgoff < IDX_PAGES ? entry(o, pgoff) : 0;
    if (e && *e) {
      char *dst = (char *)P2V(E_PA(*e)) + in;
      if (dst != src)
        memmove(dst, src, m);
    }
    off += m;
    src += m;
    n -= m;
  }
}

// The file shrank to size bytes: drop the pages past it, zero the tail of
// the page that straddles it. A page still mapped keeps its frame (the
// PTE's reference) but no longer belongs to the file.
void
vmobj_truncate_locked(struct inode *ip, uint64 size)
{
  struct vmobj *o = ip->obj;
  if (o == 0 || o->npages == 0)
    return;
  assert(holdingsleep(&ip->lock));
  uint64 keep = pages_of(size);
  for (uint64 j = keep / IDX_LEAF; j < IDX_DIR && o->npages > 0; j++) {
    for (uint64 k = 0; o->dir[j] && k < IDX_LEAF; k++) {
      uint64 pgoff = j * IDX_LEAF + k;
      if (pgoff >= keep && o->dir[j][k])
        index_remove(o, pgoff);
    }
  }
  uint64 *e = size % PGSIZE ? entry(o, size / PGSIZE) : 0;
  if (e && *e)
    memset((char *)P2V(E_PA(*e)) + size % PGSIZE, 0, PGSIZE - size % PGSIZE);
}

// Drop every clean page no page table maps (the cache's reference is the
// only one). Returns the number dropped.
int
vmobj_drop_clean_locked(struct inode *ip)
{
  struct vmobj *o = ip->obj;
  int n = 0;
  if (o == 0)
    return 0;
  assert(holdingsleep(&ip->lock));
  for (uint64 j = 0; j < IDX_DIR && o->npages > 0; j++) {
    for (uint64 k = 0; o->dir[j] && k < IDX_LEAF; k++) {
      uint64 e = o->dir[j][k];
      if (e && !(e & E_DIRTY) && frame_refcount(E_PA(e)) == 1) {
        index_remove(o, j * IDX_LEAF + k);
        n++;
      }
    }
  }
  return n;
}

// Free an object the inode table has detached from a slot it recycles: no
// reference is left, so nobody else can reach it and nothing is dirty
// (the last vmobj_put wrote dirty pages back).
void
vmobj_release(struct vmobj *o)
{
  assert(o->used && o->refs == 0);
  if (o->ndirty != 0)
    panic("pagecache: dirty pages in a recycled inode");
  assert(o->rmap.head == 0 && o->rmap.nlinked == 0);  // regions hold references
  for (uint64 j = 0; j < IDX_DIR && o->npages > 0; j++)
    for (uint64 k = 0; o->dir[j] && k < IDX_LEAF; k++)
      if (o->dir[j][k])
        index_remove(o, j * IDX_LEAF + k);
  acquire(&cache.lock);
  o->used = 0;
  o->ip = 0;
  release(&cache.lock);
}

// ---- reclaim: a clock over the cache ----
// The hand walks the inode table's objects page by page. A page some page
// table maps (frame count above the cache's 1) is not the clock's: the
// address-space clock unmaps it first (vmobj_unmap_range). An unmapped page
// with its referenced bit set (lookup, read(), write(), a fault since the
// hand last passed) loses the bit and stays: a second chance. Otherwise a
// clean page is freed at once; a dirty one, in the dirty pass only, is
// written back through the log first. Callers hold no as->lock, no inode
// lock and no transaction.

static struct sleeplock clock_lock = {.lk = {.name = "sleep lock"}, .name = "cache clock"};
static int hand_slot;   // clock_lock: inode-table slot the hand is in
static uint64 hand_pg;  // clock_lock: next page offset there
#define DIRTY_BATCH 16  // dirty pages picked per visit before writing them

// Visit ip's object from the hand on (ip locked): free clean unreferenced
// unmapped pages up to want, clear referenced bits on the way, and (dirty
// pass) pick dirty candidates into pick[]. Moves hand_pg; returns freed,
// *npick the candidates. *done: the object's end was reached.
static uint64
visit_locked(struct inode *ip, uint64 want, int dirty, uint64 *pick, int *npick, int *done)
{
  struct vmobj *o = ip->obj;
  uint64 freed = 0;
  *npick = 0;
  *done = 1;
  if (o == 0)
    return 0;
  for (uint64 pg = hand_pg; pg < IDX_PAGES && o->npages > 0; pg++) {
    if (freed >= want || *npick == DIRTY_BATCH) {
      hand_pg = pg;
      *done = 0;
      return freed;
    }
    uint64 *leaf = o->dir[pg / IDX_LEAF];
    if (leaf == 0) {
      pg = (pg / IDX_LEAF + 1) * IDX_LEAF - 1;
      continue;
    }
    uint64 *e = &leaf[pg % IDX_LEAF];
    if (*e == 0 || frame_refcount(E_PA(*e)) != 1)
      continue;  // empty, or mapped / in use: not the cache's alone
    if (*e & E_REF) {
      *e &= ~E_REF;
      continue;
    }
    if (*e & E_DIRTY) {
      if (dirty)
        pick[(*npick)++] = pg;
      continue;
    }
    index_remove(o, pg);
    freed++;
  }
  return freed;
}

// Write back and free the picked dirty pages of ip that are still dirty,
// unreferenced and unmapped: one transaction per page, like vmobj_sync.
static uint64
evict_dirty(struct inode *ip, uint64 *pick, int n)
{
  uint64 freed = 0;
  for (int i = 0; i < n; i++) {
    begin_op();
    acquiresleep(&ip->lock);
    struct vmobj *o = ip->obj;
    uint64 *e = ip->valid && o ? entry(o, pick[i]) : 0;
    if (e && (*e & E_DIRTY) && !(*e & E_REF) && frame_refcount(E_PA(*e)) == 1) {
      *e &= ~E_DIRTY;
      o->ndirty--;
      stat_add(&cache.dirty, -1);
      if (filemap_writeback(ip, pick[i], E_PA(*e)) < 0) {
        *e |= E_DIRTY;  // kept: nothing is lost
        o->ndirty++;
        stat_add(&cache.dirty, 1);
      } else {
        stat_add(&cache.writebacks, 1);
        stat_add(&cache.written, 1);
        index_remove(o, pick[i]);
        freed++;
      }
    }
    releasesleep(&ip->lock);
    end_op();
  }
  return freed;
}

// One pass of the hand: up to two turns of the table, so that a page whose
// referenced bit the first turn cleared can go in the second.
static uint64
sweep(uint64 want, int dirty)
{
  uint64 freed = 0;
  uint64 pick[DIRTY_BATCH];
  for (int visits = 0; visits <= 2 * NINODE && freed < want;) {
    struct inode *ip = icache_pin(hand_slot);
    int done = 1, npick = 0;
    if (ip) {
      acquiresleep(&ip->lock);
      if (ip->valid)
        freed += visit_locked(ip, want - freed, dirty, pick, &npick, &done);
      releasesleep(&ip->lock);
      freed += evict_dirty(ip, pick, npick);
      begin_op();  // our reference may be the last of an unlinked inode
      iput(ip);
      end_op();
    }
    if (done) {
      hand_slot = (hand_slot + 1) % NINODE;
      hand_pg = 0;
      visits++;
    }
  }
  return freed;
}

int
vmobj_reclaim(uint64 want, int dirty_too)
{
  acquiresleep(&clock_lock);
  uint64 freed = sweep(want, 0);
  if (dirty_too && freed < want)
    freed += sweep(want - freed, 1);
  releasesleep(&clock_lock);
  stat_add(&cache.reclaimed, freed);
  return (int)freed;
}

uint64
vmobj_ncached(void)
{
  return __atomic_load_n(&cache.pages, __ATOMIC_RELAXED);
}

void
vmobj_stats(struct vmstat *st)
{
  st->cache_pages = __atomic_load_n(&cache.pages, __ATOMIC_RELAXED);
  st->cache_dirty = __atomic_load_n(&cache.dirty, __ATOMIC_RELAXED);
  st->cache_index = __atomic_load_n(&cache.index, __ATOMIC_RELAXED);
  st->cache_refs = __atomic_load_n(&cache.refs, __ATOMIC_RELAXED);
  st->cache_fills = __atomic_load_n(&cache.fills, __ATOMIC_RELAXED);
  st->cache_hits = __atomic_load_n(&cache.hits, __ATOMIC_RELAXED);
  st->cache_writebacks = __atomic_load_n(&cache.writebacks, __ATOMIC_RELAXED);
  st->cache_reclaimed = __atomic_load_n(&cache.reclaimed, __ATOMIC_RELAXED);
  st->cache_written = __atomic_load_n(&cache.written, __ATOMIC_RELAXED);
  // Mapped: frames some page table holds besides the cache. The walk reads
  // entries without the inode locks; an entry changing under it only makes
  // the figure a moment old.
  uint64 mapped = 0;
  acquire(&cache.lock);
  for (struct vmobj *o = cache.objs; o < cache.objs + NOBJ; o++) {
    if (!o->used)
      continue;
    for (int j = 0; j < IDX_DIR; j++) {
      uint64 *leaf = o->dir[j];
      for (uint64 k = 0; leaf && k < IDX_LEAF; k++) {
        uint64 e = __atomic_load_n(&leaf[k], __ATOMIC_RELAXED);
        if (e && frame_refcount(E_PA(e)) > 1)
          mapped++;
      }
    }
  }
  release(&cache.lock);
  st->cache_mapped = mapped;
}
