// Public interface of the virtual-memory system: frames, address spaces,
// the single fault resolver, and user-memory access.
//
// Global lock order (outer first):
//   write() lock of an inode (object.c, held across its copyin)
//   -> as->lock (sleep) -> begin_op -> inode lock (guards ip's page cache) -> buffer locks
//   -> p->lock -> ... (leaf); frames: atomics. The page cache's spinlock (object.c:
//   pool, object references, hanging index pages) nests inside inode locks, is a leaf.
//   An object's reverse-map spinlock (struct rmap) nests inside as->lock, is a leaf too;
//   the rmap walk lock (rmap.c, a sleep lock) comes before every as->lock.
// No spinlock may be held across copyin/copyout/copyinstr or vm_fault: they
// may sleep. uaccess asserts this. Functions named *_locked need as->lock
// held by the caller and assert it.
#ifndef VM_H
#define VM_H

#include "types.h"
#include "memlayout.h"
#include "vmstat.h"
#include "vm/pmap.h"
#include "sync/sleeplock.h"

typedef uint64 vaddr_t;  // a user virtual address
typedef uint64 paddr_t;  // a physical address

// ---- frame.c: physical frames with reference counts ----
void frame_init(paddr_t start, paddr_t end);  // frames in [start, end)
paddr_t frame_alloc(void);                    // refcount 1, contents undefined; 0 if none
paddr_t frame_alloc_zeroed(void);             // same, filled with zeros (from the pool if it can)
// Idle harts: zero up to n dirty free frames into the bounded pre-zeroed
// pool, stopping early when stop() (may be 0) says there is work. Returns
// how many; 0 when the pool is full or nothing is dirty. Interrupts off.
int frame_prezero(int n, int (*stop)(void));
int frame_set_prezero(int on);              // vmctl(VMCTL_PREZERO); off empties the pool; old value
int sched_wake_idle(void);                  // by the scheduler: wake an idle hart; 1 if one was
void frame_copy(paddr_t dst, paddr_t src);  // copy one page's contents
void frame_copy_prefix(paddr_t dst, paddr_t src, uint64 n);  // its first n bytes
void frame_ref(paddr_t pa);                                  // one more reference
void frame_unref(paddr_t pa);                                // one fewer; freed at zero
int frame_refcount(paddr_t pa);
// Page-table sharing (pmap.c) counts references without frames_shared
// accounting and frees in two steps: frame_drop() returning 0 leaves the
// frame to the caller, who empties it and calls frame_free().
int frame_share(paddr_t pa);                 // +1; returns the new count
int frame_drop(paddr_t pa);                  // -1; returns the new count
void frame_free(paddr_t pa);                 // a frame whose count is 0 back to the free list
void frame_set_aux(paddr_t pa, uint32 aux);  // a word the frame's owner may keep
uint32 frame_aux(paddr_t pa);
uint64 frame_nfree(void);             // free frames now (pre-zeroed pool included)
uint64 frame_ntotal(void);            // allocatable frames
paddr_t frame_zero_page(void);        // the shared, never-written zero page
void frame_stats(struct vmstat *st);  // fills the frame_* and zero_page_maps fields
void *kalloc(void);                   // a frame for the kernel, by kernel address
void kfree(void *kva);

// ---- object.c: the page cache of one inode (provided by pagecache; INTERFACES.md §1) ----
// One object per in-memory inode that has cached pages or mappings
// (ip->obj). Frames in the cache hold one reference from the cache itself,
// so the COW "sole owner" test never reuses a cache page. The inode lock
// guards the object's index. See docs/vm.md, "Objects and the page cache".
struct inode;
struct vmobj;
struct file;

// ip's object (created on first use) with one more reference for the
// caller. While any reference exists the object pins its inode (it stays in
// memory and on disk even if unlinked). Caller holds a reference on ip but
// need not hold its lock. 0 if no object is free. May sleep.
struct vmobj *vmobj_get(struct inode *ip);
void vmobj_dup(struct vmobj *o);  // one more reference (region split, fork)
// Drop a reference. The last one writes back any dirty page and unpins the
// inode (iput in its own transaction). May sleep; as->lock may be held, but
// never call it inside begin_op/end_op (it opens transactions itself).
void vmobj_put(struct vmobj *o);
// The frame caching page pgoff (file offset pgoff*PGSIZE), read from the
// file the first time (bytes past end of file are zero), with ONE frame
// reference added for the caller. Takes and releases the inode lock; the
// caller holds no inode lock and no spinlock (as->lock is fine). FAULT_OK
// (*pa set), FAULT_OOM, or FAULT_BUS if the page lies wholly past end of
// file. May sleep (disk). The _ex form also says whether the page came from
// the disk (*filled = 1) or was found cached (0): FK_FILE vs FK_FILE_CACHED.
int vmobj_page(struct vmobj *o, uint64 pgoff, paddr_t *pa);
int vmobj_page_ex(struct vmobj *o, uint64 pgoff, paddr_t *pa, int *filled);
// Same, only if the page is already cached (no I/O, no allocation): 1 and
// *pa (+1 reference), else 0.
int vmobj_lookup(struct vmobj *o, uint64 pgoff, paddr_t *pa);
// The same for pages [pgoff, pgoff+n) under one inode lock (fault-around):
// pas[i] = the frame (+1 reference) or 0; returns how many were found.
int vmobj_lookup_many(struct vmobj *o, uint64 pgoff, int n, paddr_t *pas);
void vmobj_dirty(struct vmobj *o, uint64 pgoff);  // a MAP_SHARED store dirtied it
// Write the dirty pages in [pgfirst, pglast) back through the log, one page
// per transaction; they are clean afterwards. The caller must have made
// every PTE that maps them writable read-only again first, or later stores
// go unnoticed. 0, or -1 on a disk error. May sleep; no as->lock needed.
int vmobj_sync(struct vmobj *o, uint64 pgfirst, uint64 pglast);
uint64 vmobj_size(struct vmobj *o);   // the file's size in bytes now
uint32 vmobj_inum(struct vmobj *o);   // inode number (pmap, procregions)
void vmobj_stats(struct vmstat *st);  // fills the cache_* fields
// For the file system (kernel/fs), ip locked unless said otherwise:
void vmobj_init(void);                                 // once, at boot
struct vmobj *vmobj_of(struct inode *ip, int create);  // no reference taken; ip referenced
// vmobj_page for read()/write(): for_write allows a page past end of file.
int vmobj_page_locked(struct inode *ip, uint64 pgoff, int for_write, paddr_t *pa);
void vmobj_update_locked(struct inode *ip, uint64 off, const char *src,
                         uint64 n);                         // writei's bytes
void vmobj_truncate_locked(struct inode *ip, uint64 size);  // drop pages past size
int vmobj_drop_clean_locked(struct inode *ip);              // drop clean unmapped pages; count
void vmobj_release(struct vmobj *o);                        // slot recycled (no refs): free all
uint vmobj_npages(struct vmobj *o);                         // pages cached now
struct sleeplock *vmobj_writelock(struct vmobj *o);         // serialises write() per inode

// ---- filemap.c: moving bytes between files and cache pages ----
void filemap_fill(struct inode *ip, uint64 pgoff, paddr_t pa);      // ip locked
int filemap_writeback(struct inode *ip, uint64 pgoff, paddr_t pa);  // ip locked, in a transaction
int filemap_read(struct file *f, uint64 addr, int n);   // read() of an inode; bytes or -1
int filemap_write(struct file *f, uint64 addr, int n);  // write() of an inode; bytes or -1

// ---- swap.c: swap slots (a page each on the swap disk), counted like frames ----
// A slot's count is the number of leaf tables whose PTE holds it as a swap
// entry (pmap.c takes and drops them); at zero it is free. See docs/vm.md.
typedef uint32 swapslot_t;                // 1..swap_nslots(); 0 = none
#define SWAP_MAXSLOTS (1UL << (30 - 12))  // 1 GiB of swap at most
void swap_table_init(uint32 nslots);      // boot: the slot table for the device's size
uint32 swap_nslots(void);                 // slots the device holds (0: no swap)
uint32 swap_used(void);                   // slots with a reference now
swapslot_t swap_alloc(void);              // a free slot with one reference; 0 if full or off
void swap_ref(swapslot_t s);              // one more reference (a leaf-table copy, fork)
void swap_unref(swapslot_t s);            // one fewer; at zero the slot is free
int swap_refcount(swapslot_t s);
int swap_set(int on);  // vmctl(VMCTL_SWAP): off = no new slots, -1 reads; old value
// The device side (the swap disk is virtio disk 1; slot s = its sectors
// (s-1)*8 .. (s-1)*8+7). The I/O calls sleep: hold a reference to s and no spinlock.
void swap_init(void);                      // boot: swap_table_init from the disk's size (0: none)
int swap_write(swapslot_t s, paddr_t pa);  // frame pa's page to slot s: 0, or -1 (I/O error)
int swap_read(swapslot_t s, paddr_t pa);   // slot s into frame pa: 0, or -1 (I/O error)
// n pages at once (pa[i] <-> s[i]), their requests in flight together: far
// fewer device round trips than n single calls. ok[i] = 0 / -1; returns the
// number that failed. Same rules as swap_write/swap_read.
#define SWAP_BATCH 16
int swap_write_many(int n, const swapslot_t *s, const paddr_t *pa, int *ok);
int swap_read_many(int n, const swapslot_t *s, const paddr_t *pa, int *ok);
void swap_stats(struct vmstat *st);  // fills the swap_* fields
#define SWAP_TEST_MAX 1024           // slots one self-test may use
int swap_selftest(int n);            // vmctl(VMCTL_SWAPTEST, n): 0 / -1 (swap.c)

// ---- reclaim.c: watermarks, direct reclaim, the OOM killer (docs/vm.md, "Eviction and swap") ----
// Free frames below reclaim_low() make the next fault reclaim up to
// reclaim_high() before it takes as->lock; a fault that still finds no
// frame reclaims, else kills the largest process and retries.
void reclaim_init(void);
uint64 reclaim_low(void);   // LOW watermark, frames
uint64 reclaim_high(void);  // HIGH watermark, frames (also fault-around's reserve)
// Free up to want frames, cheapest first; returns how many. Serialised by
// one sleeplock. No as->lock, inode lock or transaction may be held. Sleeps.
uint64 reclaim(uint64 want);
void reclaim_if_low(void);   // vm_fault: reclaim when below LOW (no lock held)
int reclaim_oom(int tries);  // vm_fault after FAULT_OOM: 1 = retry, 0 = fail (no lock held)
int
reclaim_retry(int *tries);  // read()/write() after FAULT_OOM: 1 = retry, 0 = fail (no lock held)
void reclaim_stats(struct vmstat *st);       // the reclaim_* and oom_kills fields
uint64 reclaim_file_floor(void);             // file pages the clock leaves mapped
uint64 reclaim_set_file_floor(int64 pages);  // VMCTL_FILE_FLOOR (-1: default); the old floor
int reclaim_settle(void);  // every page on swap back in (VMCTL_SETTLE); count or -1

// ---- swapfault.c: anonymous pages to swap and back ----
struct aspace;
// Page out the private anonymous page at va if it is eligible (mapped, in
// a private region, frame refcount 1, not the zero page, its leaf table not
// shared): PTE -> swap entry, pmap_shootdown, swap_write, frame freed.
// 1 = paged out, 0 = not eligible (or a copyin/copyout is using it),
// -1 = no slot or an I/O error (PTE restored, nothing lost). as->lock held; sleeps.
int vm_pageout_locked(struct aspace *as, vaddr_t va);
// madvise(addr, len, MADV_PAGEOUT): pages paged out, or -1 (bad range or
// advice, no swap). Takes as->lock.
int aspace_madvise(struct aspace *as, vaddr_t start, uint64 len, int advice);
// Every eligible page of as out (vmctl VMCTL_PAGEOUT_PID): count, or -1 if
// no swap. Takes as->lock; as may be running on another hart.
int aspace_pageout_all(struct aspace *as);

// ---- region.c, aspace.c: an address space = sorted regions + page table ----
#define NREGION VM_MAXREGIONS  // regions per address space (vmstat.h: 256)
#define REG_SHARED 0x1         // region flag: MAP_SHARED (else private)

// One mapped range. Its kind names it and carries the sbrk/stack rules; its
// backing (anonymous, or obj + off) says where the bytes come from.
// Guarded by the owning aspace's lock (l).
struct region {
  vaddr_t start;                 // page-aligned
  vaddr_t end;                   // page-aligned, exclusive
  int prot;                      // PROT_READ | PROT_WRITE | PROT_EXEC; WRITE always with READ
  int maxprot;                   // what the backing allows mprotect to grant
  int kind;                      // enum region_kind (text, data, heap, stack, mmap)
  int flags;                     // REG_SHARED
  struct vmobj *obj;             // 0: anonymous; else one object reference held by this region
  uint64 off;                    // page-aligned object offset of start
  uint64 filelen;                // bytes of obj visible from off; past it, zeros (bss tail)
  struct region *next;           // on a list of regions being released (aspace.c)
  struct aspace *as;             // the address space whose set holds it (set on insertion)
  struct region *onext, *oprev;  // m: on obj's reverse map while in as's set (rmap.c)
};

// Lock key: l = as->lock held; r = the refs spinlock in aspace.c (aspace_get/put);
// m = the object's reverse-map spinlock (struct rmap) AND as->lock to change, either to read.
struct rpage;
struct aspace {
  struct sleeplock lock;
  int refs;                        // r: references (owner + inspectors)
  struct pmap pmap;                // l: the page table, a cache of regions
  int nregion;                     // l
  struct region *region[NREGION];  // l: sorted by start, disjoint
  struct rpage *rpages;            // l: pages the region structures live in (region.c)
  vaddr_t heap_start;              // l: heap region is [heap_start, brk)
  vaddr_t brk;                     // l
  uint64 vsize;                    // l: bytes covered by regions (read racily by ^P)
  vaddr_t fa_next;                 // l: fault-around: the page past what the last fault mapped
  int fa_batch;                    // l: pages it wanted ahead (0: that fault was not sequential)
  vaddr_t fa_lo, fa_hi;            // l: pages mapped ahead not yet counted as touched or not
  uint64 rmap_stamp;               // the rmap walk lock (rmap.c): last walk that visited it
  int uaccess;                     // atomic: copies between a PTE lookup and the copy (uaccess.c)
  vaddr_t clock_va;                // l: where the reclaimer's clock goes on here (reclaim.c)
};

// region.c: the sorted region set of one address space. All need as->lock.
struct region *region_alloc_locked(struct aspace *as);         // zeroed slot; 0 if out of memory
void region_free_locked(struct aspace *as, struct region *r);  // slot only (no obj ref)
int region_index_locked(struct aspace *as, vaddr_t va);        // first region ending above va
struct region *region_find_locked(struct aspace *as, vaddr_t va);  // region holding va, or 0
int region_insert_locked(struct aspace *as, struct region *r);     // 0, or -1 if full/overlapping
void region_remove_locked(struct aspace *as, int i);               // unlink region i (kept)
// Split region i at va (inside it) using the free slot tail, which gets
// [va, end), the matching offset and its own object reference. Needs a free index.
void region_split_locked(struct aspace *as, int i, vaddr_t va, struct region *tail);
void region_trim_head_locked(struct aspace *as, struct region *r, vaddr_t start);  // begin at start
void region_trim_tail_locked(struct aspace *as, struct region *r, vaddr_t end);    // end at end
// Highest va with [va, va+len) free and inside [lo, hi), keeping a guard page
// below any stack region; 0 / -1 if there is no such gap.
int region_gap_locked(struct aspace *as, uint64 len, vaddr_t lo, vaddr_t hi, vaddr_t *va);
uint64 region_pages(void);  // frames holding region structures, all address spaces

struct aspace *aspace_create(void);    // empty; 0 if out of memory
void aspace_get(struct aspace *as);    // one more reference
int aspace_tryget(struct aspace *as);  // the same unless the last one is gone already: 1 / 0
void aspace_put(struct aspace *as);    // drop one; the last frees everything (may sleep)
// Map [start, end) backed by obj (0 = anonymous; the region takes one
// reference of its own) at page-aligned offset off, showing filelen bytes of
// it. Takes as->lock. 0, or -1 (nothing changed): bad range, overlap, out of
// regions or memory.
int aspace_map_obj(struct aspace *as, vaddr_t start, vaddr_t end, int prot, int kind, int flags,
                   struct vmobj *obj, uint64 off, uint64 filelen);
int aspace_map(struct aspace *as, vaddr_t start, vaddr_t end, int prot, int kind);  // anonymous
int aspace_map_locked(struct aspace *as, struct region *tmpl);  // a copy of tmpl; 0 / -1
// The same into a slot from region_alloc_locked (freed on failure).
int aspace_map_slot_locked(struct aspace *as, struct region *slot, struct region *tmpl);
// Remove [start, end) from the regions, splitting where needed, and free
// the frames mapped there. Takes as->lock. 0, or -1 (nothing changed: no
// region slot for a split, or no memory to copy a shared leaf table).
int aspace_unmap(struct aspace *as, vaddr_t start, vaddr_t end);
// The same under as->lock; regions removed whole that hold an object are
// put on *dead, for aspace_reap() once the lock is dropped.
int aspace_unmap_locked(struct aspace *as, vaddr_t start, vaddr_t end, struct region **dead);
void aspace_reap(struct aspace *as, struct region *dead);           // put objects, free slots
paddr_t aspace_fill_page(struct aspace *as, vaddr_t va, int prot);  // zeroed frame mapped; 0 if OOM
struct region *aspace_find_locked(struct aspace *as, vaddr_t va);   // region holding va, or 0
struct aspace *aspace_clone(struct aspace *as, int copy);           // fork: COW (copy=0) or copy
int aspace_sbrk(struct aspace *as, int64 n, int eager, vaddr_t *old);  // 0 / -1
void aspace_activate(struct aspace *as);                 // load this page table on this hart
void aspace_set_heap(struct aspace *as, vaddr_t start);  // exec: empty heap at start
uint64 aspace_resident(struct aspace *as, vaddr_t start, vaddr_t end);
// procstat's memory fields (vsize, resident, pt_pages, heap_start, brk). Takes as->lock.
void aspace_stat(struct aspace *as, struct procstat *st);
// Up to max regions, from index first on, into info[]; returns the count.
// Takes as->lock.
int aspace_regions(struct aspace *as, int first, struct regioninfo *info, int max);
// Racy sizes for the ^P process dump (no lock may be taken there).
void aspace_peek(struct aspace *as, uint64 *vsize, uint64 *resident);
int aspace_check(struct aspace *as);  // invariants hold? (debug, host tests); as->lock held
// After each complete change in debug builds (make DEBUG=1) and host tests.
#ifdef VM_DEBUG
#define ASPACE_CHECK(as) assert(aspace_check(as))
#else
#define ASPACE_CHECK(as) ((void)0)
#endif

// ---- mmap.c: the address-space side of mmap/munmap/mprotect ----
#define HEAP_ROOM VM_HEAP_ROOM  // above heap_start, left to sbrk: mmap never picks it
// Map len bytes (a page multiple) as tmpl says (prot, maxprot, kind, flags,
// obj, off, filelen): with fixed exactly at *va, replacing what is there;
// else at *va if that range is free and outside the heap's room, else at a
// free range the kernel picks. *va gets the address. 0, or -1 (nothing changed).
int aspace_mmap(struct aspace *as, vaddr_t *va, uint64 len, int fixed, struct region *tmpl);
// munmap/mprotect of [start, start+len) (len rounded up to pages). Refused
// (-1, nothing changed): unaligned start, len 0, past MAXVA, the heap;
// mprotect also: a hole in the range, prot beyond a region's maxprot.
int aspace_munmap(struct aspace *as, vaddr_t start, uint64 len);
int aspace_protect(struct aspace *as, vaddr_t start, uint64 len, int prot);
// msync: write the dirty pages of the shared file regions in the range back
// now. -1 on the same bad ranges as mprotect, or on a disk error.
int aspace_msync(struct aspace *as, vaddr_t start, uint64 len);
// Pass the dirty claims of writable PTEs of shared file pages in [start,
// end) to their objects (vmobj_dirty), before those PTEs go.
void aspace_claim_dirty_locked(struct aspace *as, vaddr_t start, vaddr_t end);

// ---- rmap.c: the reverse map, object -> the regions mapping it ----
// Every region holding an object is on that object's list while it is in
// an address space's set (region.c links it on insertion, unlinks it on
// removal; split tails are inserted, trims keep their place). The list
// changes under the object's rmap lock AND the region's as->lock; a walker
// starting from the object picks an address space under the rmap lock with
// a reference (aspace_tryget), drops the lock, then takes as->lock and looks
// at that address space's regions afresh. See docs/vm.md, "The reverse map".
struct rmap {
  struct spinlock lock;  // a leaf: nests inside as->lock and inode locks
  struct region *head;   // regions mapping the object (any address space)
  int nlinked;           // regions on the list
};
struct rmap *vmobj_rmap(struct vmobj *o);  // object.c (common/fakeobj.c in host tests)
void rmap_init(struct rmap *m);
void rmap_link_locked(struct aspace *as, struct region *r);    // r joins as's set
void rmap_unlink_locked(struct aspace *as, struct region *r);  // r leaves it
// Walkers: no as->lock, inode lock or spinlock may be held; they sleep.
// Take the object's pages [pgfirst, pglast) out of every page table mapping
// them: writable PTEs of shared regions pass their dirty claims to the
// object first; private regions lose only PTEs that map the cache frame
// itself (their private copies stay). After it, a page no one else holds
// has the cache's reference only (reclaim can free it). 0, or -1 if some
// mapping stayed (out of memory copying a shared leaf table).
int vmobj_unmap_range(struct vmobj *o, uint64 pgfirst, uint64 pglast);
void vmobj_unmap_page(struct vmobj *o, uint64 pgoff);  // the same for one page
// Truncation (after the file shrank): every page wholly past the end of the
// file leaves every mapping, private copies included, so a later touch
// there is "beyond end of file" in every sharer. 0 / -1 as above.
int vmobj_unmap_eof(struct vmobj *o);
// msync/munmap: every writable PTE of a shared region over [pgfirst,
// pglast), in every address space, passes its dirty claim to the object
// and becomes read-only, so that vmobj_sync afterwards writes every
// sharer's stores and a later store is noticed. 0 / -1 (out of memory).
int vmobj_wrprotect_range(struct vmobj *o, uint64 pgfirst, uint64 pglast);
int frame_is_cache(paddr_t pa);  // object.c: pa is a page-cache page now

// ---- object.c: the page-cache clock (reclaim) ----
// Free up to want cache pages no page table maps, by a clock over the
// inode table's objects with a referenced bit per page (set by lookups,
// read(), write(), faults; cleared by the hand: a second chance): clean
// pages first; with dirty_too, then dirty ones, each written back through
// the log first (kept if that fails). Returns the number freed. Call with
// no as->lock, no inode lock, outside any transaction; it sleeps.
int vmobj_reclaim(uint64 want, int dirty_too);
uint64 vmobj_ncached(void);  // pages in the page cache, all objects (a moment old)

// ---- fault.c: the single fault resolver ----
enum fault_result {
  FAULT_OK,    // the access may be retried: the page is mapped as it allows
  FAULT_SEGV,  // no region allows it
  FAULT_OOM,   // out of memory serving it
  FAULT_BUS,   // the page lies wholly past the end of its file
};
#define ACC_READ PROT_READ
#define ACC_WRITE PROT_WRITE
#define ACC_EXEC PROT_EXEC
// Resolve an access to va. On refusal, *why (if non-null) gets a short
// reason ("above break", "stack guard", "write to read-only", ...).
// Counts the fault kind in *counts (per-process) and system-wide. Takes
// as->lock; may sleep.
enum fault_result vm_fault(struct aspace *as, vaddr_t va, int access, uint64 *counts,
                           const char **why);
void vm_fault_stats(struct vmstat *st);  // fills faults[] and kills[]
void vm_count_kill(int reason);

// ---- policy switches (vmctl) ----
extern int vm_sbrk_eager;     // sbrk maps frames at once
extern int vm_fork_copy;      // fork copies frames at once
extern int vm_prezero;        // idle harts pre-zero free frames (frame.c)
extern int vm_faultaround;    // anonymous fault-around (anon.c)
extern int vm_exec_eager;     // exec reads the whole program file (kernel/proc/exec.c)
extern int vm_pageout_batch;  // madvise/VMCTL_PAGEOUT_PID page out in batches (swapfault.c)

// ---- uaccess.c: kernel <-> current process's user memory ----
// Each validates every byte against the regions and resolves missing pages
// through vm_fault. Return 0, or -1 if some address is not accessible (an
// out-of-memory fault also marks the process killed). May sleep; no
// spinlock may be held.
int copyin(void *dst, uint64 srcva, uint64 n);
int copyout(uint64 dstva, const void *src, uint64 n);
int copyinstr(char *dst, uint64 srcva, uint64 max);  // 0 or -1 (no NUL within max)
int uaccess_ok(uint64 va, uint64 n, int access);     // 1 if regions allow it all
// A copyin/copyout/copyinstr of as is between its PTE lookup and its copy
// (it may use a frame a PTE of as no longer names). Whoever takes a frame
// out of as's page table without as's own process (page-out, unmap of a
// file page) changes the PTE, fences (pmap_shootdown), then asks this, and
// backs off (puts the PTE back) if so. See swapfault.c.
int aspace_uaccess_busy(struct aspace *as);
// va's PTE holds a swap entry (filefault.c; as->lock held).
int aspace_on_swap(struct aspace *as, vaddr_t va);
// The same, to or from either user (user=1) or kernel (user=0) addresses.
int either_copyout(int user, uint64 dst, const void *src, uint64 n);
int either_copyin(void *dst, int user, uint64 src, uint64 n);

#endif
