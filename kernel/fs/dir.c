// Directories and path names: a directory is a file of struct dirent;
// lookups, new entries, and walking a path from "/" or the current
// directory. Creating and removing names (with link counts) is sysfile.c's.
#include "types.h"
#include "param.h"
#include "stat.h"
#include "sync/spinlock.h"
#include "sync/sleeplock.h"
#include "lib/klib.h"
#include "proc/proc.h"
#include "fs/fsimpl.h"

// Compare two names as directory entries do (at most DIRSIZ bytes).
int
namecmp(const char *a, const char *b)
{
  return strncmp(a, b, DIRSIZ);
}

// Look name up in directory dp (locked). Returns the entry's inode number,
// or 0 if there is no such entry; *poff (if non-null) gets its offset.
// Needs no in-memory inode, so it cannot fail for want of one.
uint
dir_find(struct inode *dp, const char *name, uint *poff)
{
  struct dirent de;

  if (dp->type != T_DIR)
    panic("dir_find: not a directory");
  for (uint off = 0; off + sizeof(de) <= dp->size; off += sizeof(de)) {
    if (readi(dp, (char *)&de, off, sizeof(de)) != sizeof(de))
      panic("dir_find: short read");
    if (de.inum == 0 || namecmp(name, de.name) != 0)
      continue;
    if (poff)
      *poff = off;
    return de.inum;
  }
  return 0;
}

// dir_find, then the entry's inode, unlocked and referenced. Returns 0 if
// the entry is absent OR the inode table is full: a caller for whom the
// difference matters (a create must not add a second entry) uses dir_find.
struct inode *
dirlookup(struct inode *dp, const char *name, uint *poff)
{
  uint inum = dir_find(dp, name, poff);
  return inum ? iget(dp->dev, inum) : 0;
}

// Add entry (name, inum) to directory dp (locked), reusing a free slot.
// Inside a transaction. Returns 0, or -1 if name exists, dp has been
// removed, or there is no space.
int
dirlink(struct inode *dp, const char *name, uint inum)
{
  struct dirent de;
  uint off;

  // A removed directory (no links) takes no new entries: they would be
  // unreachable, and their inodes lost when it is freed.
  if (dp->nlink < 1 || dir_find(dp, name, 0) != 0)
    return -1;
  for (off = 0; off + sizeof(de) <= dp->size; off += sizeof(de)) {
    if (readi(dp, (char *)&de, off, sizeof(de)) != sizeof(de))
      panic("dirlink: short read");
    if (de.inum == 0)
      break;
  }
  memset(&de, 0, sizeof(de));
  strncpy(de.name, name, DIRSIZ);
  de.inum = inum;
  if (writei(dp, (char *)&de, off, sizeof(de)) != sizeof(de))
    return -1;
  return 0;
}

// Is directory dp (locked) empty apart from "." and ".."?
int
dir_isempty(struct inode *dp)
{
  struct dirent de;

  for (uint off = 2 * sizeof(de); off + sizeof(de) <= dp->size; off += sizeof(de)) {
    if (readi(dp, (char *)&de, off, sizeof(de)) != sizeof(de))
      panic("dir_isempty: short read");
    if (de.inum != 0)
      return 0;
  }
  return 1;
}

// Copy the first element of path into name (truncated to DIRSIZ, NUL-padded)
// and return the rest with leading slashes skipped; 0 if there is none.
//   "a/bb/c" -> name "a", rest "bb/c";  "///" -> 0;  "a" -> name "a", rest "".
static const char *
path_next(const char *path, char *name)
{
  while (*path == '/')
    path++;
  if (*path == '\0')
    return 0;
  const char *start = path;
  while (*path != '/' && *path != '\0')
    path++;
  int len = path - start;
  memset(name, 0, DIRSIZ);
  memmove(name, start, MIN(len, DIRSIZ));
  while (*path == '/')
    path++;
  return path;
}

// Walk path. want_parent: stop one element early, leave the last element
// in name and return its directory. Returns an unlocked, referenced inode.
static struct inode *
path_walk(const char *path, int want_parent, char *name)
{
  struct inode *ip, *next;

  if (*path == '/')
    ip = iget(ROOTDEV, ROOTINO);
  else
    ip = idup(myproc()->cwd);
  if (ip == 0)
    return 0;

  while ((path = path_next(path, name)) != 0) {
    ilock(ip);
    if (ip->type != T_DIR) {
      iunlockput(ip);
      return 0;
    }
    if (want_parent && *path == '\0') {
      iunlock(ip);
      return ip;
    }
    next = dirlookup(ip, name, 0);
    // Unlock before moving on: next may be ip itself (".") or its parent.
    iunlockput(ip);
    if (next == 0)
      return 0;
    ip = next;
  }
  if (want_parent) {  // path had no elements ("/" or "")
    iput(ip);
    return 0;
  }
  return ip;
}

// Inode named by path, unlocked and referenced, or 0. Inside a transaction
// (the final iput of a directory may free it).
struct inode *
namei(const char *path)
{
  char name[DIRSIZ];
  return path_walk(path, 0, name);
}

// Directory holding path's last element, which is copied to name
// (DIRSIZ bytes). Unlocked and referenced, or 0. Inside a transaction.
struct inode *
nameiparent(const char *path, char *name)
{
  return path_walk(path, 1, name);
}
