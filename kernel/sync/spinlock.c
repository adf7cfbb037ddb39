// Spinlocks with per-hart nesting of interrupt disabling. Not for long
// waits: anything that may sleep uses a sleep lock instead.
#include "types.h"
#include "param.h"
#include "arch/riscv/riscv.h"
#include "sync/spinlock.h"
#include "proc/proc.h"
#include "lib/klib.h"

void
initlock(struct spinlock *lk, const char *name)
{
  lk->name = name;
  lk->locked = 0;
  lk->cpu = 0;
}

// Spin until the lock is ours. Interrupts stay off until release, so an
// interrupt handler on this hart can never wait for a lock we hold.
void
acquire(struct spinlock *lk)
{
  push_off();
  if (holding(lk)) {
    printf("lock %s\n", lk->name);
    panic("acquire: already held");
  }
  while (__sync_lock_test_and_set(&lk->locked, 1) != 0)
    ;
  __sync_synchronize();
  lk->cpu = mycpu();
  mycpu()->nlocks++;
}

void
release(struct spinlock *lk)
{
  if (!holding(lk))
    panic("release: not held");
  mycpu()->nlocks--;
  lk->cpu = 0;
  __sync_synchronize();
  __sync_lock_release(&lk->locked);
  pop_off();
}

// Interrupts must be off.
int
holding(struct spinlock *lk)
{
  return lk->locked && lk->cpu == mycpu();
}

int
spinlocks_held(void)
{
  push_off();
  int n = mycpu()->nlocks;
  pop_off();
  return n;
}

void
push_off(void)
{
  int old = intr_get();
  if (old)
    intr_off();  // CSR writes are slow under emulation: skip needless ones
  struct cpu *c = mycpu();
  if (c->noff == 0)
    c->intena = old;
  c->noff++;
}

void
pop_off(void)
{
  struct cpu *c = mycpu();
  if (intr_get())
    panic("pop_off: interrupts on");
  if (c->noff < 1)
    panic("pop_off: unbalanced");
  c->noff--;
  if (c->noff == 0 && c->intena)
    intr_on();
}
