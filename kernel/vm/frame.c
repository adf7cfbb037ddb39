// Physical frames: a descriptor (reference count) per frame, a lock-free
// free list, exact counts. The zero page is a frame that is never freed;
// its count of references is the number of PTEs mapping it.
#include "types.h"
#include "memlayout.h"
#include "vmstat.h"
#include "arch/riscv/kmem.h"
#include "vm/vm.h"
#include "lib/klib.h"

struct frame {
  int refs;    // atomic: PTEs and kernel users holding this frame
  uint32 aux;  // the owner's word (pmap: page counts of a shared leaf table)
};

// The free list is a stack linked through the free frames themselves (the
// first word of a free frame holds the next frame's number + 1). Its head
// packs a generation tag with the top frame's number + 1, and every push or
// pop bumps the tag, so a compare-and-swap can never succeed on a head that
// was popped and pushed back meanwhile (the ABA problem). No lock, and so
// no interrupt masking, on the page-fault path.
#define HEAD_FRAME(h) ((uint32)(h))
#define HEAD_TAG(h) ((h) >> 32)
#define MAKE_HEAD(tag, frame1) (((uint64)(tag) << 32) | (frame1))

// Lock key: a = atomic.
static struct {
  uint64 head;         // a: tag | top frame number + 1 (0: empty)
  uint64 nfree;        // a
  uint64 total;        // allocatable frames (the zero page excluded)
  uint64 ndesc;        // frames with a descriptor
  uint64 shared;       // a: sum over data frames of (refs - 1)
  paddr_t base;        // first managed frame
  struct frame *desc;  // descriptor of frame i = (pa - base) / PGSIZE
  paddr_t zero;        // the zero page
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
  volatile uint32 *link = P2V(pa);
  uint32 frame1 = (pa - fr.base) / PGSIZE + 1;
  uint64 old = __atomic_load_n(&fr.head, __ATOMIC_ACQUIRE), new;
  do {
    *link = HEAD_FRAME(old);
    new = MAKE_HEAD(HEAD_TAG(old) + 1, frame1);
  } while (
      !__atomic_compare_exchange_n(&fr.head, &old, new, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
  __atomic_fetch_add(&fr.nfree, 1, __ATOMIC_RELAXED);
}

// Pop a frame, or 0. Reading the link of a frame another hart has just
// popped yields garbage, but then the tag has moved and the swap fails.
static paddr_t
free_pop(void)
{
  uint64 old = __atomic_load_n(&fr.head, __ATOMIC_ACQUIRE), new;
  paddr_t pa;
  do {
    if (HEAD_FRAME(old) == 0)
      return 0;
    pa = fr.base + (uint64)(HEAD_FRAME(old) - 1) * PGSIZE;
    new = MAKE_HEAD(HEAD_TAG(old) + 1, *(volatile uint32 *)P2V(pa));
  } while (
      !__atomic_compare_exchange_n(&fr.head, &old, new, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
  __atomic_fetch_sub(&fr.nfree, 1, __ATOMIC_RELAXED);
  return pa;
}

// Manage [start, end): the descriptor array takes the first frames.
void
frame_init(paddr_t start, paddr_t end)
{
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
  paddr_t pa = free_pop();
  if (pa)
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
  if (pa != fr.zero)  // every reference beyond the first is a copy avoided
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
  if (old >= 2)
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

void
frame_set_aux(paddr_t pa, uint32 aux)
{
  desc_of(pa)->aux = aux;
}

uint32
frame_aux(paddr_t pa)
{
  return desc_of(pa)->aux;
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
  st->frames_free = __atomic_load_n(&fr.nfree, __ATOMIC_RELAXED);
  st->frames_total = fr.total;
  // Copies avoided: extra references to data frames from distinct leaf
  // tables, plus extra page tables holding a shared leaf table's pages.
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
