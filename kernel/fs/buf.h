// A cached disk block. The virtio driver fills or drains data[].
#ifndef BUF_H
#define BUF_H

#include "fs.h"
#include "sync/sleeplock.h"

struct buf {
  int valid;  // has data been read from disk?
  int disk;   // does the disk "own" buf? (set by driver while I/O in flight)
  uint dev;
  uint blockno;
  struct sleeplock lock;
  uint refcnt;
  struct buf *prev;  // LRU cache list
  struct buf *next;
  uchar data[BSIZE];
};

#endif
