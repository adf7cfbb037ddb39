// Buffer cache: one in-memory copy of each cached disk block, handed out
// locked to one user at a time, recycled least-recently-used first.
// It does not decide when blocks reach the disk; the log does (bwrite).
#include "types.h"
#include "param.h"
#include "sync/spinlock.h"
#include "sync/sleeplock.h"
#include "lib/klib.h"
#include "proc/proc.h"
#include "dev/dev.h"
#include "fs/fsimpl.h"

// The log may pin up to LOGSIZE blocks until commit; keep NBUF buffers
// free for everyone else on top of those so a full log cannot starve the
// operations that are about to fill it.
#define NCACHE (NBUF + LOGSIZE)

// Lock key: c = cache.lock held.  Buffer contents: b->lock held.
static struct {
  struct spinlock lock;
  struct buf bufs[NCACHE];
  struct buf lru;  // c: sentinel; lru.next is most recently used
  int waiting;     // c: processes sleeping for a free buffer
} cache;

static void
lru_unlink(struct buf *b)
{
  b->prev->next = b->next;
  b->next->prev = b->prev;
}

static void
lru_push_front(struct buf *b)
{
  b->next = cache.lru.next;
  b->prev = &cache.lru;
  cache.lru.next->prev = b;
  cache.lru.next = b;
}

// Set up the empty cache. Called once at boot before any disk I/O.
void
binit(void)
{
  initlock(&cache.lock, "bcache");
  cache.lru.next = &cache.lru;
  cache.lru.prev = &cache.lru;
  for (struct buf *b = cache.bufs; b < cache.bufs + NCACHE; b++) {
    initsleeplock(&b->lock, "buffer");
    b->refcnt = 0;
    b->valid = 0;
    lru_push_front(b);
  }
}

// Find the buffer for (dev, blockno) or recycle the least recently used
// idle one. Returns it locked. Sleeps while every buffer is in use.
static struct buf *
buf_get(uint dev, uint blockno)
{
  struct buf *b;

  acquire(&cache.lock);
  for (;;) {
    for (b = cache.lru.next; b != &cache.lru; b = b->next) {
      if (b->dev == dev && b->blockno == blockno && (b->valid || b->refcnt > 0)) {
        b->refcnt++;
        release(&cache.lock);
        acquiresleep(&b->lock);
        return b;
      }
    }
    for (b = cache.lru.prev; b != &cache.lru; b = b->prev) {
      if (b->refcnt == 0) {
        b->dev = dev;
        b->blockno = blockno;
        b->valid = 0;
        b->refcnt = 1;
        release(&cache.lock);
        acquiresleep(&b->lock);
        return b;
      }
    }
    cache.waiting++;
    sleep(&cache, &cache.lock);
    cache.waiting--;
  }
}

// Return a locked buffer holding block blockno of dev, reading it from disk
// if it is not cached. May sleep. Release with brelse().
struct buf *
bread(uint dev, uint blockno)
{
  struct buf *b = buf_get(dev, blockno);
  if (!b->valid) {
    virtio_disk_rw(b, 0);
    b->valid = 1;
  }
  return b;
}

// Write b's contents to its disk block now. Caller holds b locked. Sleeps.
void
bwrite(struct buf *b)
{
  assert(holdingsleep(&b->lock));
  virtio_disk_rw(b, 1);
}

// Release a buffer from bread(). It stays cached, now most recently used.
void
brelse(struct buf *b)
{
  assert(holdingsleep(&b->lock));
  releasesleep(&b->lock);

  acquire(&cache.lock);
  b->refcnt--;
  if (b->refcnt == 0) {
    lru_unlink(b);
    lru_push_front(b);
    if (cache.waiting)
      wakeup(&cache);
  }
  release(&cache.lock);
}

// Keep b in the cache without holding its lock (the log's dirty blocks).
void
bpin(struct buf *b)
{
  acquire(&cache.lock);
  b->refcnt++;
  release(&cache.lock);
}

// Undo one bpin().
void
bunpin(struct buf *b)
{
  acquire(&cache.lock);
  assert(b->refcnt > 0);
  b->refcnt--;
  if (b->refcnt == 0 && cache.waiting)
    wakeup(&cache);
  release(&cache.lock);
}
