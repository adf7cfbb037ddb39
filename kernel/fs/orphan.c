// Orphan reclaim at mount: an inode unlinked while still open keeps its
// blocks until the last close; if the machine stopped first, it is left
// allocated with no links. fsinit calls this after log recovery: a scan
// of the on-disk inode table (a few dozen blocks) finds and frees them.
// Not responsible for anything else a crash can leave: the log's
// atomicity guarantees the rest is consistent.
#include "types.h"
#include "param.h"
#include "stat.h"
#include "sync/spinlock.h"
#include "sync/sleeplock.h"
#include "lib/klib.h"
#include "proc/proc.h"
#include "fs/fsimpl.h"

// Is on-disk inode inum allocated with no links?
static int
is_orphan(uint dev, uint inum)
{
  struct buf *b = bread(dev, IBLOCK(inum, sb));
  struct dinode *dip = (struct dinode *)b->data + inum % IPB;
  int orphan = dip->type != 0 && dip->nlink == 0;
  brelse(b);
  return orphan;
}

// Free every allocated inode with no links, each in its own transaction
// (the final iput truncates and frees it). Called once at boot, before any
// process can open a file, so no such inode is in use. Returns the count.
int
fs_reclaim_orphans(uint dev)
{
  int n = 0;
  for (uint inum = 1; inum < sb.ninodes; inum++) {
    if (!is_orphan(dev, inum))
      continue;
    begin_op();
    struct inode *ip = iget(dev, inum);
    if (ip == 0)
      panic("fs_reclaim_orphans: inode table full at boot");
    ilock(ip);  // loads it: iput frees only a valid inode
    iunlock(ip);
    iput(ip);
    end_op();
    n++;
  }
  if (n > 0)
    printf("fs: reclaimed %d orphaned inodes (unlinked while open at a crash)\n", n);
  return n;
}
