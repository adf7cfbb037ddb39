// Physical frames: a descriptor (reference count) per frame, lock-free
// free lists, exact counts. Free frames are dirty or pre-zeroed (a bounded
// pool idle harts refill); both are free. The zero page is a frame that is
// never freed; its count is one plus the leaf-table slots mapping it (a
// shared table once).
#include "types.h"
#include "memlayout.h"
#include "vmstat.h"
#include "arch/riscv/kmem.h"
#include "vm/vm.h"
#include "lib/klib.h"

struct frame {
  int refs;    // atomic: a data frame: leaf tables mapping it (a table shared
               // by several page tables counts once), the page cache, or its
               // kernel user; a page-table page: page tables holding it (pmap.c)
  uint32 aux;  // the owner's word (pmap: page counts of a shared leaf table)
};

// A free list is a stack linked through the free frames themselves (the
// first word of a free frame holds the next frame's number + 1). Its head
// packs a generation tag with the top frame's number + 1, and every push or
// pop bumps the tag, so a compare-and-swap can never succeed on a head that
// was popped and pushed back meanwhile (the ABA problem). No lock, and so
// no interrupt masking, on the page-fault path. A pre-zeroed frame is zero
// except for that link word while it is listed; the pop clears the word.
#define HEAD_FRAME(h) ((uint32)(h))
#define HEAD_TAG(h) ((h) >> 32)
#define MAKE_HEAD(tag, frame1) (((uint64)(tag) << 32) | (frame1))

// Lock key: a = atomic. Each list, and the free count, has a cache line
// of its own: an idle hart refilling the pool and a hart taking frames
// from it must not slow each other down through unrelated words.
struct freelist {
  uint64 head;  // a: tag | top frame number + 1 (0: empty)
  uint64 n;     // a: frames on this list
} __attribute__((aligned(64)));

static struct {
  struct freelist dirty;   // freed frames, contents undefined
  struct freelist zeroed;  // pre-zeroed frames (the pool), at most ZPOOL_MAX
  uint64 nfree
      __attribute__((aligned(64)));  // a: every free frame: both lists + those being zeroed
  uint64 zeroing;                    // a: frames an idle hart took off `dirty` to zero
  uint64 hits, misses;               // a: frame_alloc_zeroed served from the pool / zeroed then
  uint64 total;                      // allocatable frames (the zero page excluded)
  uint64 ndesc;                      // frames with a descriptor
  uint64 shared;                     // a: sum over data frames of (refs - 1)
  paddr_t base;                      // first managed frame
  struct frame *desc;                // descriptor of frame i = (pa - base) / PGSIZE
  paddr_t zero;                      // the zero page
} fr;

#define ZPOOL_MAX 256  // pre-zeroed frames kept at most (1 MiB)

int vm_prezero = 1;  // vmctl(VMCTL_PREZERO): idle harts fill the pool, allocations use it

static struct frame *
desc_of(paddr_t pa)
{
  assert(pa >= fr.base && (pa - fr.base) / PGSIZE < fr.ndesc && pa % PGSIZE == 0);
  return &fr.desc[(pa - fr.base) / PGSIZE];
}

static uint32
frame1_of(paddr_t pa)
{
  return (pa - fr.base) / PGSIZE + 1;
}

// Push a chain of n frames, top -> ... -> bottom, already linked through
// their link words: one compare-and-swap for all of them. The list then
// reads as if they had been pushed one by one, bottom first.
static void
free_push_chain(struct freelist *l, paddr_t top, paddr_t bottom, uint64 n)
{
  volatile uint32 *link = P2V(bottom);
  uint64 old = __atomic_load_n(&l->head, __ATOMIC_ACQUIRE), new;
  do {
    *link = HEAD_FRAME(old);
    new = MAKE_HEAD(HEAD_TAG(old) + 1, frame1_of(top));
  } while (
      !__atomic_compare_exchange_n(&l->head, &old, new, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
  __atomic_fetch_add(&l->n, n, __ATOMIC_RELAXED);
}

static void
free_push(struct freelist *l, paddr_t pa)
{
  free_push_chain(l, pa, pa, 1);
}

// Pop a frame, or 0. Reading the link of a frame another hart has just
// popped yields garbage, but then the tag has moved and the swap fails.
static paddr_t
free_pop(struct freelist *l)
{
  uint64 old = __atomic_load_n(&l->head, __ATOMIC_ACQUIRE), new;
  paddr_t pa;
  do {
    if (HEAD_FRAME(old) == 0)
      return 0;
    pa = fr.base + (uint64)(HEAD_FRAME(old) - 1) * PGSIZE;
    new = MAKE_HEAD(HEAD_TAG(old) + 1, *(volatile uint32 *)P2V(pa));
  } while (
      !__atomic_compare_exchange_n(&l->head, &old, new, 0, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE));
  __atomic_fetch_sub(&l->n, 1, __ATOMIC_RELAXED);
  *(volatile uint32 *)P2V(pa) = 0;  // the link word: a pre-zeroed frame is zero again
  return pa;
}

static void
free_frame(paddr_t pa)
{
  free_push(&fr.dirty, pa);
  __atomic_fetch_add(&fr.nfree, 1, __ATOMIC_RELAXED);
}

// Take a free frame, dirty ones first (a caller that zeroes it itself
// wants one); *zeroed says it came from the pool. 0 if none is free. A
// frame an idle hart is zeroing is still free: wait the moment it takes.
static paddr_t
take(struct freelist *first, struct freelist *second, int *zeroed)
{
  paddr_t pa;
  for (;;) {
    if ((pa = free_pop(first)) != 0) {
      *zeroed = first == &fr.zeroed;
      break;
    }
    if ((pa = free_pop(second)) != 0) {
      *zeroed = second == &fr.zeroed;
      break;
    }
    if (__atomic_load_n(&fr.zeroing, __ATOMIC_ACQUIRE) == 0)
      return 0;
  }
  __atomic_fetch_sub(&fr.nfree, 1, __ATOMIC_RELAXED);
  desc_of(pa)->refs = 1;
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
    free_frame(pa);
  fr.zero = frame_alloc_zeroed();
  fr.total--;  // the zero page is not an allocatable frame
}

static int refill_asked;  // a: an idle hart was woken to refill the pool

// The pool is below half: wake an idle hart to refill it (once per refill).
static void
want_refill(void)
{
  if (__atomic_load_n(&fr.zeroed.n, __ATOMIC_RELAXED) >= ZPOOL_MAX / 2 ||
      __atomic_load_n(&refill_asked, __ATOMIC_RELAXED) ||
      __atomic_exchange_n(&refill_asked, 1, __ATOMIC_ACQ_REL))
    return;
  if (!sched_wake_idle())
    __atomic_store_n(&refill_asked, 0, __ATOMIC_RELEASE);  // nobody idle: ask next time
}

paddr_t
frame_alloc(void)
{
  int zeroed;
  return take(&fr.dirty, &fr.zeroed, &zeroed);
}

paddr_t
frame_alloc_zeroed(void)
{
  int zeroed = 0;
  paddr_t pa = vm_prezero ? take(&fr.zeroed, &fr.dirty, &zeroed) : frame_alloc();
  if (pa == 0)
    return 0;
  if (zeroed) {
    __atomic_fetch_add(&fr.hits, 1, __ATOMIC_RELAXED);
  } else {
    memset(P2V(pa), 0, PGSIZE);
    __atomic_fetch_add(&fr.misses, 1, __ATOMIC_RELAXED);
  }
  if (vm_prezero)
    want_refill();
  return pa;
}

#define PREZERO_CHAIN 16  // frames zeroed per push onto the pool

// Zero up to n dirty free frames into the pool (until it holds ZPOOL_MAX).
// The frames stay free throughout: nfree does not change. Returns how many
// were zeroed. For idle harts; the caller keeps interrupts off so that an
// allocator waiting for the frames in hand never waits long. Frames are
// zeroed PREZERO_CHAIN at a time and pushed with one compare-and-swap, so
// a hart taking pool frames meanwhile meets the refill once per chain
// instead of once per frame.
int
frame_prezero(int n, int (*stop)(void))
{
  int done = 0;
  __atomic_store_n(&refill_asked, 0, __ATOMIC_RELEASE);  // a later drop asks again
  while (done < n && vm_prezero && !(stop && stop())) {
    // Claim places first: pool + frames in hand never exceeds the bound,
    // however many harts are idle.
    uint64 want = MIN((uint64)(n - done), (uint64)PREZERO_CHAIN);
    uint64 busy = __atomic_add_fetch(&fr.zeroing, want, __ATOMIC_SEQ_CST);
    uint64 inpool = __atomic_load_n(&fr.zeroed.n, __ATOMIC_SEQ_CST);
    uint64 others = busy - want;  // frames other idle harts hold
    uint64 room = inpool + others >= ZPOOL_MAX ? 0 : MIN(want, ZPOOL_MAX - inpool - others);
    paddr_t top = 0, bottom = 0, pa;
    uint64 k = 0;
    while (k < room && (pa = free_pop(&fr.dirty)) != 0) {
      memset(P2V(pa), 0, PGSIZE);
      if (top)
        *(volatile uint32 *)P2V(pa) = frame1_of(top);  // pa -> top: the newest on top
      else
        bottom = pa;
      top = pa;
      k++;
    }
    if (k)
      free_push_chain(&fr.zeroed, top, bottom, k);
    __atomic_fetch_sub(&fr.zeroing, want, __ATOMIC_ACQ_REL);
    done += k;
    if (k < want)
      break;  // the pool is full, or no dirty frame is left
  }
  return done;
}

// vmctl(VMCTL_PREZERO): off also empties the pool back into the dirty list,
// so that every zeroed allocation then zeroes on demand. Returns the old value.
int
frame_set_prezero(int on)
{
  int old = vm_prezero;
  __atomic_store_n(&vm_prezero, on, __ATOMIC_SEQ_CST);
  if (on)
    return old;
  while (__atomic_load_n(&fr.zeroing, __ATOMIC_SEQ_CST) != 0)
    ;  // an idle hart finishing the frame in hand
  paddr_t pa;
  while ((pa = free_pop(&fr.zeroed)) != 0)
    free_push(&fr.dirty, pa);
  return old;
}

void
frame_copy(paddr_t dst, paddr_t src)
{
  memmove(P2V(dst), P2V(src), PGSIZE);
}

void
frame_copy_prefix(paddr_t dst, paddr_t src, uint64 n)
{
  assert(n <= PGSIZE);
  memmove(P2V(dst), P2V(src), n);
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
    free_frame(pa);
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
  free_frame(pa);
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

uint64
frame_nfree(void)
{
  return __atomic_load_n(&fr.nfree, __ATOMIC_RELAXED);
}

uint64
frame_ntotal(void)
{
  return fr.total;
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
  st->ram_pages = (fr.base + fr.ndesc * PGSIZE - KERNBASE) / PGSIZE;
  // Copies avoided: extra references to data frames from distinct leaf
  // tables, plus extra page tables holding a shared leaf table's pages.
  st->frames_shared = __atomic_load_n(&fr.shared, __ATOMIC_RELAXED) + pmap_shared_pages();
  st->zero_page_maps = frame_refcount(fr.zero) - 1;
  st->pt_pages = pmap_user_ptpages();
  st->frames_zeroed = __atomic_load_n(&fr.zeroed.n, __ATOMIC_RELAXED);
  st->zeroed_max = ZPOOL_MAX;
  st->zeroed_hits = __atomic_load_n(&fr.hits, __ATOMIC_RELAXED);
  st->zeroed_misses = __atomic_load_n(&fr.misses, __ATOMIC_RELAXED);
  st->prezero = vm_prezero;
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
