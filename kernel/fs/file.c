// Open-file table and the read/write/stat paths from a file descriptor to
// an inode, device or pipe. Inode data moves through the page cache
// (vm/filemap.c); device bytes through a kernel bounce buffer. User memory
// is never touched while an inode lock is held.
#include "types.h"
#include "param.h"
#include "stat.h"
#include "sync/spinlock.h"
#include "sync/sleeplock.h"
#include "lib/klib.h"
#include "proc/proc.h"
#include "vm/vm.h"
#include "dev/dev.h"
#include "fs/fsimpl.h"

// Lock key: t = ftable.lock held.
static struct {
  struct spinlock lock;
  struct file files[NFILE];  // t: ref and, while ref == 0, everything
} ftable;

// Set up the open-file table. Once, at boot.
void
fileinit(void)
{
  initlock(&ftable.lock, "ftable");
}

// A fresh file entry with ref 1 and type FD_NONE, or 0 if the table is full.
struct file *
filealloc(void)
{
  acquire(&ftable.lock);
  for (struct file *f = ftable.files; f < ftable.files + NFILE; f++) {
    if (f->ref == 0) {
      memset(f, 0, sizeof(*f));
      f->ref = 1;
      release(&ftable.lock);
      return f;
    }
  }
  release(&ftable.lock);
  return 0;
}

// One more reference to f (dup, fork). Returns f.
struct file *
filedup(struct file *f)
{
  acquire(&ftable.lock);
  assert(f->ref > 0);
  f->ref++;
  release(&ftable.lock);
  return f;
}

// Drop a reference; the last one releases the pipe end or inode. May sleep.
void
fileclose(struct file *f)
{
  acquire(&ftable.lock);
  assert(f->ref > 0);
  if (--f->ref > 0) {
    release(&ftable.lock);
    return;
  }
  struct file copy = *f;  // the entry may be reused once we unlock
  f->type = FD_NONE;
  release(&ftable.lock);

  if (copy.type == FD_PIPE) {
    pipeclose(copy.pipe, copy.writable);
  } else if (copy.type == FD_INODE || copy.type == FD_DEVICE) {
    if (copy.type == FD_INODE && copy.writable)
      inode_put_write(copy.ip);  // FD_INODE + writable: a plain file (sys_open)
    begin_op();
    iput(copy.ip);
    end_op();
  }
}

// Copy metadata of f's inode to user address addr. Returns 0 or -1.
int
filestat(struct file *f, uint64 addr)
{
  struct stat st;

  if (f->type != FD_INODE && f->type != FD_DEVICE)
    return -1;
  ilock(f->ip);
  stati(f->ip, &st);
  iunlock(f->ip);
  return copyout(addr, &st, sizeof(st));
}

static struct devsw *
file_dev(struct file *f)
{
  if (f->major < 0 || f->major >= NDEV)
    return 0;
  return &devsw[f->major];
}

// Read up to n bytes from f into user address addr. The whole user range
// is checked first, so a bad buffer consumes nothing (not even at end of
// file). Returns bytes read (0 at end of file), or -1. May sleep.
int
fileread(struct file *f, uint64 addr, int n)
{
  if (!f->readable || n < 0)
    return -1;
  if (n > 0 && !uaccess_ok(addr, n, ACC_WRITE))
    return -1;
  if (f->type == FD_PIPE)
    return piperead(f->pipe, addr, n);
  if (n == 0)
    return 0;
  if (f->type == FD_INODE)
    return filemap_read(f, addr, n);  // through the page cache

  char *kbuf = kalloc();
  if (kbuf == 0)
    return -1;
  int r = -1;
  struct devsw *d = file_dev(f);
  if (f->type == FD_DEVICE && d && d->read) {
    r = d->read(kbuf, MIN(n, PGSIZE));
    if (r > 0 && copyout(addr, kbuf, r) < 0)
      r = -1;
  }
  kfree(kbuf);
  return r;
}

// Write to a device chunk by chunk.
static int
device_write(struct file *f, char *kbuf, uint64 addr, int n)
{
  struct devsw *d = file_dev(f);
  if (d == 0 || d->write == 0)
    return -1;
  int done = 0;
  while (done < n) {
    int want = MIN(n - done, PGSIZE);
    if (copyin(kbuf, addr + done, want) < 0)
      return -1;
    int r = d->write(kbuf, want);
    if (r < 0)
      return done > 0 ? done : -1;
    done += r;
    if (r < want)
      break;
  }
  return done;
}

// Write n bytes from user address addr to f. The whole user range is
// checked first, so a bad address writes nothing. Returns bytes written
// (n unless the file or disk is full), or -1. May sleep.
int
filewrite(struct file *f, uint64 addr, int n)
{
  if (!f->writable || n < 0)
    return -1;
  if (n == 0)
    return 0;
  if (!uaccess_ok(addr, n, ACC_READ))
    return -1;
  if (f->type == FD_PIPE)
    return pipewrite(f->pipe, addr, n);
  if (f->type == FD_INODE)
    return filemap_write(f, addr, n);  // through the page cache and the log

  char *kbuf = kalloc();
  if (kbuf == 0 && reclaim(1) > 0)
    kbuf = kalloc();  // a full cache must not silence the console
  if (kbuf == 0)
    return -1;
  int r = -1;
  if (f->type == FD_DEVICE)
    r = device_write(f, kbuf, addr, n);
  kfree(kbuf);
  return r;
}
