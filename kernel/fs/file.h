// Public interface of the file system for the rest of the kernel: in-memory
// inodes, open files, pipes, and the calls proc/exec/boot code need.
// Block cache, log and directory internals live in fs/fsimpl.h (fs/ only).
#ifndef FILE_H
#define FILE_H

#include "types.h"
#include "param.h"
#include "fs.h"
#include "stat.h"
#include "sync/sleeplock.h"

struct pipe;
struct vmobj;

// In-memory copy of an inode.
// Lock key: c = inode-cache spinlock held;  s = ip->lock (sleep) held.
struct inode {
  uint dev;               // c: device number
  uint inum;              // c: inode number
  int ref;                // c: references (open files, cwd, walkers)
  struct sleeplock lock;  // guards everything below (and obj's page index)
  int valid;              // s: fields below loaded from disk?
  struct vmobj *obj;      // page cache: set once while referenced, cleared by
                          // iget when it recycles the slot (vm/object.c)

  short type;  // s: copy of the disk inode
  short major;
  short minor;
  short nlink;
  uint size;
  uint addrs[NDIRECT + 2];

  int writecount;  // c: > 0 open for writing by that many files, < 0 run by that many processes
};

enum filetype { FD_NONE, FD_PIPE, FD_INODE, FD_DEVICE };

// An open file (shared by dup and fork).
// Lock key: t = file-table spinlock held;  i = f->ip->lock held (off).
struct file {
  enum filetype type;  // set at open, fixed until the last close
  int ref;             // t: references to this entry
  char readable;
  char writable;
  struct pipe *pipe;  // FD_PIPE
  struct inode *ip;   // FD_INODE and FD_DEVICE
  uint off;           // i: FD_INODE read/write offset
  short major;        // FD_DEVICE
};

// ---- bio.c / log.c / superblock ----
void binit(void);            // once, at boot
void fsinit(int dev);        // read the superblock, recover the log; sleeps
void begin_op(void);         // start a file-system transaction; may sleep
void end_op(void);           // finish it; the last one out commits
int log_crash_after(int n);  // crash test: stop after the n-th commit point (0 disarms); old n

// ---- inode.c ----
void iinit(void);
struct inode *idup(struct inode *ip);  // one more reference; returns ip
void ilock(struct inode *ip);          // sleeps; loads from disk if needed
void iunlock(struct inode *ip);
void iput(struct inode *ip);                    // drop a reference; needs begin_op
void iunlockput(struct inode *ip);              // iunlock then iput
void stati(struct inode *ip, struct stat *st);  // ip locked
// A file is never open for writing while a process runs it (Linux's ETXTBSY).
int inode_deny_write(struct inode *ip);          // exec: 0, or -1 if open for writing
void inode_allow_write(struct inode *ip);        // undo one inode_deny_write
struct inode *inode_dup_text(struct inode *ip);  // fork: idup + one more runner; returns ip
int inode_get_write(struct inode *ip);           // open for writing: 0, or -1 if it is running
void inode_put_write(struct inode *ip);          // undo one inode_get_write (close)
// Kernel buffers only. Return bytes moved, or -1. ip locked; writei needs begin_op.
int readi(struct inode *ip, char *dst, uint off, uint n);
int writei(struct inode *ip, const char *src, uint off, uint n);
int icache_drop_pages(void);  // drop clean unmapped cache pages of every inode; count
// The inode in table slot i (0..NINODE-1) with one more reference if it has
// pages in the page cache, else 0. Drop it with iput inside a transaction. (The
// page-cache clock; no lock may be held.)
struct inode *icache_pin(int i);

// ---- dir.c: path names (relative paths start at myproc()->cwd) ----
// Both return an unlocked, referenced inode or 0; call inside begin_op/end_op.
struct inode *namei(const char *path);
struct inode *nameiparent(const char *path, char *name);  // name: DIRSIZ bytes

// ---- file.c ----
void fileinit(void);
struct file *filealloc(void);                       // ref 1, type FD_NONE; 0 if table full
struct file *filedup(struct file *f);               // returns f
void fileclose(struct file *f);                     // may sleep (last close of an inode)
int fileread(struct file *f, uint64 addr, int n);   // user addr; bytes or -1
int filewrite(struct file *f, uint64 addr, int n);  // user addr; bytes or -1
int filestat(struct file *f, uint64 addr);          // copies struct stat out; 0/-1

// ---- pipe.c ----
int pipealloc(struct file **rf, struct file **wf);  // 0, or -1 (nothing allocated)

#endif
