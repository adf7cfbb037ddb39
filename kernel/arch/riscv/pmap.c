// Sv39 page tables: the only code that knows PTE bits. User mappings live
// in root entries 0..255; entries 256..511 are the kernel's gigapages,
// copied into every root so that traps need no satp switch.
// fork shares whole leaf tables copy-on-write (see "Shared leaf tables").
#include "types.h"
#include "memlayout.h"
#include "vmstat.h"
#include "arch/riscv/riscv.h"
#include "arch/riscv/kmem.h"
#include "vm/vm.h"
#include "proc/proc.h"
#include "lib/klib.h"

typedef uint64 pte_t;

#define PTE_V (1L << 0)
#define PTE_R (1L << 1)
#define PTE_W (1L << 2)
#define PTE_X (1L << 3)
#define PTE_U (1L << 4)
#define PTE_G (1L << 5)
#define PTE_A (1L << 6)
#define PTE_D (1L << 7)
#define PTE_COW (1L << 8)  // RSW bit: copy on write

// A swap entry: an invalid PTE (V clear: the hardware ignores the rest)
// holding a swap slot where the PPN would be, marked by the other RSW bit.
// Like a frame it holds one slot reference per leaf table (swap.c).
#define PTE_SWAP (1L << 9)
#define IS_SWAP(pte) (((pte) & (PTE_V | PTE_SWAP)) == PTE_SWAP)
#define SWAP_PTE(slot) (((uint64)(slot) << 10) | PTE_SWAP)
#define PTE_SLOT(pte) ((swapslot_t)((pte) >> 10))

#define PTE_PA(pte) (((pte) >> 10) << 12)
#define PA_PTE(pa) ((((uint64)(pa)) >> 12) << 10)
#define PX(level, va) ((((uint64)(va)) >> (12 + 9 * (level))) & 0x1FF)
#define LEVEL_SPAN(level) (1UL << (12 + 9 * (level)))
#define KERNEL_FIRST 256  // first root index of the kernel half
#define NPTE 512

static pte_t *kernel_root;
static uint64 user_ptpages;        // atomic: frames used as user page tables
static uint64 shared_table_pages;  // atomic: sum over leaf tables of (refs - 1) * data pages

// A PROT_NONE page keeps its frame in a valid leaf (R set, or it would read
// as a table pointer) without the U bit: user mode cannot touch it.
static pte_t
prot2pte(int prot)
{
  if (!(prot & (PROT_READ | PROT_WRITE | PROT_EXEC | PMAP_COW)))
    return PTE_V | PTE_A | PTE_R;
  pte_t pte = PTE_V | PTE_U | PTE_A;
  if (prot & PROT_READ)
    pte |= PTE_R;
  if (prot & PROT_WRITE)
    pte |= PTE_W | PTE_D | PTE_R;  // W without R is reserved in Sv39
  if (prot & PROT_EXEC)
    pte |= PTE_X;
  if (prot & PMAP_COW)
    pte |= PTE_COW | PTE_R;
  if (prot & PMAP_OLD)
    pte &= ~PTE_A;  // the hardware sets A at the first access (or faults: pmap_slot_get)
  return pte;
}

static int
pte2prot(pte_t pte)
{
  int prot = 0;
  if (!(pte & PTE_U))
    return 0;  // PROT_NONE
  if (pte & PTE_R)
    prot |= PROT_READ;
  if (pte & PTE_W)
    prot |= PROT_WRITE;
  if (pte & PTE_X)
    prot |= PROT_EXEC;
  if (pte & PTE_COW)
    prot |= PMAP_COW;
  return prot;
}

static pte_t *
table_alloc(struct pmap *pm)
{
  paddr_t pa = frame_alloc_zeroed();
  if (pa == 0)
    return 0;
  pm->ptpages++;
  __atomic_fetch_add(&user_ptpages, 1, __ATOMIC_RELAXED);
  return P2V(pa);
}

static void
table_free(struct pmap *pm, pte_t *t)
{
  pm->ptpages--;
  __atomic_fetch_sub(&user_ptpages, 1, __ATOMIC_RELAXED);
  frame_unref(V2P(t));
}

static int
count_valid(pte_t *t)
{
  int n = 0;
  for (int i = 0; i < NPTE; i++)
    n += t[i] & PTE_V;
  return n;
}

static int
count_swap(pte_t *t)
{
  int n = 0;
  for (int i = 0; i < NPTE; i++)
    n += IS_SWAP(t[i]);
  return n;
}

// ---- Shared leaf tables ----
// fork hands the child the parent's leaf tables that lie wholly inside one
// region instead of copying 512 PTEs and 512 frame references: the table's
// frame count says how many page tables point at it. A shared table is
// immutable (its writable PTEs were made COW first); whoever needs to
// change a PTE in it takes a private copy (leaf_own), which is when the
// data frames gain their per-table references. Exit drops a shared table
// with one atomic decrement. Frame counts are therefore "references from
// distinct leaf tables".

// A shared leaf table's page counts, kept in its frame's aux word while it
// is shared (and so immutable): valid PTEs, data frames (valid PTEs but the
// zero page) and swap entries, 10 bits each (at most 512).
// Swap entries follow the same rule as frames: one slot reference per leaf
// table, however many page tables share it.
#define MAKE_AUX(valid, data, swapped)                                                             \
  (((uint32)(valid) << 20) | ((uint32)(swapped) << 10) | (uint32)(data))
#define AUX_VALID(aux) ((aux) >> 20)
#define AUX_SWAP(aux) (((aux) >> 10) & 0x3ff)
#define AUX_DATA(aux) ((aux)&0x3ff)

// Drop one reference to leaf table t held by pm. The last reference
// releases every page it maps and frees the table.
static void
leaf_drop(struct pmap *pm, pte_t *t, void (*release)(uint64 pa))
{
  pm->ptpages--;
  // Read while our reference keeps a shared table immutable: once dropped,
  // the last holder may start changing it.
  int data = frame_refcount(V2P(t)) > 1 ? AUX_DATA(frame_aux(V2P(t))) : 0;
  int left = frame_drop(V2P(t));
  if (left >= 1)
    __atomic_fetch_sub(&shared_table_pages, data, __ATOMIC_RELAXED);
  if (left > 0)
    return;
  for (int i = 0; i < NPTE; i++) {
    if ((t[i] & PTE_V) && release)
      release(PTE_PA(t[i]));
    else if (IS_SWAP(t[i]))
      swap_unref(PTE_SLOT(t[i]));  // the slot reference this table held
  }
  __atomic_fetch_sub(&user_ptpages, 1, __ATOMIC_RELAXED);
  frame_free(V2P(t));
}

// The leaf table *l1e points at, made private to pm (copied if shared).
// Returns 0 if out of memory. Only holders can add references, so a count
// of 1 means nobody else can be looking.
static pte_t *
leaf_own(struct pmap *pm, pte_t *l1e)
{
  pte_t *t = P2V(PTE_PA(*l1e));
  if (frame_refcount(V2P(t)) == 1)
    return t;
  pte_t *n = table_alloc(pm);
  if (n == 0)
    return 0;
  for (int i = 0; i < NPTE; i++) {
    if (t[i] & PTE_V) {
      n[i] = t[i];
      frame_ref(PTE_PA(t[i]));
    } else if (IS_SWAP(t[i])) {
      n[i] = t[i];
      swap_ref(PTE_SLOT(t[i]));  // the copy holds its own slot reference
    }
  }
  *l1e = PA_PTE(V2P(n)) | PTE_V;
  leaf_drop(pm, t, frame_unref);
  sfence_vma();  // a non-leaf entry changed
  return n;
}

// The L1 slot for va, creating the L1 table if alloc; 0 if absent/no memory.
static pte_t *
l1_slot(struct pmap *pm, uint64 va, int alloc)
{
  pte_t *l2e = &pm->root[PX(2, va)];
  if (!(*l2e & PTE_V)) {
    pte_t *t;
    if (!alloc || (t = table_alloc(pm)) == 0)
      return 0;
    *l2e = PA_PTE(V2P(t)) | PTE_V;
  }
  return &((pte_t *)P2V(PTE_PA(*l2e)))[PX(1, va)];
}

// The leaf PTE slot for va. With alloc, missing tables are created and a
// shared leaf table is made private (the caller is about to write).
// Returns 0 if absent or out of memory.
static pte_t *
walk(struct pmap *pm, uint64 va, int alloc)
{
  pte_t *l1e = l1_slot(pm, va, alloc);
  if (l1e == 0)
    return 0;
  pte_t *t;
  if (*l1e & PTE_V) {
    t = alloc ? leaf_own(pm, l1e) : P2V(PTE_PA(*l1e));
    if (t == 0)
      return 0;
  } else {
    if (!alloc || (t = table_alloc(pm)) == 0)
      return 0;
    *l1e = PA_PTE(V2P(t)) | PTE_V;
  }
  return &t[PX(0, va)];
}

void
pmap_kernel_init(void)
{
  kernel_root = P2V(frame_alloc_zeroed());
  // Physical 0..4 GiB (devices, RAM) at KVOFFSET: global, supervisor-only.
  for (uint64 i = 0; i < 4; i++) {
    uint64 pa = i << 30;
    kernel_root[PX(2, KVOFFSET + pa)] =
        PA_PTE(pa) | PTE_V | PTE_R | PTE_W | PTE_X | PTE_A | PTE_D | PTE_G;
  }
}

// ---- Which hart has which page table loaded: TLB shootdown ----
// A hart caches translations of the page table in its satp. A user page
// table is loaded on at most one hart (no threads: one process per address
// space, one hart per process), recorded here by pmap_activate and cleared
// by pmap_kernel_activate. pmap_shootdown(pm), after valid PTEs of pm
// changed, asks the hart that has pm loaded to flush: a ticket in `asked`,
// a software interrupt (trap_wake), and the hart's interrupt handler
// (pmap_shootdown_intr) fences and publishes the ticket it saw in `done`.
// A hart that leaves pm meanwhile (satp switch + full fence) needs no ask.
// See docs/vm.md, "The TLB argument".
static struct {
  struct pmap *loaded;  // atomic: the user page table in this hart's satp, or 0
  uint64 asked;         // atomic: shootdown tickets handed out for this hart
  uint64 done;          // atomic: the last ticket this hart has fenced for
  uint64 pad[5];        // one cache line each
} harts[NCPU];

static uint64 shootdowns;  // atomic: shootdowns that had to ask another hart

void
pmap_kernel_activate(void)
{
  int on = intr_get();
  intr_off();  // the hart we record must be the hart we run on
  CSR_WRITE(satp, MAKE_SATP(V2P(kernel_root)));
  sfence_vma();
  __atomic_store_n(&harts[r_tp()].loaded, 0, __ATOMIC_SEQ_CST);  // after the fence
  if (on)
    intr_on();
}

int
pmap_init(struct pmap *pm)
{
  pm->ptpages = 0;
  pm->resident = 0;
  pm->swapped = 0;
  pm->root = table_alloc(pm);
  if (pm->root == 0)
    return -1;
  for (int i = KERNEL_FIRST; i < NPTE; i++)
    pm->root[i] = kernel_root[i];
  return 0;
}

void
pmap_activate(struct pmap *pm)
{
  int on = intr_get();
  intr_off();
  // Recorded before the first walk: a shootdown that does not see us here
  // changed its PTEs before we could read them.
  __atomic_store_n(&harts[r_tp()].loaded, pm, __ATOMIC_SEQ_CST);
  CSR_WRITE(satp, MAKE_SATP(V2P(pm->root)));
  sfence_vma();
  if (on)
    intr_on();
}

void
pmap_shootdown(struct pmap *pm)
{
  __atomic_thread_fence(__ATOMIC_SEQ_CST);  // the PTE stores before the look at harts
  int on = intr_get();
  intr_off();
  int self = r_tp();
  if (__atomic_load_n(&harts[self].loaded, __ATOMIC_SEQ_CST) == pm)
    sfence_vma();  // our own address space: flush here
  if (on)
    intr_on();
  for (int h = 0; h < NCPU; h++) {
    if (h == self || __atomic_load_n(&harts[h].loaded, __ATOMIC_SEQ_CST) != pm)
      continue;
    // Waiting with interrupts off could deadlock two harts asking each
    // other; waiting with a spinlock held could stop the hart we wait for.
    assert(intr_get() && spinlocks_held() == 0);
    uint64 ticket = __atomic_add_fetch(&harts[h].asked, 1, __ATOMIC_SEQ_CST);
    __atomic_fetch_add(&shootdowns, 1, __ATOMIC_RELAXED);
    trap_wake(h);
    while (__atomic_load_n(&harts[h].loaded, __ATOMIC_SEQ_CST) == pm &&
           __atomic_load_n(&harts[h].done, __ATOMIC_SEQ_CST) < ticket)
      ;  // the software interrupt is pending there until it is taken
  }
}

void
pmap_shootdown_intr(void)
{
  int self = r_tp();  // interrupts are off in a trap handler
  uint64 asked = __atomic_load_n(&harts[self].asked, __ATOMIC_SEQ_CST);
  if (asked != __atomic_load_n(&harts[self].done, __ATOMIC_RELAXED)) {
    sfence_vma();
    __atomic_store_n(&harts[self].done, asked, __ATOMIC_SEQ_CST);
  }
}

uint64
pmap_shootdowns(void)
{
  return __atomic_load_n(&shootdowns, __ATOMIC_RELAXED);
}

void
pmap_flush_page(uint64 va)
{
  sfence_vma_page(va);
}

int
pmap_enter(struct pmap *pm, uint64 va, uint64 pa, int prot)
{
  assert(va < MAXVA && va % PGSIZE == 0);
  pte_t *pte = walk(pm, va, 1);
  if (pte == 0)
    return -1;
  assert(!IS_SWAP(*pte));  // the caller consumes a swap entry first
  if (!(*pte & PTE_V))
    pm->resident++;
  *pte = PA_PTE(pa) | prot2pte(prot);
  return 0;
}

int
pmap_query(struct pmap *pm, uint64 va, uint64 *pa, int *prot)
{
  if (va >= MAXVA)
    return 0;
  pte_t *pte = walk(pm, va, 0);
  if (pte == 0 || !(*pte & PTE_V))
    return 0;
  *pa = PTE_PA(*pte);
  *prot = pte2prot(*pte);
  return 1;
}

int
pmap_own(struct pmap *pm, uint64 va)
{
  pte_t *l1e = l1_slot(pm, va, 0);
  if (l1e == 0 || !(*l1e & PTE_V))
    return 0;
  return leaf_own(pm, l1e) ? 0 : -1;
}

// ---- Slots: one walk per fault ----

int
pmap_slot(struct pmap *pm, uint64 va, struct pmap_slot *s)
{
  assert(va < MAXVA && va % PGSIZE == 0);
  pte_t *l1e = l1_slot(pm, va, 1);
  if (l1e == 0)
    return -1;
  if (!(*l1e & PTE_V)) {
    pte_t *t = table_alloc(pm);
    if (t == 0)
      return -1;
    *l1e = PA_PTE(V2P(t)) | PTE_V;
  }
  s->va = va;
  s->l1e = l1e;
  s->pte = &((pte_t *)P2V(PTE_PA(*l1e)))[PX(0, va)];
  return 0;
}

int
pmap_slot_get(struct pmap *pm, struct pmap_slot *s, uint64 *pa, int *prot)
{
  pte_t pte = *s->pte;
  if (!(pte & PTE_V))
    return 0;
  *pa = PTE_PA(pte);
  *prot = pte2prot(pte) | (pte & PTE_A ? 0 : PMAP_OLD);
  return 1;
}

int
pmap_slot_find(struct pmap *pm, uint64 va, struct pmap_slot *s)
{
  if (va >= MAXVA)
    return -1;
  assert(va % PGSIZE == 0);
  pte_t *l1e = l1_slot(pm, va, 0);
  if (l1e == 0 || !(*l1e & PTE_V))
    return -1;
  s->va = va;
  s->l1e = l1e;
  s->pte = &((pte_t *)P2V(PTE_PA(*l1e)))[PX(0, va)];
  return 0;
}

void
pmap_slot_clear(struct pmap *pm, struct pmap_slot *s)
{
  assert(frame_refcount(PTE_PA(*s->l1e)) == 1);  // owned: pmap_slot_own
  if (*s->pte & PTE_V)
    pm->resident--;
  else if (IS_SWAP(*s->pte))
    pm->swapped--;
  *s->pte = 0;
}

int
pmap_slot_swap(struct pmap *pm, struct pmap_slot *s, swapslot_t *slot)
{
  pte_t pte = *s->pte;
  if (!IS_SWAP(pte))
    return 0;
  *slot = PTE_SLOT(pte);
  return 1;
}

void
pmap_slot_set_swap(struct pmap *pm, struct pmap_slot *s, swapslot_t slot)
{
  assert(frame_refcount(PTE_PA(*s->l1e)) == 1);  // owned: pmap_slot_own
  assert(slot != 0 && !IS_SWAP(*s->pte));
  if (*s->pte & PTE_V)
    pm->resident--;
  pm->swapped++;
  *s->pte = SWAP_PTE(slot);
}

int
pmap_slot_shared(struct pmap *pm, struct pmap_slot *s)
{
  return frame_refcount(PTE_PA(*s->l1e)) > 1;
}

// The hardware sets A in a valid PTE (atomically, as QEMU does) at an
// access whose translation it had to walk for; clearing it must not lose
// such an update, hence the atomic and. A translation cached with A set is
// not re-walked until that hart flushes, so a page in use may look old for
// up to a time slice (every satp switch flushes): it then costs a fault to
// bring back, never a wrong byte. A is left alone in PTEs that are invalid.
int
pmap_slot_young(struct pmap *pm, struct pmap_slot *s)
{
  if (!(*s->pte & PTE_V))
    return 0;
  pte_t old = __atomic_fetch_and(s->pte, ~PTE_A, __ATOMIC_SEQ_CST);
  return (old & PTE_A) != 0;
}

int
pmap_slot_own(struct pmap *pm, struct pmap_slot *s)
{
  pte_t *t = leaf_own(pm, s->l1e);
  if (t == 0)
    return -1;
  s->pte = &t[PX(0, s->va)];
  return 0;
}

void
pmap_slot_set(struct pmap *pm, struct pmap_slot *s, uint64 pa, int prot)
{
  assert(frame_refcount(PTE_PA(*s->l1e)) == 1);  // owned: pmap_slot_own
  assert(!IS_SWAP(*s->pte));                     // consumed first (pmap_slot_clear)
  if (!(*s->pte & PTE_V))
    pm->resident++;
  *s->pte = PA_PTE(pa) | prot2pte(prot);
}

int
pmap_slot_next(struct pmap *pm, struct pmap_slot *s)
{
  if (PX(0, s->va) == NPTE - 1)
    return 0;
  s->va += PGSIZE;
  s->pte++;
  return 1;
}

static void
count_young_leaf(struct pmap *pm, pte_t *l1e, uint64 base, int i0, int i1, void *arg)
{
  pte_t *t = P2V(PTE_PA(*l1e));
  for (int i = i0; i < i1; i++)
    if ((t[i] & (PTE_V | PTE_A)) == (PTE_V | PTE_A))
      (*(uint64 *)arg)++;
}

// Call fn on every leaf table overlapping [start, end) that exists, with the
// index range of that table inside the span. Skips absent subtrees whole.
static void
for_each_leaf(struct pmap *pm, uint64 start, uint64 end,
              void (*fn)(struct pmap *, pte_t *l1e, uint64 va, int i0, int i1, void *), void *arg)
{
  uint64 va = start;
  while (va < end) {
    pte_t *l2e = &pm->root[PX(2, va)];
    if (!(*l2e & PTE_V)) {
      va = va / LEVEL_SPAN(2) * LEVEL_SPAN(2) + LEVEL_SPAN(2);
      continue;
    }
    pte_t *l1e = &((pte_t *)P2V(PTE_PA(*l2e)))[PX(1, va)];
    uint64 next = va / LEVEL_SPAN(1) * LEVEL_SPAN(1) + LEVEL_SPAN(1);
    if (*l1e & PTE_V) {
      int i0 = PX(0, va);
      int i1 = next <= end ? NPTE : (int)PX(0, end);
      fn(pm, l1e, va - i0 * PGSIZE, i0, i1, arg);
    }
    va = next;
  }
}

static void
remove_leaf(struct pmap *pm, pte_t *l1e, uint64 base, int i0, int i1, void *arg)
{
  void (*release)(uint64 pa) = arg;
  pte_t *t = P2V(PTE_PA(*l1e));
  if (i0 == 0 && i1 == NPTE) {  // the whole table's span goes
    pm->resident -= count_valid(t);
    pm->swapped -= count_swap(t);
    *l1e = 0;
    leaf_drop(pm, t, release);
    return;
  }
  assert(frame_refcount(V2P(t)) == 1);  // pmap_remove owned the edges
  for (int i = i0; i < i1; i++) {
    if (t[i] & PTE_V) {
      uint64 pa = PTE_PA(t[i]);
      t[i] = 0;
      pm->resident--;
      if (release)
        release(pa);
    } else if (IS_SWAP(t[i])) {
      swapslot_t slot = PTE_SLOT(t[i]);
      t[i] = 0;
      pm->swapped--;
      swap_unref(slot);
    }
  }
}

int
pmap_remove(struct pmap *pm, uint64 start, uint64 end, void (*release)(uint64 pa))
{
  // Only the first and last leaf tables can be partly covered; make them
  // private first so that nothing is changed if that runs out of memory.
  if ((start % LEVEL_SPAN(1) && pmap_own(pm, start) < 0) ||
      (end % LEVEL_SPAN(1) && pmap_own(pm, end - PGSIZE) < 0))
    return -1;
  for_each_leaf(pm, start, end, remove_leaf, release);
  sfence_vma();
  return 0;
}

void
pmap_destroy(struct pmap *pm, void (*release)(uint64 pa))
{
  pmap_remove(pm, 0, MAXVA, release);  // whole spans only: cannot fail
  for (int i = 0; i < KERNEL_FIRST; i++) {
    if (pm->root[i] & PTE_V) {
      pte_t *l1 = P2V(PTE_PA(pm->root[i]));
      for (int j = 0; j < NPTE; j++)
        assert(!(l1[j] & PTE_V));
      table_free(pm, l1);
    }
  }
  table_free(pm, pm->root);
  pm->root = 0;
  assert(pm->ptpages == 0 && pm->resident == 0 && pm->swapped == 0);
}

struct share_arg {
  struct pmap *dst;
  int cow;
  void (*share)(uint64 pa);
  int failed;
};

// Hand dst the whole leaf table: COW-protect it, count a reference. A table
// that is private now is protected and counted in one pass, and the counts
// are kept in its frame's aux word; an already shared one is immutable, so
// its kept counts still hold and sharing it again costs O(1).
static int
share_whole(struct share_arg *a, pte_t *l1e, uint64 base)
{
  pte_t *dl1e = l1_slot(a->dst, base, 1);
  if (dl1e == 0)
    return -1;
  assert(!(*dl1e & PTE_V));
  pte_t *t = P2V(PTE_PA(*l1e));
  if (frame_refcount(V2P(t)) == 1) {
    paddr_t zp = frame_zero_page();
    int valid = 0, data = 0, swapped = 0;
    for (int i = 0; i < NPTE; i++) {
      pte_t pte = t[i];
      swapped += IS_SWAP(pte);
      if (!(pte & PTE_V))
        continue;
      valid++;
      data += PTE_PA(pte) != zp;
      if (a->cow && (pte & PTE_W))
        t[i] = (pte & ~(PTE_W | PTE_D)) | PTE_COW;
    }
    frame_set_aux(V2P(t), MAKE_AUX(valid, data, swapped));
  }
  uint32 aux = frame_aux(V2P(t));
  frame_share(V2P(t));
  __atomic_fetch_add(&shared_table_pages, AUX_DATA(aux), __ATOMIC_RELAXED);
  *dl1e = *l1e;
  a->dst->ptpages++;
  a->dst->resident += AUX_VALID(aux);
  a->dst->swapped += AUX_SWAP(aux);  // the one slot reference per table covers dst too
  return 0;
}

static void
share_leaf(struct pmap *src, pte_t *l1e, uint64 base, int i0, int i1, void *arg)
{
  struct share_arg *a = arg;
  if (a->failed)
    return;
  if (i0 == 0 && i1 == NPTE) {
    a->failed = share_whole(a, l1e, base) < 0;
    return;
  }
  pte_t *t = P2V(PTE_PA(*l1e));
  pte_t *d = 0;
  for (int i = i0; i < i1; i++) {
    pte_t pte = t[i];
    if (!(pte & PTE_V) && !IS_SWAP(pte))
      continue;
    if (d == 0) {
      pte_t *slot = walk(a->dst, base + i * PGSIZE, 1);
      if (slot == 0) {
        a->failed = 1;
        return;
      }
      d = slot - i;
    }
    if (IS_SWAP(pte)) {  // dst's table is another table: another slot reference
      assert(!(d[i] & PTE_V) && !IS_SWAP(d[i]));
      d[i] = pte;
      a->dst->swapped++;
      swap_ref(PTE_SLOT(pte));
      continue;
    }
    if (a->cow && (pte & PTE_W)) {
      pte = (pte & ~(PTE_W | PTE_D)) | PTE_COW;
      t[i] = pte;  // a shared t has no writable PTE: this never changes one
    }
    if (!(d[i] & PTE_V))
      a->dst->resident++;
    d[i] = pte;
    a->share(PTE_PA(pte));
  }
}

int
pmap_share(struct pmap *dst, struct pmap *src, uint64 start, uint64 end, int cow,
           void (*share)(uint64 pa))
{
  struct share_arg a = {dst, cow, share, 0};
  for_each_leaf(src, start, end, share_leaf, &a);
  if (cow)
    sfence_vma();
  return a.failed ? -1 : 0;
}

static void
count_leaf(struct pmap *pm, pte_t *l1e, uint64 base, int i0, int i1, void *arg)
{
  pte_t *t = P2V(PTE_PA(*l1e));
  for (int i = i0; i < i1; i++)
    if (t[i] & PTE_V)
      (*(uint64 *)arg)++;
}

uint64
pmap_count(struct pmap *pm, uint64 start, uint64 end)
{
  uint64 n = 0;
  for_each_leaf(pm, start, end, count_leaf, &n);
  return n;
}

static void
count_swap_leaf(struct pmap *pm, pte_t *l1e, uint64 base, int i0, int i1, void *arg)
{
  pte_t *t = P2V(PTE_PA(*l1e));
  for (int i = i0; i < i1; i++)
    *(uint64 *)arg += IS_SWAP(t[i]);
}

uint64
pmap_count_swapped(struct pmap *pm, uint64 start, uint64 end)
{
  uint64 n = 0;
  for_each_leaf(pm, start, end, count_swap_leaf, &n);
  return n;
}

static void
own_leaf(struct pmap *pm, pte_t *l1e, uint64 base, int i0, int i1, void *arg)
{
  int *failed = arg;
  if (!*failed && leaf_own(pm, l1e) == 0)
    *failed = 1;
}

struct prot_arg {
  int prot;
  void (*fn)(uint64 va, void *arg);
  void *arg;
};

static void
protect_leaf(struct pmap *pm, pte_t *l1e, uint64 base, int i0, int i1, void *arg)
{
  struct prot_arg *a = arg;
  pte_t *t = P2V(PTE_PA(*l1e));
  int w = a->prot & PROT_WRITE;
  for (int i = i0; i < i1; i++) {
    pte_t pte = t[i];
    if (!(pte & PTE_V))
      continue;
    if ((pte & PTE_W) && !w && a->fn)
      a->fn(base + i * PGSIZE, a->arg);
    pte_t keep = w ? pte & (PTE_W | PTE_D | PTE_COW) : 0;
    pte &= ~(PTE_R | PTE_W | PTE_X | PTE_D | PTE_COW | PTE_U);
    pte |= keep;
    if (a->prot & (PROT_READ | PROT_EXEC))
      pte |= PTE_U;
    if ((a->prot & PROT_READ) || !(a->prot & PROT_EXEC))
      pte |= PTE_R;  // PROT_NONE: a valid leaf without U (see prot2pte)
    if (a->prot & PROT_EXEC)
      pte |= PTE_X;
    t[i] = pte;
  }
}

int
pmap_protect(struct pmap *pm, uint64 start, uint64 end, int prot,
             void (*lost)(uint64 va, void *arg), void *arg)
{
  int failed = 0;
  for_each_leaf(pm, start, end, own_leaf, &failed);  // copying a shared table changes nothing
  if (failed)
    return -1;
  struct prot_arg a = {prot, lost, arg};
  for_each_leaf(pm, start, end, protect_leaf, &a);
  sfence_vma();
  return 0;
}

static void
writable_leaf(struct pmap *pm, pte_t *l1e, uint64 base, int i0, int i1, void *arg)
{
  struct prot_arg *a = arg;
  pte_t *t = P2V(PTE_PA(*l1e));
  for (int i = i0; i < i1; i++)
    if ((t[i] & PTE_V) && (t[i] & PTE_W))
      a->fn(base + i * PGSIZE, a->arg);
}

void
pmap_writable(struct pmap *pm, uint64 start, uint64 end, void (*fn)(uint64 va, void *arg),
              void *arg)
{
  struct prot_arg a = {0, fn, arg};
  for_each_leaf(pm, start, end, writable_leaf, &a);
}

uint64
pmap_count_young(struct pmap *pm, uint64 start, uint64 end)
{
  uint64 n = 0;
  for_each_leaf(pm, start, end, count_young_leaf, &n);
  return n;
}

uint64
pmap_user_ptpages(void)
{
  return __atomic_load_n(&user_ptpages, __ATOMIC_RELAXED);
}

uint64
pmap_shared_pages(void)
{
  return __atomic_load_n(&shared_table_pages, __ATOMIC_RELAXED);
}
