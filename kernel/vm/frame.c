// Physical frames: a descriptor (reference count) per frame, a free list,
// exact counts. The zero page is a frame that is never freed; its count of
// references is the number of PTEs mapping it.
#include "types.h"
#include "memlayout.h"
#include "vmstat.h"
#include "arch/riscv/kmem.h"
#include "sync/spinlock.h"
#include "vm/vm.h"
#include "lib/klib.h"

struct frame {
  int refs;  // atomic: PTEs and kernel users holding this frame
};

struct freeframe {
  struct freeframe *next;
};

// Lock key: f = frame_lock held; a = atomic.
static struct {
  struct spinlock lock;
  struct freeframe *free;  // f
  uint64 nfree;            // f
  uint64 total;            // allocatable frames (the zero page excluded)
  uint64 ndesc;            // frames with a descriptor
  uint64 shared;           // a: frames with refs > 1 (zero page excluded)
  paddr_t base;            // first managed frame
  struct frame *desc;      // descriptor of frame i = (pa - base) / PGSIZE
  paddr_t zero;            // the zero page
} fr;

static struct frame *
desc_of(paddr_t pa)
{
  assert(pa >= fr.base && (pa - fr.base) / PGSIZE < fr.ndesc && pa % PGSIZE == 0);
  return &fr.desc[(pa - fr.base) / PGSIZE];
}

static void
free_push(paddr_t pa)
{
  struct freeframe *f = P2V(pa);
  acquire(&fr.lock);
  f->next = fr.free;
  fr.free = f;
  fr.nfree++;
  release(&fr.lock);
}

// Manage [start, end): the descriptor array takes the first frames.
void
frame_init(paddr_t start, paddr_t end)
{
  initlock(&fr.lock, "frame");
  start = PGROUNDUP(start);
  end = PGROUNDDOWN(end);
  uint64 n = (end - start) / PGSIZE;
  uint64 descpages = PGROUNDUP(n * sizeof(struct frame)) / PGSIZE;
  fr.desc = P2V(start);
  memset(fr.desc, 0, descpages * PGSIZE);
  fr.base = start + descpages * PGSIZE;
  fr.total = fr.ndesc = n - descpages;
  for (paddr_t pa = end - PGSIZE; pa >= fr.base; pa -= PGSIZE)
    free_push(pa);
  fr.zero = frame_alloc_zeroed();
  fr.total--;  // the zero page is not an allocatable frame
}

paddr_t
frame_alloc(void)
{
  acquire(&fr.lock);
  struct freeframe *f = fr.free;
  if (f) {
    fr.free = f->next;
    fr.nfree--;
  }
  release(&fr.lock);
  if (f == 0)
    return 0;
  paddr_t pa = V2P(f);
  desc_of(pa)->refs = 1;
  return pa;
}

paddr_t
frame_alloc_zeroed(void)
{
  paddr_t pa = frame_alloc();
  if (pa)
    memset(P2V(pa), 0, PGSIZE);
  return pa;
}

void
frame_copy(paddr_t dst, paddr_t src)
{
  memmove(P2V(dst), P2V(src), PGSIZE);
}

void
frame_ref(paddr_t pa)
{
  int old = __atomic_fetch_add(&desc_of(pa)->refs, 1, __ATOMIC_ACQ_REL);
  assert(old > 0);
  if (old == 1 && pa != fr.zero)
    __atomic_fetch_add(&fr.shared, 1, __ATOMIC_RELAXED);
}

void
frame_unref(paddr_t pa)
{
  int old = __atomic_fetch_sub(&desc_of(pa)->refs, 1, __ATOMIC_ACQ_REL);
  assert(old > 0);
  if (pa == fr.zero) {
    assert(old > 1);
    return;
  }
  if (old == 2)
    __atomic_fetch_sub(&fr.shared, 1, __ATOMIC_RELAXED);
  if (old == 1)
    free_push(pa);
}

int
frame_share(paddr_t pa)
{
  return __atomic_add_fetch(&desc_of(pa)->refs, 1, __ATOMIC_ACQ_REL);
}

int
frame_drop(paddr_t pa)
{
  int left = __atomic_sub_fetch(&desc_of(pa)->refs, 1, __ATOMIC_ACQ_REL);
  assert(left >= 0);
  return left;
}

void
frame_free(paddr_t pa)
{
  assert(frame_refcount(pa) == 0 && pa != fr.zero);
  free_push(pa);
}

int
frame_refcount(paddr_t pa)
{
  return __atomic_load_n(&desc_of(pa)->refs, __ATOMIC_ACQUIRE);
}

paddr_t
frame_zero_page(void)
{
  return fr.zero;
}

void
frame_stats(struct vmstat *st)
{
  acquire(&fr.lock);
  st->frames_free = fr.nfree;
  release(&fr.lock);
  st->frames_total = fr.total;
  // Shared through a frame's own count, or through a shared leaf table.
  st->frames_shared = __atomic_load_n(&fr.shared, __ATOMIC_RELAXED) + pmap_shared_pages();
  st->zero_page_maps = frame_refcount(fr.zero) - 1;
  st->pt_pages = pmap_user_ptpages();
}

void *
kalloc(void)
{
  paddr_t pa = frame_alloc();
  return pa ? P2V(pa) : 0;
}

void
kfree(void *kva)
{
  frame_unref(V2P(kva));
}
