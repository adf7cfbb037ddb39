// malloc/free: a first-fit allocator over memory obtained with sbrk().
// Free blocks sit on a list sorted by address so free() can merge a block
// with both neighbours. The heap grows at least 64 KiB at a time and
// never shrinks; there is no locking (programs are single-threaded).
#include "user.h"

// Every block starts with this header; sizes count 16-byte units, header
// included, so payloads stay 16-byte aligned.
struct blk {
  struct blk *next;  // next free block by address (free blocks only)
  uint64 units;      // block size in units
};

#define UNIT sizeof(struct blk)
#define GROW_MIN_UNITS ((64 * 1024) / UNIT)

static struct blk *freelist;  // lowest-addressed free block, or 0

// Insert b into the address-ordered free list, merging with neighbours.
static void
freelist_insert(struct blk *b)
{
  struct blk *prev = 0, *cur = freelist;

  while (cur != 0 && cur < b) {
    prev = cur;
    cur = cur->next;
  }
  // Merge with the following block when adjacent.
  if (cur != 0 && b + b->units == cur) {
    b->units += cur->units;
    b->next = cur->next;
  } else {
    b->next = cur;
  }
  // Merge with the preceding block when adjacent.
  if (prev != 0 && prev + prev->units == b) {
    prev->units += b->units;
    prev->next = b->next;
  } else if (prev != 0) {
    prev->next = b;
  } else {
    freelist = b;
  }
}

// Ask the kernel for at least units more; returns 0 if sbrk fails.
static int
heap_grow(uint64 units)
{
  char *p;
  struct blk *b;

  if (units < GROW_MIN_UNITS)
    units = GROW_MIN_UNITS;
  if (units * UNIT > 0x7fffffffUL)
    return 0;
  // One spare unit lets us align a break that the kernel left unaligned.
  p = sbrk((int)((units + 1) * UNIT));
  if (p == (char *)-1)
    return 0;
  b = (struct blk *)(((uint64)p + UNIT - 1) & ~(uint64)(UNIT - 1));
  b->units = units;
  freelist_insert(b);
  return 1;
}

// Allocate n bytes, 16-byte aligned; returns 0 when memory runs out.
void *
malloc(uint n)
{
  struct blk *prev, *cur, *rest;
  uint64 units;

  units = ((uint64)n + UNIT - 1) / UNIT + 1;
  for (;;) {
    prev = 0;
    for (cur = freelist; cur != 0; prev = cur, cur = cur->next) {
      if (cur->units < units)
        continue;
      if (cur->units == units) {
        rest = cur->next;
      } else {
        // Split: the front is handed out, the tail stays free.
        rest = cur + units;
        rest->units = cur->units - units;
        rest->next = cur->next;
        cur->units = units;
      }
      if (prev != 0)
        prev->next = rest;
      else
        freelist = rest;
      return (void *)(cur + 1);
    }
    if (!heap_grow(units))
      return 0;
  }
}

// Return a block from malloc to the free list; free(0) does nothing.
void
free(void *p)
{
  if (p == 0)
    return;
  freelist_insert((struct blk *)p - 1);
}
