// Inode <-> page I/O for the page cache: fill a page from the file (zeros
// past end of file), write a dirty page back through the log, and read()/
// write() of files through cache pages. The disk is reached only through
// readi/writei, so the buffer cache and the log stay the one path to it.
// Not responsible for the index or references (object.c).
#include "types.h"
#include "param.h"
#include "memlayout.h"
#include "sync/sleeplock.h"
#include "arch/riscv/kmem.h"
#include "vm/vm.h"
#include "fs/file.h"
#include "lib/klib.h"

// One write() piece or one written-back page per transaction: at most four
// data blocks, three index blocks (single, double and its middle), two
// bitmap blocks and the inode.
_Static_assert(PGSIZE / BSIZE + 3 + 2 + 1 <= MAXOPBLOCKS, "a page must fit one transaction");

#define MAXBYTES ((uint64)MAXFILE * BSIZE)

// read() and write() allocate cache pages as faults do, so they reclaim as
// faults do (reclaim_if_low before the inode lock: the reclaimer takes inode
// locks). A page that still finds no frame reclaims a batch and tries again,
// twice at most; then the call fails (-1, or the bytes done so far) rather
// than kill anyone: a system call is refused, not punished. Without this, a
// file bigger than free memory could not be written or read once the cache
// had filled RAM with clean pages. (reclaim_retry, reclaim.c)
// Read bytes [from, to) of page pgoff from the file into the page at kva,
// zeros where the file has none. ip locked.
static void
fill_range(struct inode *ip, uint64 pgoff, char *kva, uint from, uint to)
{
  uint64 off = pgoff * PGSIZE + from;
  int got = off < ip->size ? readi(ip, kva + from, off, to - from) : 0;
  if (got < 0)
    got = 0;
  memset(kva + from + got, 0, to - from - got);
}

void
filemap_fill(struct inode *ip, uint64 pgoff, paddr_t pa)
{
  fill_range(ip, pgoff, P2V(pa), 0, PGSIZE);
}

int
filemap_writeback(struct inode *ip, uint64 pgoff, paddr_t pa)
{
  uint64 off = pgoff * PGSIZE;
  if (off >= ip->size)
    return 0;  // wholly past end of file: nothing of it is file data
  uint n = MIN(PGSIZE, ip->size - off);
  return writei(ip, P2V(pa), off, n) == (int)n ? 0 : -1;
}

// read(): copy from cache pages, each pinned by a frame reference while
// the inode lock is dropped for the copyout (which may fault, even on a
// mapping of this same file). Returns bytes read, or -1.
int
filemap_read(struct file *f, uint64 addr, int n)
{
  struct inode *ip = f->ip;
  int done = 0, tries = 0;
  while (done < n) {
    reclaim_if_low();
    ilock(ip);
    uint64 off = f->off;
    if (off >= ip->size) {
      iunlock(ip);
      break;
    }
    uint64 in = off % PGSIZE;
    int m = MIN(n - done, MIN(PGSIZE - in, ip->size - off));
    paddr_t pa;
    int r = vmobj_page_locked(ip, off / PGSIZE, 0, &pa);
    if (r == FAULT_OK)
      f->off = off + m;
    iunlock(ip);
    if (r == FAULT_OOM && reclaim_retry(&tries))
      continue;
    if (r != FAULT_OK)
      return done > 0 ? done : -1;
    tries = 0;
    int bad = copyout(addr + done, (char *)P2V(pa) + in, m) < 0;
    frame_unref(pa);
    if (bad) {
      ilock(ip);
      if (f->off == off + m)
        f->off = off;  // the bytes never reached the caller
      iunlock(ip);
      return -1;
    }
    done += m;
  }
  return done;
}

// One write() piece: at most the rest of one page. The bytes go from the
// user straight into the cache page (pinned, no lock held), then writei
// logs the blocks they touch from there. Returns bytes written or -1.
static int
write_piece(struct file *f, uint64 addr, int n, int *want)
{
  struct inode *ip = f->ip;
  uint64 off, in;
  int m, r = -1, tries = 0;
  paddr_t pa;
  for (;;) {
    reclaim_if_low();
    ilock(ip);
    off = f->off;
    in = off % PGSIZE;
    m = *want = MIN(n, PGSIZE - in);
    int got =
        off > ip->size || off >= MAXBYTES ? FAULT_BUS : vmobj_page_locked(ip, off / PGSIZE, 1, &pa);
    iunlock(ip);
    if (got == FAULT_OK)
      break;
    if (got != FAULT_OOM || !reclaim_retry(&tries))
      return -1;
  }
  char *kva = P2V(pa);
  int copied = copyin(kva + in, addr, m) == 0;

  begin_op();
  ilock(ip);
  if (copied)
    r = writei(ip, kva + in, off, m);
  if (r > 0)
    f->off = off + r;
  if (r < m) {
    // Bytes copied in but not in the file (a failed copy, a full disk, a
    // truncation meanwhile): make the page say what the file says again.
    uint from = in + (r > 0 ? r : 0);
    fill_range(ip, off / PGSIZE, kva, from, in + m);
  }
  iunlock(ip);
  end_op();
  frame_unref(pa);
  return r;
}

// write(): piece by piece, each in its own transaction, serialised per
// inode so that pieces land in order at f->off. Returns bytes written, or
// -1 if none could be.
int
filemap_write(struct file *f, uint64 addr, int n)
{
  struct vmobj *o = vmobj_of(f->ip, 1);
  if (o == 0)
    return -1;
  struct sleeplock *wl = vmobj_writelock(o);
  acquiresleep(wl);
  int done = 0;
  while (done < n) {
    int want;
    int r = write_piece(f, addr + done, n - done, &want);
    if (r < 0)
      break;
    done += r;
    if (r < want)
      break;  // file size limit or disk full
  }
  releasesleep(wl);
  return done > 0 ? done : -1;
}
