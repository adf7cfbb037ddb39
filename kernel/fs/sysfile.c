// File-system system calls: argument fetching and checking, descriptors,
// and the name-space operations (open/create, link, unlink, mkdir, mknod,
// chdir). Byte movement is file.c's; exec is in proc/exec.c.
#include "types.h"
#include "param.h"
#include "stat.h"
#include "fcntl.h"
#include "sync/spinlock.h"
#include "sync/sleeplock.h"
#include "lib/klib.h"
#include "proc/proc.h"
#include "vm/vm.h"
#include "fs/fsimpl.h"

// Fetch argument n as a descriptor of the current process. Returns 0 with
// *pfd / *pf set (either may be null), or -1 if it is not an open fd.
static int
arg_fd(int n, int *pfd, struct file **pf)
{
  int fd;
  argint(n, &fd);
  if (fd < 0 || fd >= NOFILE)
    return -1;
  struct file *f = myproc()->ofile[fd];
  if (f == 0)
    return -1;
  if (pfd)
    *pfd = fd;
  if (pf)
    *pf = f;
  return 0;
}

// Install f in the lowest free descriptor slot. Returns the fd or -1.
static int
fd_alloc(struct file *f)
{
  struct proc *p = myproc();
  for (int fd = 0; fd < NOFILE; fd++) {
    if (p->ofile[fd] == 0) {
      p->ofile[fd] = f;
      return fd;
    }
  }
  return -1;
}

uint64
sys_dup(void)
{
  struct file *f;
  if (arg_fd(0, 0, &f) < 0)
    return -1;
  int fd = fd_alloc(f);
  if (fd < 0)
    return -1;
  filedup(f);
  return fd;
}

uint64
sys_read(void)
{
  struct file *f;
  uint64 addr;
  int n;
  argaddr(1, &addr);
  argint(2, &n);
  if (arg_fd(0, 0, &f) < 0)
    return -1;
  return fileread(f, addr, n);
}

uint64
sys_write(void)
{
  struct file *f;
  uint64 addr;
  int n;
  argaddr(1, &addr);
  argint(2, &n);
  if (arg_fd(0, 0, &f) < 0)
    return -1;
  return filewrite(f, addr, n);
}

uint64
sys_close(void)
{
  int fd;
  struct file *f;
  if (arg_fd(0, &fd, &f) < 0)
    return -1;
  myproc()->ofile[fd] = 0;
  fileclose(f);
  return 0;
}

uint64
sys_fstat(void)
{
  struct file *f;
  uint64 addr;
  argaddr(1, &addr);
  if (arg_fd(0, 0, &f) < 0)
    return -1;
  return filestat(f, addr);
}

// link(old, new): give old's inode (not a directory) a second name.
uint64
sys_link(void)
{
  char old[MAXPATH], new[MAXPATH], name[DIRSIZ];
  struct inode *ip, *dp;

  if (argstr(0, old, MAXPATH) < 0 || argstr(1, new, MAXPATH) < 0)
    return -1;

  begin_op();
  if ((ip = namei(old)) == 0) {
    end_op();
    return -1;
  }
  ilock(ip);
  if (ip->type == T_DIR) {
    iunlockput(ip);
    end_op();
    return -1;
  }
  // Count the new name first; undo it if the link cannot be made.
  ip->nlink++;
  iupdate(ip);
  iunlock(ip);

  if ((dp = nameiparent(new, name)) == 0)
    goto undo;
  ilock(dp);
  if (dp->dev != ip->dev || dirlink(dp, name, ip->inum) < 0) {
    iunlockput(dp);
    goto undo;
  }
  iunlockput(dp);
  iput(ip);
  end_op();
  return 0;

undo:
  ilock(ip);
  ip->nlink--;
  iupdate(ip);
  iunlockput(ip);
  end_op();
  return -1;
}

// Remove entry name at offset off of dp and drop ip's link (an empty
// directory also loses its own entries). Both locked; in a transaction.
static int
unlink_entry(struct inode *dp, struct inode *ip, uint off)
{
  struct dirent de;

  memset(&de, 0, sizeof(de));
  if (writei(dp, (char *)&de, off, sizeof(de)) != sizeof(de))
    return -1;
  ip->nlink--;
  iupdate(ip);
  if (ip->type == T_DIR) {
    // A removed directory loses "." and ".." too: processes still in it
    // find nothing there, and its ".." cannot lead to a parent that may
    // itself be freed later. Its inode goes with the last reference.
    itrunc(ip);
    dp->nlink--;  // ip's ".." no longer names dp
    iupdate(dp);
  }
  return 0;
}

uint64
sys_unlink(void)
{
  char path[MAXPATH], name[DIRSIZ];
  struct inode *ip, *dp;
  uint off;

  if (argstr(0, path, MAXPATH) < 0)
    return -1;

  begin_op();
  if ((dp = nameiparent(path, name)) == 0) {
    end_op();
    return -1;
  }
  ilock(dp);
  if (namecmp(name, ".") == 0 || namecmp(name, "..") == 0)
    goto fail_dp;
  if ((ip = dirlookup(dp, name, &off)) == 0)
    goto fail_dp;
  ilock(ip);
  if (ip->nlink < 1)
    panic("unlink: inode with no links");
  if ((ip->type == T_DIR && !dir_isempty(ip)) || unlink_entry(dp, ip, off) < 0) {
    iunlockput(ip);
    goto fail_dp;
  }
  iunlockput(dp);
  iunlockput(ip);  // frees it now unless it is still open
  end_op();
  return 0;

fail_dp:
  iunlockput(dp);
  end_op();
  return -1;
}

// Create path as a new inode of type (T_FILE, T_DIR, T_DEVICE). If path
// exists and both it and the request are plain files, return it (open
// O_CREATE). Returns the inode LOCKED and referenced, or 0. In a transaction.
static struct inode *
create(const char *path, short type, short major, short minor)
{
  char name[DIRSIZ];
  struct inode *dp, *ip;

  if ((dp = nameiparent(path, name)) == 0)
    return 0;
  ilock(dp);
  if (dp->nlink < 1) {  // a removed directory takes no new entries
    iunlockput(dp);
    return 0;
  }

  uint inum = dir_find(dp, name, 0);
  if (inum != 0) {
    // The name exists. If no in-memory inode is free to open it, fail:
    // never take "cannot load it" for "absent" and add a second entry.
    ip = iget(dp->dev, inum);
    iunlockput(dp);
    if (ip == 0)
      return 0;
    ilock(ip);
    if (type == T_FILE && (ip->type == T_FILE || ip->type == T_DEVICE))
      return ip;
    iunlockput(ip);
    return 0;
  }

  if ((ip = ialloc(dp->dev, type)) == 0) {
    iunlockput(dp);
    return 0;
  }
  ilock(ip);
  ip->major = major;
  ip->minor = minor;
  ip->nlink = 1;
  iupdate(ip);

  if (type == T_DIR) {
    // "." does not count as a link (no self-cycle); ".." counts for dp.
    if (dirlink(ip, ".", ip->inum) < 0 || dirlink(ip, "..", dp->inum) < 0)
      goto undo;
  }
  if (dirlink(dp, name, ip->inum) < 0)
    goto undo;
  if (type == T_DIR) {
    dp->nlink++;
    iupdate(dp);
  }
  iunlockput(dp);
  return ip;

undo:
  ip->nlink = 0;  // the final iput frees it
  iupdate(ip);
  iunlockput(ip);
  iunlockput(dp);
  return 0;
}

// open(path, flags): returns a new descriptor or -1.
uint64
sys_open(void)
{
  char path[MAXPATH];
  int omode;
  struct inode *ip;
  struct file *f;
  int fd;

  argint(1, &omode);
  if (argstr(0, path, MAXPATH) < 0)
    return -1;
  int accmode = omode & 3;
  if (accmode == 3)
    return -1;
  // The file-table entry and the descriptor first: a full table must
  // refuse before O_CREATE has created anything.
  if ((f = filealloc()) == 0)
    return -1;
  if ((fd = fd_alloc(f)) < 0) {
    fileclose(f);
    return -1;
  }

  begin_op();
  if (omode & O_CREATE) {
    ip = create(path, T_FILE, 0, 0);
  } else if ((ip = namei(path)) != 0) {
    ilock(ip);
  }
  if (ip && ((ip->type == T_DIR && accmode != O_RDONLY) ||
             (ip->type == T_DEVICE && (ip->major < 0 || ip->major >= NDEV)))) {
    iunlockput(ip);
    ip = 0;
  }
  if (ip == 0) {
    end_op();
    myproc()->ofile[fd] = 0;
    fileclose(f);  // still FD_NONE: releases only the entry
    return -1;
  }
  int writer = accmode != O_RDONLY && ip->type == T_FILE;
  if (writer && inode_get_write(ip) < 0) {  // a process runs this file
    iunlockput(ip);
    end_op();
    myproc()->ofile[fd] = 0;
    fileclose(f);
    return -1;
  }

  if (ip->type == T_DEVICE) {
    f->type = FD_DEVICE;
    f->major = ip->major;
  } else {
    f->type = FD_INODE;
    f->off = 0;
  }
  f->ip = ip;
  f->readable = accmode == O_RDONLY || accmode == O_RDWR;
  f->writable = accmode == O_WRONLY || accmode == O_RDWR;
  int truncated = (omode & O_TRUNC) && ip->type == T_FILE && f->writable;
  if (truncated)
    itrunc(ip);

  iunlock(ip);
  end_op();
  // Mapped pages past the new end leave every page table (as->lock comes
  // before the inode lock and the log, hence only now): a touch there is
  // then "beyond end of file" in every process mapping the file.
  if (truncated && vmobj_of(ip, 0))
    vmobj_unmap_eof(vmobj_of(ip, 0));
  return fd;
}

uint64
sys_mkdir(void)
{
  char path[MAXPATH];
  struct inode *ip;

  if (argstr(0, path, MAXPATH) < 0)
    return -1;
  begin_op();
  if ((ip = create(path, T_DIR, 0, 0)) == 0) {
    end_op();
    return -1;
  }
  iunlockput(ip);
  end_op();
  return 0;
}

uint64
sys_mknod(void)
{
  char path[MAXPATH];
  int major, minor;
  struct inode *ip;

  argint(1, &major);
  argint(2, &minor);
  if (argstr(0, path, MAXPATH) < 0 || major < 0 || major >= NDEV)
    return -1;
  begin_op();
  if ((ip = create(path, T_DEVICE, major, minor)) == 0) {
    end_op();
    return -1;
  }
  iunlockput(ip);
  end_op();
  return 0;
}

uint64
sys_chdir(void)
{
  char path[MAXPATH];
  struct inode *ip;
  struct proc *p = myproc();

  if (argstr(0, path, MAXPATH) < 0)
    return -1;
  begin_op();
  if ((ip = namei(path)) == 0) {
    end_op();
    return -1;
  }
  ilock(ip);
  if (ip->type != T_DIR) {
    iunlockput(ip);
    end_op();
    return -1;
  }
  iunlock(ip);
  iput(p->cwd);
  end_op();
  p->cwd = ip;
  return 0;
}

// pipe(int fds[2]): fds[0] reads, fds[1] writes.
uint64
sys_pipe(void)
{
  uint64 fdarray;
  struct file *rf, *wf;
  int fds[2];
  struct proc *p = myproc();

  argaddr(0, &fdarray);
  if (pipealloc(&rf, &wf) < 0)
    return -1;
  fds[0] = fd_alloc(rf);
  fds[1] = fds[0] < 0 ? -1 : fd_alloc(wf);
  if (fds[1] < 0 || copyout(fdarray, fds, sizeof(fds)) < 0) {
    if (fds[0] >= 0)
      p->ofile[fds[0]] = 0;
    if (fds[1] >= 0)
      p->ofile[fds[1]] = 0;
    fileclose(rf);
    fileclose(wf);
    return -1;
  }
  return 0;
}
