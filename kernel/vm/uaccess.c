// copyin/copyout/copyinstr: move bytes between the kernel and the current
// process's memory through the direct map, resolving absent or COW pages
// with vm_fault(). The only way the kernel touches user memory.
#include "types.h"
#include "memlayout.h"
#include "arch/riscv/kmem.h"
#include "sync/spinlock.h"
#include "proc/proc.h"
#include "vm/vm.h"
#include "lib/klib.h"

// Physical address for an access to the page at va (page-aligned), or 0.
static paddr_t
user_page(struct aspace *as, vaddr_t va, int access)
{
  if (va >= MAXVA)
    return 0;
  paddr_t pa;
  int prot;
  if (pmap_query(&as->pmap, va, &pa, &prot) && (prot & access) &&
      !(access == ACC_WRITE && (prot & PMAP_COW)))
    return pa;
  struct proc *p = myproc();
  enum fault_result r = vm_fault(as, va, access, p ? p->faults : 0, 0);
  if (r == FAULT_OOM && p && p->as == as && !killed(p)) {  // else the OOM killer said why
    vm_count_kill(KR_OOM);
    proc_kill_report(p, "out of memory in a system call");
  }
  if (r != FAULT_OK || !pmap_query(&as->pmap, va, &pa, &prot))
    return 0;
  return pa;
}

// A copy reads the PTE without as->lock and then uses the frame through
// the direct map. A page-out (swapfault.c) holding as->lock changes the
// PTE, fences, then looks here: a copy that found the old PTE has raised
// the count before its look, so the page-out sees it and backs off; one
// that raises it later finds the swap entry and faults (and waits).
static void
uaccess_begin(struct aspace *as)
{
  __atomic_add_fetch(&as->uaccess, 1, __ATOMIC_SEQ_CST);
}

static void
uaccess_end(struct aspace *as)
{
  __atomic_sub_fetch(&as->uaccess, 1, __ATOMIC_SEQ_CST);
}

int
aspace_uaccess_busy(struct aspace *as)
{
  return __atomic_load_n(&as->uaccess, __ATOMIC_SEQ_CST) != 0;
}

// Move n bytes between kbuf and user address uva of as, page by page:
// access ACC_WRITE copies to the user, ACC_READ from the user.
static int
ucopy(struct aspace *as, uint64 uva, char *kbuf, uint64 n, int access)
{
  assert(spinlocks_held() == 0);
  while (n > 0) {
    vaddr_t va0 = PGROUNDDOWN(uva);
    uaccess_begin(as);
    paddr_t pa = user_page(as, va0, access);
    if (pa == 0) {
      uaccess_end(as);
      return -1;
    }
    uint64 m = MIN(PGSIZE - (uva - va0), n);
    char *u = (char *)P2V(pa) + (uva - va0);
    if (access == ACC_WRITE)
      memmove(u, kbuf, m);
    else
      memmove(kbuf, u, m);
    uaccess_end(as);
    n -= m;
    kbuf += m;
    uva = va0 + PGSIZE;
  }
  return 0;
}

// Copy n bytes to dstva in address space as (exec builds a new one with it).
int
copyout_as(struct aspace *as, uint64 dstva, const void *src, uint64 n)
{
  return ucopy(as, dstva, (char *)src, n, ACC_WRITE);
}

int
copyout(uint64 dstva, const void *src, uint64 n)
{
  return ucopy(myproc()->as, dstva, (char *)src, n, ACC_WRITE);
}

int
copyin(void *dst, uint64 srcva, uint64 n)
{
  return ucopy(myproc()->as, srcva, dst, n, ACC_READ);
}

int
copyinstr(char *dst, uint64 srcva, uint64 max)
{
  assert(spinlocks_held() == 0);
  struct aspace *as = myproc()->as;
  while (max > 0) {
    vaddr_t va0 = PGROUNDDOWN(srcva);
    uaccess_begin(as);
    paddr_t pa = user_page(as, va0, ACC_READ);
    if (pa == 0) {
      uaccess_end(as);
      return -1;
    }
    uint64 m = MIN(PGSIZE - (srcva - va0), max);
    const char *s = (const char *)P2V(pa) + (srcva - va0);
    for (uint64 i = 0; i < m; i++) {
      *dst = s[i];
      if (s[i] == 0) {
        uaccess_end(as);
        return 0;
      }
      dst++;
    }
    uaccess_end(as);
    max -= m;
    srcva = va0 + PGSIZE;
  }
  return -1;
}

// Do the regions allow access to every byte of [va, va+n)? Nothing is
// faulted in; used to refuse a write() before any byte reaches a file.
int
uaccess_ok(uint64 va, uint64 n, int access)
{
  if (n == 0)
    return 1;
  if (va >= MAXVA || n > MAXVA - va)
    return 0;
  struct aspace *as = myproc()->as;
  acquiresleep(&as->lock);
  uint64 end = va + n;
  int ok = 1;
  while (va < end) {
    struct region *r = aspace_find_locked(as, va);
    if (r == 0 || !(r->prot & access)) {
      ok = 0;
      break;
    }
    va = r->end;
  }
  releasesleep(&as->lock);
  return ok;
}

int
either_copyout(int user, uint64 dst, const void *src, uint64 n)
{
  if (user)
    return copyout(dst, src, n);
  memmove((void *)dst, src, n);
  return 0;
}

int
either_copyin(void *dst, int user, uint64 src, uint64 n)
{
  if (user)
    return copyin(dst, src, n);
  memmove(dst, (void *)src, n);
  return 0;
}
