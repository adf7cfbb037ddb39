// The real pmap.c seen from the host tests: a registry of live page tables
// (pmap.c is compiled with pmap_init/pmap_destroy renamed to real_*, and
// the wrappers here keep the list), raw Sv39 walks, and the host variables
// behind the fake riscv.h.
#include "types.h"
#include "memlayout.h"
#include "arch/riscv/riscv.h"
#include "arch/riscv/kmem.h"
#include "vm/vm.h"
#include "lib/klib.h"
#include "rpmap.h"

uint64 host_csr_satp, host_csr_sstatus;
uint64 host_sfence_all, host_sfence_page;  // host_time: common/fakedisk.c
uint64 host_tp;
int rp_wake_mode;  // what a woken "hart" does (rpmap.h)
uint64 rp_wakes;

// Another hart taking the software interrupt trap_wake raises: it runs the
// handler (RP_WAKE_ACK) or switches to the kernel page table (RP_WAKE_LEAVE),
// either of which ends pmap_shootdown's wait.
void
trap_wake(int hart)
{
  rp_wakes++;
  uint64 me = host_tp;
  host_tp = hart;
  if (rp_wake_mode == RP_WAKE_LEAVE)
    pmap_kernel_activate();
  else
    pmap_shootdown_intr();
  host_tp = me;
}

int real_pmap_init(struct pmap *pm);
void real_pmap_destroy(struct pmap *pm, void (*release)(uint64 pa));

#define MAXLIVE 64
static struct pmap *live[MAXLIVE];
static int nlive;

int
pmap_init(struct pmap *pm)
{
  int r = real_pmap_init(pm);
  if (r == 0) {
    assert(nlive < MAXLIVE);
    live[nlive++] = pm;
  }
  return r;
}

// Leaves the list first: a destroy that panics must not leave a half-freed
// table for the next audit to walk.
void
pmap_destroy(struct pmap *pm, void (*release)(uint64 pa))
{
  for (int i = 0; i < nlive; i++) {
    if (live[i] == pm) {
      memmove(&live[i], &live[i + 1], (nlive - i - 1) * sizeof(live[0]));
      nlive--;
      break;
    }
  }
  real_pmap_destroy(pm, release);
}

int
rp_nlive(void)
{
  return nlive;
}

struct pmap *
rp_live(int i)
{
  return live[i];
}

static uint64 *
table(uint64 pte)
{
  return P2V(RP_PA(pte));
}

uint64
rp_leaf_pa(struct pmap *pm, uint64 va)
{
  uint64 l2e = pm->root[(va >> 30) & 0x1FF];
  if (!(l2e & RP_V))
    return 0;
  uint64 l1e = table(l2e)[(va >> 21) & 0x1FF];
  return (l1e & RP_V) ? RP_PA(l1e) : 0;
}

uint64
rp_pte(struct pmap *pm, uint64 va)
{
  uint64 t = rp_leaf_pa(pm, va);
  return t ? ((uint64 *)P2V(t))[(va >> 12) & 0x1FF] : 0;
}

uint64
rp_kernel_root(void)
{
  uint64 satp = host_csr_satp;
  pmap_kernel_activate();
  uint64 pa = (host_csr_satp & ((1UL << 44) - 1)) << 12;
  host_csr_satp = satp;
  return pa;
}

void
rp_visit(struct pmap *pm, rp_visit_fn fn, void *arg)
{
  for (int i = 0; i < 256; i++) {
    if (!(pm->root[i] & RP_V))
      continue;
    uint64 *l1 = table(pm->root[i]);
    for (int j = 0; j < RP_NPTE; j++) {
      if (!(l1[j] & RP_V))
        continue;
      uint64 *l0 = table(l1[j]);
      for (int k = 0; k < RP_NPTE; k++)
        if (l0[k] & RP_V)
          fn(((uint64)i << 30) | ((uint64)j << 21) | ((uint64)k << 12), l0[k], RP_PA(l1[j]), arg);
    }
  }
}

void
rp_visit_leaves(struct pmap *pm, void (*fn)(uint64 base, uint64 table_pa, void *arg), void *arg)
{
  for (int i = 0; i < 256; i++) {
    if (!(pm->root[i] & RP_V))
      continue;
    uint64 *l1 = table(pm->root[i]);
    for (int j = 0; j < RP_NPTE; j++)
      if (l1[j] & RP_V)
        fn(((uint64)i << 30) | ((uint64)j << 21), RP_PA(l1[j]), arg);
  }
}
