// Swap slots: page-sized places on the swap disk where anonymous pages go
// when memory runs short. A slot has a reference count like a frame: one
// per leaf table whose PTE holds the slot as a swap entry (a leaf table
// shared since fork counts once, as for frames). The count reaching zero
// frees the slot. Counts are exact and visible (vmstat swap_used), so tests
// audit slots the way they audit frames.
//
// This file holds the slot table; the device side (swap_init sizing the
// table from the second virtio disk, swap_read/swap_write) is the swap
// device's business.
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "vmstat.h"
#include "sync/spinlock.h"
#include "vm/vm.h"
#include "lib/klib.h"

// A slot is referenced at most once per leaf table covering its address,
// and at most one table per process covers an address: NPROC bounds a count.
_Static_assert(NPROC < 255, "slot counts are bytes");

// Lock key: s = sw.lock.
static struct {
  struct spinlock lock;
  uint8 refs[SWAP_MAXSLOTS];  // s: references of slot i+1
  uint32 nslots;              // slots the device has (fixed after swap_init)
  uint32 used;                // s: slots with a reference
  uint32 hint;                // s: where the next search starts
  int on;                     // s: 0: no new slots (vmctl swap off)
} sw;

// The slot table for n slots (n capped at SWAP_MAXSLOTS). Boot, once.
void
swap_table_init(uint32 n)
{
  initlock(&sw.lock, "swap");
  sw.nslots = MIN(n, (uint32)SWAP_MAXSLOTS);
  sw.on = sw.nslots > 0;
}

uint32
swap_nslots(void)
{
  return sw.nslots;
}

swapslot_t
swap_alloc(void)
{
  swapslot_t s = 0;
  acquire(&sw.lock);
  if (sw.on && sw.used < sw.nslots) {
    for (uint32 k = 0; k < sw.nslots; k++) {
      uint32 i = (sw.hint + k) % sw.nslots;
      if (sw.refs[i] == 0) {
        sw.refs[i] = 1;
        sw.used++;
        sw.hint = i + 1;
        s = i + 1;
        break;
      }
    }
  }
  release(&sw.lock);
  return s;
}

static uint8 *
refs_of(swapslot_t s)
{
  assert(s >= 1 && s <= sw.nslots);
  return &sw.refs[s - 1];
}

void
swap_ref(swapslot_t s)
{
  acquire(&sw.lock);
  uint8 *r = refs_of(s);
  assert(*r > 0 && *r < 255);
  (*r)++;
  release(&sw.lock);
}

void
swap_unref(swapslot_t s)
{
  acquire(&sw.lock);
  uint8 *r = refs_of(s);
  assert(*r > 0);
  if (--*r == 0) {
    sw.used--;
    if (s - 1 < sw.hint)
      sw.hint = s - 1;  // keep slots packed low: page-outs stay near each other
  }
  release(&sw.lock);
}

int
swap_refcount(swapslot_t s)
{
  acquire(&sw.lock);
  int n = *refs_of(s);
  release(&sw.lock);
  return n;
}

// vmctl(VMCTL_SWAP): off stops new page-outs (pages already out stay and
// come back in on their faults). Returns the old value.
int
swap_set(int on)
{
  acquire(&sw.lock);
  int old = sw.on;
  sw.on = on && sw.nslots > 0;
  release(&sw.lock);
  return old;
}

uint32
swap_used(void)
{
  return __atomic_load_n(&sw.used, __ATOMIC_RELAXED);
}
