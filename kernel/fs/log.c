// Write-ahead (redo) log: makes each group of file-system operations atomic
// across crashes. Blocks changed by an operation stay pinned in the cache;
// when no operation is active, they are copied to the log area, the header
// (the commit point) is written, then they are copied to their home blocks.
// Not responsible for which blocks an operation touches (callers log_write).
#include "types.h"
#include "param.h"
#include "sync/spinlock.h"
#include "sync/sleeplock.h"
#include "lib/klib.h"
#include "proc/proc.h"
#include "dev/dev.h"
#include "fs/fsimpl.h"

// On-disk header in the first log block. count == 0 means "nothing to
// replay"; a nonzero count is written only after all its blocks are.
struct loghdr {
  uint count;
  uint home[LOGSIZE];  // home[i] is the destination of log block i
};

_Static_assert(sizeof(struct loghdr) <= BSIZE, "log header must fit a block");

// Lock key: l = wal.lock held;  c = only the committing process.
static struct {
  struct spinlock lock;
  uint dev;
  uint start;         // block of the header; log block i is start + 1 + i
  uint capacity;      // log blocks available (<= LOGSIZE)
  int active;         // l: operations between begin_op and end_op
  int committing;     // l: a commit is in progress; new ops wait
  struct loghdr hdr;  // l: blocks of the open transaction (c during commit)
  struct buf io;      // c: scratch buffer for log-area writes, not cached
} wal;

// Write a copy of data to disk block blockno through the private buffer, so
// a commit never needs a free cache buffer.
static void
log_write_raw(uint blockno, const uchar *data)
{
  acquiresleep(&wal.io.lock);
  wal.io.dev = wal.dev;
  wal.io.blockno = blockno;
  memmove(wal.io.data, data, BSIZE);
  virtio_disk_rw(&wal.io, 1);
  releasesleep(&wal.io.lock);
}

static void
log_store_header(void)
{
  static uchar block[BSIZE];  // only the committer or boot code gets here
  memset(block, 0, BSIZE);
  memmove(block, &wal.hdr, sizeof(wal.hdr));
  log_write_raw(wal.start, block);
}

// Copy every logged block to its home location. from_log: take the data
// from the log area (recovery); else from the pinned cache copy (commit).
static void
log_install(int from_log)
{
  for (uint i = 0; i < wal.hdr.count; i++) {
    struct buf *home = bread(wal.dev, wal.hdr.home[i]);
    if (from_log) {
      struct buf *lb = bread(wal.dev, wal.start + 1 + i);
      memmove(home->data, lb->data, BSIZE);
      brelse(lb);
    } else {
      bunpin(home);
    }
    bwrite(home);
    brelse(home);
  }
}

// Replay a committed transaction left by a crash, then empty the log.
static void
log_recover(void)
{
  struct buf *b = bread(wal.dev, wal.start);
  memmove(&wal.hdr, b->data, sizeof(wal.hdr));
  brelse(b);
  if (wal.hdr.count > wal.capacity)
    panic("log: corrupt header");
  if (wal.hdr.count > 0)
    printf("fs: replaying %d logged blocks\n", wal.hdr.count);
  log_install(1);
  wal.hdr.count = 0;
  log_store_header();
}

// Set up the log described by sb on dev and recover it. Called once from
// fsinit() in process context (sleeps on disk I/O).
void
initlog(int dev, struct superblock *sb)
{
  initlock(&wal.lock, "log");
  initsleeplock(&wal.io.lock, "logio");
  wal.dev = dev;
  wal.start = sb->logstart;
  wal.capacity = sb->nlog - 1;
  if (sb->nlog < 2)
    panic("log: no log area");
  if (wal.capacity > LOGSIZE)
    wal.capacity = LOGSIZE;
  log_recover();
}

static int crash_after;  // VMCTL_FS_CRASH: commits left before a crash; 0 off

// Arm (n > 0) or disarm (0) the crash-test stop after the n-th next commit
// point. Returns the previous count, or -1 for a negative n.
int
log_crash_after(int n)
{
  if (n < 0)
    return -1;
  int old = crash_after;
  crash_after = n;
  return old;
}

// Make the open transaction durable and install it. Called with no
// operation active and wal.committing set, without wal.lock.
static void
log_commit(void)
{
  if (wal.hdr.count == 0)
    return;
  for (uint i = 0; i < wal.hdr.count; i++) {
    struct buf *b = bread(wal.dev, wal.hdr.home[i]);
    log_write_raw(wal.start + 1 + i, b->data);
    brelse(b);
  }
  log_store_header();  // the commit point
  if (crash_after > 0 && --crash_after == 0) {
    printf("log: crash injected after a commit point (%d blocks logged)\n", wal.hdr.count);
    poweroff(42);
  }
  log_install(0);
  wal.hdr.count = 0;
  log_store_header();  // the log is empty again
}

// Start an operation. Waits while a commit runs or while the log could not
// hold this operation's worst case (MAXOPBLOCKS) on top of those running.
void
begin_op(void)
{
  acquire(&wal.lock);
  for (;;) {
    int room = wal.hdr.count + (wal.active + 1) * MAXOPBLOCKS <= (int)wal.capacity;
    if (!wal.committing && room) {
      wal.active++;
      break;
    }
    sleep(&wal, &wal.lock);
  }
  release(&wal.lock);
}

// End an operation. The last active one commits the whole group, so a
// transaction's changes reach the disk together. May sleep.
void
end_op(void)
{
  int commit_now = 0;

  acquire(&wal.lock);
  assert(wal.active > 0);
  assert(!wal.committing);
  wal.active--;
  if (wal.active == 0) {
    wal.committing = 1;
    commit_now = 1;
  } else {
    // This operation's unused reservation may let a waiter in.
    wakeup(&wal);
  }
  release(&wal.lock);

  if (commit_now) {
    log_commit();
    acquire(&wal.lock);
    wal.committing = 0;
    wakeup(&wal);
    release(&wal.lock);
  }
}

// Note that b (locked, from bread) was modified by the current operation.
// Use instead of bwrite(); the block is written at commit. Repeated writes
// of one block in a transaction take one log slot.
void
log_write(struct buf *b)
{
  acquire(&wal.lock);
  assert(wal.active > 0);
  uint i;
  for (i = 0; i < wal.hdr.count; i++)
    if (wal.hdr.home[i] == b->blockno)
      break;
  if (i == wal.hdr.count) {
    if (wal.hdr.count >= wal.capacity)
      panic("log: transaction too big");
    wal.hdr.home[wal.hdr.count++] = b->blockno;
    bpin(b);
  }
  release(&wal.lock);
}
