// Inodes and block allocation: the superblock, the free-block bitmap, the
// in-memory inode cache, and the mapping of file offsets to disk blocks
// (direct, single- and double-indirect). readi/writei move bytes between
// an inode and a KERNEL buffer; user copies belong to file.c.
#include "types.h"
#include "param.h"
#include "stat.h"
#include "sync/spinlock.h"
#include "sync/sleeplock.h"
#include "lib/klib.h"
#include "proc/proc.h"
#include "vm/vm.h"
#include "fs/fsimpl.h"

struct superblock sb;  // fixed after fsinit()

#define MAXBYTES ((uint)MAXFILE * BSIZE)

// Read the superblock of dev, check it, recover the log and free the
// orphans a crash left. Called once from the first process (sleeps).
void
fsinit(int dev)
{
  struct buf *b = bread(dev, 1);
  memmove(&sb, b->data, sizeof(sb));
  brelse(b);
  if (sb.magic != FSMAGIC)
    panic("fsinit: bad file system magic");
  // Freeing a file may clear a bit in every bitmap block, in one
  // transaction with its directory block and two inode blocks.
  if ((sb.size + BPB - 1) / BPB + 3 > MAXOPBLOCKS)
    panic("fsinit: disk too big for MAXOPBLOCKS");
  initlog(dev, &sb);
  fs_reclaim_orphans(dev);
}

// ---- block bitmap ----

static void
block_zero(uint dev, uint blockno)
{
  struct buf *b = bread(dev, blockno);
  memset(b->data, 0, BSIZE);
  log_write(b);
  brelse(b);
}

// Allocate a zeroed disk block inside the current transaction.
// Returns its number, or 0 if the disk is full.
static uint
balloc(uint dev)
{
  for (uint base = 0; base < sb.size; base += BPB) {
    struct buf *b = bread(dev, BBLOCK(base, sb));
    for (uint bit = 0; bit < BPB && base + bit < sb.size; bit++) {
      uchar mask = 1 << (bit % 8);
      if ((b->data[bit / 8] & mask) == 0) {
        b->data[bit / 8] |= mask;
        log_write(b);
        brelse(b);
        block_zero(dev, base + bit);
        return base + bit;
      }
    }
    brelse(b);
  }
  printf("balloc: out of blocks\n");
  return 0;
}

// Mark block blockno free inside the current transaction.
static void
bfree(uint dev, uint blockno)
{
  struct buf *b = bread(dev, BBLOCK(blockno, sb));
  uint bit = blockno % BPB;
  uchar mask = 1 << (bit % 8);
  if ((b->data[bit / 8] & mask) == 0)
    panic("bfree: block already free");
  b->data[bit / 8] &= ~mask;
  log_write(b);
  brelse(b);
}

// ---- inode cache ----

// Lock key: c = icache.lock held (ip->ref, ip->dev, ip->inum).
static struct {
  struct spinlock lock;
  struct inode inodes[NINODE];
} icache;

// Set up the empty inode cache. Once, at boot.
void
iinit(void)
{
  initlock(&icache.lock, "icache");
  for (int i = 0; i < NINODE; i++)
    initsleeplock(&icache.inodes[i].lock, "inode");
}

// Pages an unreferenced slot would lose if recycled. icache.lock held.
static uint
cached_pages(struct inode *ip)
{
  return ip->obj ? vmobj_npages(ip->obj) : 0;
}

// Return the cached inode (dev, inum) with one more reference, unlocked and
// not necessarily loaded from disk. A slot nobody references keeps its
// inode (and the inode's cached pages) until it is recycled, so a file
// closed and opened again finds its page cache. Recycling takes the
// unreferenced slot with the fewest cached pages and frees its object. Returns 0 if the cache is
// full.
struct inode *
iget(uint dev, uint inum)
{
  struct inode *ip, *spare = 0;
  struct vmobj *stale = 0;

  acquire(&icache.lock);
  for (ip = icache.inodes; ip < icache.inodes + NINODE; ip++) {
    if (ip->dev == dev && ip->inum == inum) {
      ip->ref++;
      release(&icache.lock);
      return ip;
    }
    if (ip->ref == 0 && (spare == 0 || cached_pages(ip) < cached_pages(spare)))
      spare = ip;
  }
  if (spare) {
    // Unreferenced, so no object reference pins it and nobody can reach
    // its object: detach it here, free it once the lock is dropped.
    stale = spare->obj;
    spare->obj = 0;
    spare->dev = dev;
    spare->inum = inum;
    spare->ref = 1;
    spare->valid = 0;
  }
  release(&icache.lock);
  if (stale)
    vmobj_release(stale);
  if (spare == 0)
    printf("iget: inode cache full\n");
  return spare;
}

// Drop every clean cached page that no page table maps, in every inode of
// the table (vmctl VMCTL_CACHE_DROP). Returns the number of pages dropped.
int
icache_drop_pages(void)
{
  int n = 0;
  for (struct inode *ip = icache.inodes; ip < icache.inodes + NINODE; ip++) {
    acquire(&icache.lock);
    if (ip->obj == 0) {
      release(&icache.lock);
      continue;
    }
    ip->ref++;  // keeps the slot (and its object) ours while we sleep
    release(&icache.lock);
    acquiresleep(&ip->lock);
    if (ip->valid)
      n += vmobj_drop_clean_locked(ip);
    releasesleep(&ip->lock);
    begin_op();  // our reference may be the last of an unlinked inode
    iput(ip);
    end_op();
  }
  return n;
}

struct inode *
icache_pin(int i)
{
  if (i < 0 || i >= NINODE)
    return 0;
  struct inode *ip = &icache.inodes[i];
  acquire(&icache.lock);
  if (ip->obj == 0 || vmobj_npages(ip->obj) == 0) {  // nothing cached: no pin, no transaction
    release(&icache.lock);
    return 0;
  }
  ip->ref++;  // keeps the slot (and its object) ours while we sleep
  release(&icache.lock);
  return ip;
}

// Allocate a free on-disk inode of the given type inside the current
// transaction. Returns it unlocked and referenced, or 0 if none is free.
struct inode *
ialloc(uint dev, short type)
{
  for (uint inum = 1; inum < sb.ninodes; inum++) {
    struct buf *b = bread(dev, IBLOCK(inum, sb));
    struct dinode *dip = (struct dinode *)b->data + inum % IPB;
    if (dip->type != 0) {
      brelse(b);
      continue;
    }
    memset(dip, 0, sizeof(*dip));
    dip->type = type;
    log_write(b);  // claimed while we hold the block: no other ialloc races
    brelse(b);
    struct inode *ip = iget(dev, inum);
    if (ip == 0) {
      b = bread(dev, IBLOCK(inum, sb));
      dip = (struct dinode *)b->data + inum % IPB;
      dip->type = 0;
      log_write(b);
      brelse(b);
    }
    return ip;
  }
  printf("ialloc: no free inodes\n");
  return 0;
}

// Copy ip's fields to its disk inode. Caller holds ip->lock and is inside
// a transaction.
void
iupdate(struct inode *ip)
{
  struct buf *b = bread(ip->dev, IBLOCK(ip->inum, sb));
  struct dinode *dip = (struct dinode *)b->data + ip->inum % IPB;
  dip->type = ip->type;
  dip->major = ip->major;
  dip->minor = ip->minor;
  dip->nlink = ip->nlink;
  dip->size = ip->size;
  memmove(dip->addrs, ip->addrs, sizeof(ip->addrs));
  log_write(b);
  brelse(b);
}

// One more reference to ip. Returns ip.
struct inode *
idup(struct inode *ip)
{
  acquire(&icache.lock);
  ip->ref++;
  release(&icache.lock);
  return ip;
}

// Writers and runners exclude each other through ip->writecount: positive
// counts files open for writing, negative processes running the file.
int
inode_deny_write(struct inode *ip)
{
  acquire(&icache.lock);
  int ok = ip->writecount <= 0;
  if (ok)
    ip->writecount--;
  release(&icache.lock);
  return ok ? 0 : -1;
}

void
inode_allow_write(struct inode *ip)
{
  acquire(&icache.lock);
  assert(ip->writecount < 0);
  ip->writecount++;
  release(&icache.lock);
}

struct inode *
inode_dup_text(struct inode *ip)
{
  acquire(&icache.lock);
  assert(ip->writecount < 0);
  ip->writecount--;
  ip->ref++;
  release(&icache.lock);
  return ip;
}

int
inode_get_write(struct inode *ip)
{
  acquire(&icache.lock);
  int ok = ip->writecount >= 0;
  if (ok)
    ip->writecount++;
  release(&icache.lock);
  return ok ? 0 : -1;
}

void
inode_put_write(struct inode *ip)
{
  acquire(&icache.lock);
  assert(ip->writecount > 0);
  ip->writecount--;
  release(&icache.lock);
}

// Lock ip, reading it from disk on first use. May sleep.
void
ilock(struct inode *ip)
{
  assert(ip != 0 && ip->ref > 0);
  acquiresleep(&ip->lock);
  if (ip->valid)
    return;
  struct buf *b = bread(ip->dev, IBLOCK(ip->inum, sb));
  struct dinode *dip = (struct dinode *)b->data + ip->inum % IPB;
  ip->type = dip->type;
  ip->major = dip->major;
  ip->minor = dip->minor;
  ip->nlink = dip->nlink;
  ip->size = dip->size;
  memmove(ip->addrs, dip->addrs, sizeof(ip->addrs));
  brelse(b);
  ip->valid = 1;
  if (ip->type == 0)
    panic("ilock: inode has no type");
}

// Unlock ip (locked by the caller).
void
iunlock(struct inode *ip)
{
  assert(ip != 0 && ip->ref > 0 && holdingsleep(&ip->lock));
  releasesleep(&ip->lock);
}

// Drop a reference. The last reference to an inode with no links frees it
// and its blocks, so every call must be inside a transaction.
void
iput(struct inode *ip)
{
  acquire(&icache.lock);
  if (ip->ref == 1 && ip->valid && ip->nlink == 0) {
    // Nobody else can reach ip (ref 1, no names), so its lock is free
    // and nobody can take it while we sleep on the disk.
    acquiresleep(&ip->lock);
    release(&icache.lock);
    itrunc(ip);
    ip->type = 0;
    iupdate(ip);
    ip->valid = 0;
    releasesleep(&ip->lock);
    acquire(&icache.lock);
  }
  ip->ref--;
  release(&icache.lock);
}

// iunlock then iput.
void
iunlockput(struct inode *ip)
{
  iunlock(ip);
  iput(ip);
}

// Fill *st from ip (locked).
void
stati(struct inode *ip, struct stat *st)
{
  st->dev = ip->dev;
  st->ino = ip->inum;
  st->type = ip->type;
  st->nlink = ip->nlink;
  st->size = ip->size;
}

// ---- block map ----

// Entry idx of index block *slot (allocating the index block, and the
// entry's block, if missing and alloc is set). Returns the block number,
// 0 if absent or the disk is full.
static uint
index_lookup(uint dev, uint *slot, uint idx, int alloc)
{
  if (*slot == 0) {
    if (!alloc || (*slot = balloc(dev)) == 0)
      return 0;
  }
  struct buf *b = bread(dev, *slot);
  uint *entries = (uint *)b->data;
  uint addr = entries[idx];
  if (addr == 0 && alloc) {
    addr = balloc(dev);
    if (addr) {
      entries[idx] = addr;
      log_write(b);
    }
  }
  brelse(b);
  return addr;
}

// Disk block holding file block bn of ip (locked); allocates missing blocks
// when alloc is set (inside a transaction). Returns 0 if bn is beyond
// MAXFILE, absent (alloc 0) or the disk is full.
static uint
bmap(struct inode *ip, uint bn, int alloc)
{
  if (bn < NDIRECT) {
    if (ip->addrs[bn] == 0 && alloc)
      ip->addrs[bn] = balloc(ip->dev);
    return ip->addrs[bn];
  }
  bn -= NDIRECT;
  if (bn < NINDIRECT)
    return index_lookup(ip->dev, &ip->addrs[NDIRECT], bn, alloc);
  bn -= NINDIRECT;
  if (bn >= NDINDIRECT)
    return 0;
  // The top block's entry is itself an index block: look it up, then
  // index it with a local copy of its number.
  uint mid = index_lookup(ip->dev, &ip->addrs[NDIRECT + 1], bn / NINDIRECT, alloc);
  if (mid == 0)
    return 0;
  return index_lookup(ip->dev, &mid, bn % NINDIRECT, alloc);
}

// Free every block listed in index block blockno (depth 1: data blocks;
// depth 2: index blocks of depth 1), then blockno itself.
static void
index_free(uint dev, uint blockno, int depth)
{
  struct buf *b = bread(dev, blockno);
  uint entries[NINDIRECT];
  memmove(entries, b->data, sizeof(entries));
  brelse(b);
  for (uint i = 0; i < NINDIRECT; i++) {
    if (entries[i] == 0)
      continue;
    if (depth > 1)
      index_free(dev, entries[i], depth - 1);
    else
      bfree(dev, entries[i]);
  }
  bfree(dev, blockno);
}

// Free all of ip's data and set its size to 0; its cached pages go too.
// ip locked, in a transaction.
void
itrunc(struct inode *ip)
{
  vmobj_truncate_locked(ip, 0);
  for (int i = 0; i < NDIRECT; i++) {
    if (ip->addrs[i]) {
      bfree(ip->dev, ip->addrs[i]);
      ip->addrs[i] = 0;
    }
  }
  if (ip->addrs[NDIRECT]) {
    index_free(ip->dev, ip->addrs[NDIRECT], 1);
    ip->addrs[NDIRECT] = 0;
  }
  if (ip->addrs[NDIRECT + 1]) {
    index_free(ip->dev, ip->addrs[NDIRECT + 1], 2);
    ip->addrs[NDIRECT + 1] = 0;
  }
  ip->size = 0;
  iupdate(ip);
}

// ---- data ----

// Copy up to n bytes at offset off of ip (locked) into kernel buffer dst.
// Returns the bytes copied (0 at or past end of file), or -1 if off+n
// overflows.
int
readi(struct inode *ip, char *dst, uint off, uint n)
{
  assert(holdingsleep(&ip->lock));
  if (off + n < off)
    return -1;
  if (off >= ip->size)
    return 0;
  if (n > ip->size - off)
    n = ip->size - off;

  uint done = 0;
  while (done < n) {
    uint pos = off + done;
    uint len = MIN(n - done, BSIZE - pos % BSIZE);
    uint addr = bmap(ip, pos / BSIZE, 0);
    if (addr == 0) {
      memset(dst + done, 0, len);  // never written: reads as zeros
    } else {
      struct buf *b = bread(ip->dev, addr);
      memmove(dst + done, b->data + pos % BSIZE, len);
      brelse(b);
    }
    done += len;
  }
  return n;
}

// Copy n bytes from kernel buffer src to offset off of ip (locked), inside
// a transaction, growing the file as needed. A write that would pass the
// maximum file size or fill the disk stops there. Returns bytes written,
// or -1 if none could be (off beyond end of file, no room).
int
writei(struct inode *ip, const char *src, uint off, uint n)
{
  assert(holdingsleep(&ip->lock));
  if (off > ip->size || off + n < off)
    return -1;
  if (n == 0)
    return 0;
  if (off >= MAXBYTES)
    return -1;
  if (n > MAXBYTES - off)
    n = MAXBYTES - off;

  uint done = 0;
  while (done < n) {
    uint pos = off + done;
    uint len = MIN(n - done, BSIZE - pos % BSIZE);
    uint addr = bmap(ip, pos / BSIZE, 1);
    if (addr == 0)
      break;  // disk full
    struct buf *b = bread(ip->dev, addr);
    memmove(b->data + pos % BSIZE, src + done, len);
    log_write(b);
    brelse(b);
    done += len;
  }
  if (off + done > ip->size)
    ip->size = off + done;
  vmobj_update_locked(ip, off, src, done);  // keep cached pages the same as the file
  // Even a failed write may have allocated index blocks: record them.
  iupdate(ip);
  return done > 0 ? (int)done : -1;
}
