// A seeded random mix of faults, sbrk, map/unmap, clone and exit over a few
// address spaces, with memory now and then nearly exhausted. A shadow copy
// of every tracked page's contents catches COW mistakes; every step is
// followed by the full invariant and frame audit.
#include "types.h"
#include "vm/vm.h"
#include "lib/klib.h"
#include "harness.h"

#define MMAP_LO P(0x100)
#define NSLOT 44

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

static void
step(int t)
{
  int k = rnd(NMODEL);
  struct model *m = &models[k];
  if (m->as == 0) {
    int src = rnd(NMODEL);
    if (models[src].as && rnd(4))
      model_fork(k, src, rnd(2));
    else if (models_all_exited())
      model_restart(k);
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
      model_forget(m, slot_va, PGROUNDUP(as->brk), HEAP_START + P(16));
  } else if (op < 13) {  // map in the mmap zone
    uint64 s = MMAP_LO + P(rnd(16)), e = s + P(1 + rnd(4));
    aspace_map(as, s, e, rnd(2) ? RW : PROT_READ, RK_MMAP);
  } else if (op < 15) {  // unmap in the mmap zone
    uint64 s = MMAP_LO + P(rnd(16)), e = s + P(1 + rnd(6));
    if (aspace_unmap(as, s, e) == 0)
      model_forget(m, slot_va, s, e);
  } else if (t % 3 == 0) {  // exit
    aspace_put(as);
    m->as = 0;
  }
}

void
test_random_ops(void)
{
  rnd_seed(0x2545F4914F6CDD1DUL);
  models_start(NSLOT);
  uint64 lost0 = unaccounted();
  for (int t = 0; t < 4000; t++) {
    vm_faultaround = t / 500 % 2;  // stretches with fault-around on and off
    int squeeze = rnd(8) == 0;
    if (squeeze) {
      uint64 leave = rnd(6);
      pool_drain(leave < frames_free() ? leave : frames_free());
    }
    step(t);
    models_audit(t, lost0);
    if (squeeze)
      pool_release();
  }
  models_exit_all();
  vm_faultaround = 0;
}
