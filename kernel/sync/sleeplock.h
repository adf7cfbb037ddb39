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
int holdingsleep(struct sleeplock *lk);  // held by the current process?

#endif
