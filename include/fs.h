// On-disk file-system format, shared by the kernel and tools/mkfs.
// Directory entries (struct dirent, DIRSIZ) are also what `ls` reads.
//
// Disk layout, in BSIZE blocks:
// [ boot | super | log header + log | inodes | free bitmap | data ... ]
#ifndef LAZULI_FS_H
#define LAZULI_FS_H

#include "types.h"

#define ROOTINO 1   // root i-number
#define BSIZE 1024  // block size

#define FSMAGIC 0x4c5a4653  // "LZFS"

struct superblock {
  uint magic;       // FSMAGIC
  uint size;        // size of file system image (blocks)
  uint nblocks;     // number of data blocks
  uint ninodes;     // number of inodes
  uint nlog;        // number of log blocks (header included)
  uint logstart;    // block number of first log block
  uint inodestart;  // block number of first inode block
  uint bmapstart;   // block number of first free-map block
};

#define NDIRECT 11
#define NINDIRECT (BSIZE / sizeof(uint))
#define NDINDIRECT (NINDIRECT * NINDIRECT)
// addrs[NDIRECT] is a single-indirect block, addrs[NDIRECT+1] double-indirect.
#define MAXFILE (NDIRECT + NINDIRECT + NDINDIRECT)

// On-disk inode.
struct dinode {
  short type;               // file type (T_DIR, T_FILE, T_DEVICE; 0 = free)
  short major;              // major device number (T_DEVICE only)
  short minor;              // minor device number (T_DEVICE only)
  short nlink;              // number of directory entries naming it
  uint size;                // size of file (bytes)
  uint addrs[NDIRECT + 2];  // data block addresses
};

// Inodes per block.
#define IPB (BSIZE / sizeof(struct dinode))

// Block containing inode i
#define IBLOCK(i, sb) ((i) / IPB + (sb).inodestart)

// Bitmap bits per block
#define BPB (BSIZE * 8)

// Block of free map containing bit for block b
#define BBLOCK(b, sb) ((b) / BPB + (sb).bmapstart)

// Directory is a file containing a sequence of dirent structures.
#define DIRSIZ 14

struct dirent {
  ushort inum;
  char name[DIRSIZ];
};

#endif
