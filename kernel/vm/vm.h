// Public interface of the virtual-memory system: frames, address spaces,
// the single fault resolver, and user-memory access.
//
// Global lock order (outer first):
//   as->lock (sleep) -> inode/buffer sleep locks -> p->lock -> ... (leaf); frames: atomics
// No spinlock may be held across copyin/copyout/copyinstr or vm_fault: they
// may sleep. uaccess asserts this.
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
paddr_t frame_alloc_zeroed(void);             // same, filled with zeros
void frame_copy(paddr_t dst, paddr_t src);    // copy one page's contents
void frame_ref(paddr_t pa);                   // one more reference
void frame_unref(paddr_t pa);                 // one fewer; freed at zero
int frame_refcount(paddr_t pa);
// Page-table sharing (pmap.c) counts references without frames_shared
// accounting and frees in two steps: frame_drop() returning 0 leaves the
// frame to the caller, who empties it and calls frame_free().
int frame_share(paddr_t pa);                 // +1; returns the new count
int frame_drop(paddr_t pa);                  // -1; returns the new count
void frame_free(paddr_t pa);                 // a frame whose count is 0 back to the free list
void frame_set_aux(paddr_t pa, uint32 aux);  // a word the frame's owner may keep
uint32 frame_aux(paddr_t pa);
paddr_t frame_zero_page(void);        // the shared, never-written zero page
void frame_stats(struct vmstat *st);  // fills the frame_* and zero_page_maps fields
void *kalloc(void);                   // a frame for the kernel, by kernel address
void kfree(void *kva);

// ---- aspace.c: an address space = sorted regions + page table ----
#define NREGION 32  // regions per address space

struct region {
  vaddr_t start;  // page-aligned
  vaddr_t end;    // page-aligned, exclusive
  int prot;       // PROT_READ | PROT_WRITE | PROT_EXEC
  int kind;       // enum region_kind (text, data, heap, stack, mmap)
};

// Lock key: l = as->lock held; o = owner process only (single-threaded).
struct aspace {
  struct sleeplock lock;
  int refs;                       // references (owner + inspectors), aspace_lock
  struct pmap pmap;               // l: the page table, a cache of regions
  int nregion;                    // l
  struct region region[NREGION];  // l: sorted by start, disjoint
  vaddr_t heap_start;             // l: heap region is [heap_start, brk)
  vaddr_t brk;                    // l
};

struct aspace *aspace_create(void);  // empty; 0 if out of memory
void aspace_get(struct aspace *as);  // one more reference
void aspace_put(struct aspace *as);  // drop one; the last frees everything
int aspace_map(struct aspace *as, vaddr_t start, vaddr_t end, int prot, int kind);  // 0 / -1
int aspace_unmap(struct aspace *as, vaddr_t start, vaddr_t end);    // frees frames; 0 / -1
paddr_t aspace_fill_page(struct aspace *as, vaddr_t va, int prot);  // zeroed frame mapped; 0 if OOM
struct region *aspace_find(struct aspace *as, vaddr_t va);          // region holding va, or 0
struct aspace *aspace_clone(struct aspace *as, int copy);           // fork: COW (copy=0) or copy
int aspace_sbrk(struct aspace *as, int64 n, int eager, vaddr_t *old);  // 0 / -1
void aspace_activate(struct aspace *as);  // load this page table on this hart
uint64 aspace_resident(struct aspace *as, vaddr_t start, vaddr_t end);
int aspace_check(struct aspace *as);  // invariants hold? (debug, host tests)
// After each complete change in debug builds (make DEBUG=1) and host tests.
#ifdef VM_DEBUG
#define ASPACE_CHECK(as) assert(aspace_check(as))
#else
#define ASPACE_CHECK(as) ((void)0)
#endif

// ---- fault.c: the single fault resolver ----
enum fault_result { FAULT_OK, FAULT_SEGV, FAULT_OOM };
#define ACC_READ PROT_READ
#define ACC_WRITE PROT_WRITE
#define ACC_EXEC PROT_EXEC
// Resolve an access to va. On FAULT_SEGV/FAULT_OOM, *why (if non-null) gets a
// short reason ("above break", "stack guard", "write to read-only", ...).
// Counts the fault kind in *counts (per-process) and system-wide. May sleep.
int vm_fault(struct aspace *as, vaddr_t va, int access, uint64 *counts, const char **why);
void vm_fault_stats(struct vmstat *st);  // fills faults[] and kills[]
void vm_count_kill(int reason);

// ---- policy switches (vmctl) ----
extern int vm_sbrk_eager;  // sbrk maps frames at once
extern int vm_fork_copy;   // fork copies frames at once

// ---- uaccess.c: kernel <-> current process's user memory ----
// Each validates every byte against the regions and resolves missing pages
// through vm_fault. Return 0, or -1 if some address is not accessible (an
// out-of-memory fault also marks the process killed). May sleep; no
// spinlock may be held.
int copyin(void *dst, uint64 srcva, uint64 n);
int copyout(uint64 dstva, const void *src, uint64 n);
int copyinstr(char *dst, uint64 srcva, uint64 max);  // 0 or -1 (no NUL within max)
int uaccess_ok(uint64 va, uint64 n, int access);     // 1 if regions allow it all
// The same, to or from either user (user=1) or kernel (user=0) addresses.
int either_copyout(int user, uint64 dst, const void *src, uint64 n);
int either_copyin(void *dst, int user, uint64 src, uint64 n);

#endif
