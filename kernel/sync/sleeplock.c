// Sleep locks: the waiter gives up the hart. Used where the holder may
// itself sleep (disk I/O, page faults).
#include "types.h"
#include "sync/sleeplock.h"
#include "proc/proc.h"

void
initsleeplock(struct sleeplock *lk, const char *name)
{
  initlock(&lk->lk, "sleep lock");
  lk->name = name;
  lk->locked = 0;
  lk->pid = 0;
  lk->waiters = 0;
}

// Uncontended: one compare-and-swap. Contended: register as a waiter
// under lk->lk, then retry the swap before every sleep. The release side
// stores locked = 0 before reading waiters, and a waiter counts itself
// before its swap, so one of them always sees the other: no lost wakeup.
void
acquiresleep(struct sleeplock *lk)
{
  struct proc *p = myproc();
  int pid = p ? p->pid : -1;
  if (!__sync_bool_compare_and_swap(&lk->locked, 0, 1)) {
    acquire(&lk->lk);
    __atomic_fetch_add(&lk->waiters, 1, __ATOMIC_SEQ_CST);
    while (!__sync_bool_compare_and_swap(&lk->locked, 0, 1))
      sleep(lk, &lk->lk);
    __atomic_fetch_sub(&lk->waiters, 1, __ATOMIC_SEQ_CST);
    release(&lk->lk);
  }
  lk->pid = pid;
}

// For a walker that must not wait (the reclaimer visiting other address
// spaces): one compare-and-swap, no waiting.
int
acquiresleep_try(struct sleeplock *lk)
{
  if (!__sync_bool_compare_and_swap(&lk->locked, 0, 1))
    return 0;
  struct proc *p = myproc();
  lk->pid = p ? p->pid : -1;
  return 1;
}

void
releasesleep(struct sleeplock *lk)
{
  lk->pid = 0;
  __atomic_store_n(&lk->locked, 0, __ATOMIC_RELEASE);
  __atomic_thread_fence(__ATOMIC_SEQ_CST);  // the store before the look at waiters: one full fence
  if (__atomic_load_n(&lk->waiters, __ATOMIC_RELAXED)) {
    acquire(&lk->lk);
    wakeup(lk);
    release(&lk->lk);
  }
}
