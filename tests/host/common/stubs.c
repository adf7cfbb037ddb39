// Host stand-ins for the kernel services aspace.c, fault.c and frame.c use:
// spin and sleep locks (single-threaded, but misuse that would hang or
// break a rule on real hardware panics here), panic and assert.
#include <stdarg.h>
#include "types.h"
#include "sync/spinlock.h"
#include "sync/sleeplock.h"
#include "lib/klib.h"
#include "harness.h"

static int spin_held;  // spinlocks held now

void
initlock(struct spinlock *lk, const char *name)
{
  lk->locked = 0;
  lk->name = name;
  lk->cpu = 0;
}

void
acquire(struct spinlock *lk)
{
  if (lk->locked)
    panic("acquire: lock already held (would spin forever)");
  lk->locked = 1;
  spin_held++;
}

void
release(struct spinlock *lk)
{
  if (!lk->locked)
    panic("release: lock not held");
  lk->locked = 0;
  spin_held--;
}

int
holding(struct spinlock *lk)
{
  return lk->locked;
}

void
push_off(void)
{
}

void
pop_off(void)
{
}

int
spinlocks_held(void)
{
  return spin_held;
}

void
initsleeplock(struct sleeplock *lk, const char *name)
{
  initlock(&lk->lk, "sleep lock");
  lk->locked = 0;
  lk->name = name;
  lk->pid = 0;
}

void
acquiresleep(struct sleeplock *lk)
{
  if (spin_held)
    panic("acquiresleep: a spinlock is held (may sleep)");
  if (lk->locked)
    panic("acquiresleep: already held (would sleep forever)");
  lk->locked = 1;
  lk->pid = 1;
}

void
releasesleep(struct sleeplock *lk)
{
  if (!lk->locked)
    panic("releasesleep: not held");
  lk->locked = 0;
  lk->pid = 0;
}

int
holdingsleep(struct sleeplock *lk)
{
  return lk->locked;
}

// After a panic unwound a test, forget the spinlocks it held.
void
stubs_reset(void)
{
  spin_held = 0;
}

void
panic(const char *msg)
{
  char buf[256];
  snprintf(buf, sizeof(buf), "panic: %s", msg);
  t_panic(buf);
}

void
panic_assert(const char *file, int line, const char *cond)
{
  char buf[512];
  snprintf(buf, sizeof(buf), "kernel assert failed at %s:%d: %s", file, line, cond);
  t_panic(buf);
}

char *
safestrcpy(char *dst, const char *src, int n)
{
  if (n <= 0)
    return dst;
  strncpy(dst, src, n - 1);
  dst[n - 1] = 0;
  return dst;
}

// frame.c asks the scheduler to wake an idle hart: there is none here.
int
sched_wake_idle(void)
{
  return 0;
}

// uaccess.c is not linked (no user copies here): tests raise as->uaccess
// themselves to play a copy in flight.
int
aspace_uaccess_busy(struct aspace *as)
{
  return __atomic_load_n(&as->uaccess, __ATOMIC_SEQ_CST) != 0;
}
