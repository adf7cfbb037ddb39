// Sleep locks: long-held locks (inodes, buffers, address spaces); a waiter sleeps.
#ifndef SLEEPLOCK_H
#define SLEEPLOCK_H

#include "sync/spinlock.h"

struct sleeplock {
  uint locked;         // is the lock held?
  struct spinlock lk;  // protects this sleep lock
  const char *name;
  int pid;      // process holding lock
  int waiters;  // processes sleeping for it
};

void initsleeplock(struct sleeplock *lk, const char *name);
void acquiresleep(struct sleeplock *lk);     // may sleep
int acquiresleep_try(struct sleeplock *lk);  // 1 if taken now, 0 if held (never sleeps)
void releasesleep(struct sleeplock *lk);
#ifdef HOST_TEST
int holdingsleep(struct sleeplock *lk);  // the host tests' fake
#else
#include "proc/proc.h"

// Held by the current process? Inline and lock-free (the "_locked"
// assertions call it several times per fault). Only the holder writes
// pid while the lock is held, and it clears pid before it releases, so
// a caller reads its own pid here only while it holds the lock: its own
// earlier writes, which plain (relaxed) loads always see.
static inline int
holdingsleep(struct sleeplock *lk)
{
  struct proc *p = myproc();
  int pid = p ? p->pid : -1;
  return __atomic_load_n(&lk->locked, __ATOMIC_RELAXED) &&
         __atomic_load_n(&lk->pid, __ATOMIC_RELAXED) == pid;
}
#endif

#endif
