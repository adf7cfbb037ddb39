// Pipes: a ring buffer in one kernel page joining a read end and a write
// end. Bytes cross between user memory and a stack buffer with no lock
// held; only the move between that buffer and the ring is under pi->lock.
#include "types.h"
#include "param.h"
#include "sync/spinlock.h"
#include "sync/sleeplock.h"
#include "lib/klib.h"
#include "proc/proc.h"
#include "vm/vm.h"
#include "fs/fsimpl.h"

#define PIPESIZE 2048  // a power of two, so free-running counters wrap cleanly
#define XFER 512       // bytes moved per lock hold (stack bounce buffer)

// Lock key: l = pi->lock held.
struct pipe {
  struct spinlock lock;
  uint nread;           // l: total bytes read (free-running)
  uint nwrite;          // l: total bytes written (free-running)
  int readopen;         // l: read end still open?
  int writeopen;        // l: write end still open?
  char data[PIPESIZE];  // l
};

_Static_assert(sizeof(struct pipe) <= PGSIZE, "a pipe must fit one page");

// Create a pipe and its two file entries. Returns 0 with *rf (read end)
// and *wf (write end) set, or -1 with nothing allocated.
int
pipealloc(struct file **rf, struct file **wf)
{
  struct pipe *pi = 0;

  *rf = *wf = 0;
  if ((*rf = filealloc()) == 0 || (*wf = filealloc()) == 0)
    goto fail;
  if ((pi = (struct pipe *)kalloc()) == 0)
    goto fail;
  initlock(&pi->lock, "pipe");
  pi->nread = pi->nwrite = 0;
  pi->readopen = pi->writeopen = 1;

  (*rf)->type = FD_PIPE;
  (*rf)->readable = 1;
  (*rf)->writable = 0;
  (*rf)->pipe = pi;
  (*wf)->type = FD_PIPE;
  (*wf)->readable = 0;
  (*wf)->writable = 1;
  (*wf)->pipe = pi;
  return 0;

fail:
  if (*rf)
    fileclose(*rf);
  if (*wf)
    fileclose(*wf);
  *rf = *wf = 0;
  return -1;
}

// Close one end (the write end if writable). The second close frees pi.
void
pipeclose(struct pipe *pi, int writable)
{
  acquire(&pi->lock);
  if (writable) {
    pi->writeopen = 0;
    wakeup(&pi->nread);
  } else {
    pi->readopen = 0;
    wakeup(&pi->nwrite);
  }
  int last = !pi->readopen && !pi->writeopen;
  release(&pi->lock);
  if (last)
    kfree((char *)pi);
}

// Move kbuf[0..len) into the ring, waiting for room. Called and returns
// with pi->lock held. Returns 0, or -1 if the reader is gone or we are
// killed.
static int
ring_put_locked(struct pipe *pi, const char *kbuf, int len)
{
  int i = 0;
  while (i < len) {
    if (!pi->readopen || killed(myproc()))
      return -1;
    if (pi->nwrite - pi->nread == PIPESIZE) {
      wakeup(&pi->nread);
      sleep_killable(&pi->nwrite, &pi->lock);
      continue;
    }
    while (i < len && pi->nwrite - pi->nread < PIPESIZE)
      pi->data[pi->nwrite++ % PIPESIZE] = kbuf[i++];
  }
  return 0;
}

// Write n bytes from user address addr. Returns n, or -1 if the read end
// closes (or we are killed) first or addr is bad. May sleep.
int
pipewrite(struct pipe *pi, uint64 addr, int n)
{
  char kbuf[XFER];
  int done = 0;

  while (done < n) {
    int len = MIN(n - done, XFER);
    if (copyin(kbuf, addr + done, len) < 0)
      return -1;
    acquire(&pi->lock);
    int r = ring_put_locked(pi, kbuf, len);
    wakeup(&pi->nread);
    release(&pi->lock);
    if (r < 0)
      return -1;
    done += len;
  }
  return done;
}

// Read up to n bytes into user address addr. Waits only while the pipe is
// empty and nothing was read yet. Returns bytes read, 0 at end of file
// (empty, no writer), or -1 if killed or addr is bad. May sleep.
int
piperead(struct pipe *pi, uint64 addr, int n)
{
  char kbuf[XFER];
  int done = 0;

  if (n < 0)
    return -1;
  while (done < n) {
    acquire(&pi->lock);
    while (pi->nread == pi->nwrite && pi->writeopen && done == 0) {
      if (killed(myproc())) {
        release(&pi->lock);
        return -1;
      }
      sleep_killable(&pi->nread, &pi->lock);
    }
    int len = 0;
    int want = MIN(n - done, XFER);
    while (len < want && pi->nread != pi->nwrite)
      kbuf[len++] = pi->data[pi->nread++ % PIPESIZE];
    if (len > 0)
      wakeup(&pi->nwrite);
    release(&pi->lock);
    if (len == 0)
      break;
    if (copyout(addr + done, kbuf, len) < 0)
      return -1;
    done += len;
  }
  return done;
}
