// Spinlocks: short critical sections, interrupts off while held.
#ifndef SPINLOCK_H
#define SPINLOCK_H

#include "types.h"

struct cpu;

struct spinlock {
  uint locked;       // is the lock held?
  const char *name;  // for debugging
  struct cpu *cpu;   // the hart holding the lock
};

void initlock(struct spinlock *lk, const char *name);
void acquire(struct spinlock *lk);  // spins; disables interrupts
void release(struct spinlock *lk);
int holding(struct spinlock *lk);  // held by this hart?
void push_off(void);               // nestable interrupt disable
void pop_off(void);
int spinlocks_held(void);  // number of spinlocks this hart holds

#endif
