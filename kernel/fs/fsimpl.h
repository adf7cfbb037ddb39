// Internal interfaces of kernel/fs/: block cache, log, block allocation,
// directories and pipes. Only files in kernel/fs/ include this; other
// folders use fs/file.h.
#ifndef FSIMPL_H
#define FSIMPL_H

#include "types.h"
#include "fs.h"
#include "fs/buf.h"
#include "fs/file.h"

// bio.c
struct buf *bread(uint dev, uint blockno);  // locked buffer holding the block; sleeps
void bwrite(struct buf *b);                 // write to disk now; b locked
void brelse(struct buf *b);                 // unlock and release b
void bpin(struct buf *b);                   // keep b cached (log holds it)
void bunpin(struct buf *b);

// log.c
void initlog(int dev, struct superblock *sb);  // recovers a committed log
void log_write(struct buf *b);                 // record b as modified in this transaction

// inode.c
extern struct superblock sb;                 // read once by fsinit
struct inode *ialloc(uint dev, short type);  // unlocked, referenced; 0 if none left
struct inode *iget(uint dev, uint inum);     // unlocked, referenced; 0 if cache full
void iupdate(struct inode *ip);              // ip locked, inside a transaction
void itrunc(struct inode *ip);               // ip locked, inside a transaction

// orphan.c
int fs_reclaim_orphans(uint dev);  // at boot, after log recovery; returns count

// dir.c
int namecmp(const char *a, const char *b);
uint dir_find(struct inode *dp, const char *name, uint *poff);  // inum or 0 (absent); dp locked
// dir_find + iget: 0 if absent or no free in-memory inode; dp locked.
struct inode *dirlookup(struct inode *dp, const char *name, uint *poff);
int dirlink(struct inode *dp, const char *name, uint inum);  // dp locked; 0 / -1
int dir_isempty(struct inode *dp);                           // only "." and ".."? dp locked

// pipe.c
void pipeclose(struct pipe *pi, int writable);
int piperead(struct pipe *pi, uint64 addr, int n);
int pipewrite(struct pipe *pi, uint64 addr, int n);

#endif
