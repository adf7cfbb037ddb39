// A seeded random mix of faults, sbrk, map/unmap, clone and exit over a few
// address spaces, with memory now and then nearly exhausted. A shadow copy
// of every tracked page's contents catches COW mistakes; every step is
// followed by the full invariant and frame audit.
#include "types.h"
#include "vm/vm.h"
#include "lib/klib.h"
#include "harness.h"

#define P(n) ((uint64)(n) * PGSIZE)
#define RW (PROT_READ | PROT_WRITE)
#define NAS 4
#define MMAP_LO P(0x100)
#define NSLOT 44

static uint64 rng = 0x2545F4914F6CDD1DUL;

static uint64
rnd(uint64 n)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng % n;
}

// The pages whose contents are tracked.
static uint64
slot_va(int i)
{
  if (i < 2)
    return TEXT_START + P(i);
  if (i < 4)
    return DATA_START + P(i - 2);
  if (i < 20)
    return HEAP_START + P(i - 4);
  if (i < 36)
    return MMAP_LO + P(i - 20);
  if (i < 43)
    return STACK_END - P(i - 35);
  return STACK_START;
}

struct proc_model {
  struct aspace *as;
  uint8 page[NSLOT];  // expected byte in every tracked page (0: never written)
};

static struct proc_model pm[NAS];

static void
forget_above(struct proc_model *m, uint64 lo, uint64 hi)
{
  for (int i = 0; i < NSLOT; i++)
    if (slot_va(i) >= lo && slot_va(i) < hi)
      m->page[i] = 0;
}

static void
step(int t)
{
  int k = rnd(NAS);
  struct proc_model *m = &pm[k];
  if (m->as == 0) {
    int src = rnd(NAS);
    if (pm[src].as && rnd(4)) {
      m->as = aspace_clone(pm[src].as, rnd(2));
      if (m->as)
        memcpy(m->page, pm[src].page, NSLOT);
    } else if (!pm[0].as && !pm[1].as && !pm[2].as && !pm[3].as) {
      m->as = as_process();  // everyone exited: start over
      memset(m->page, 0, NSLOT);
    }
    return;
  }
  struct aspace *as = m->as;
  int op = rnd(16);
  if (op < 8) {  // a user access
    int i = rnd(NSLOT);
    uint64 va = slot_va(i) + rnd(PGSIZE);
    int access = 1 << rnd(3);
    int r = vm_fault(as, va, access, 0, 0);
    if (r != FAULT_OK)
      return;
    uint8 *p = page_at(as, va);
    CHECKF(page_is(p, m->page[i]), "step %d: page %#lx lost its contents", t, slot_va(i));
    if (access == ACC_WRITE) {
      m->page[i] = 1 + rnd(255);
      memset(p, m->page[i], PGSIZE);
    }
  } else if (op < 11) {  // sbrk
    int64 n = (int64)rnd(P(6)) - (int64)P(3);
    vaddr_t old;
    if (aspace_sbrk(as, n, rnd(2), &old) == 0 && n < 0)
      forget_above(m, PGROUNDUP(as->brk), HEAP_START + P(16));
  } else if (op < 13) {  // map in the mmap zone
    uint64 s = MMAP_LO + P(rnd(16)), e = s + P(1 + rnd(4));
    aspace_map(as, s, e, rnd(2) ? RW : PROT_READ, RK_MMAP);
  } else if (op < 15) {  // unmap in the mmap zone
    uint64 s = MMAP_LO + P(rnd(16)), e = s + P(1 + rnd(6));
    if (aspace_unmap(as, s, e) == 0)
      forget_above(m, s, e);
  } else if (t % 3 == 0) {  // exit
    aspace_put(as);
    m->as = 0;
  }
}

void
test_random_ops(void)
{
  memset(pm, 0, sizeof(pm));
  pm[0].as = as_process();
  uint64 lost0 = unaccounted();
  for (int t = 0; t < 4000; t++) {
    int squeeze = rnd(8) == 0;
    if (squeeze) {
      uint64 leave = rnd(6);
      pool_drain(leave < frames_free() ? leave : frames_free());
    }
    step(t);
    for (int k = 0; k < NAS; k++)
      if (pm[k].as)
        check_as(pm[k].as);
    CHECKF(unaccounted() == lost0, "step %d: %ld frames lost", t, (long)(unaccounted() - lost0));
    if (squeeze)
      pool_release();
  }
  for (int k = 0; k < NAS; k++)
    if (pm[k].as)
      aspace_put(pm[k].as);
}
