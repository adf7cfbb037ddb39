// mkfs: build a Lazuli file-system image on the build host.
//   mkfs [-s blocks] [-i inodes] fs.img file...   (default FSSIZE, NINODES)
// The image is written sparse: all-zero blocks become holes.
// Lays out boot block, superblock, an empty log, inodes, the free bitmap and
// data; the root directory gets "." and ".." plus each file under its base
// name with one leading '_' removed. Not responsible for subdirectories.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Lazuli's headers name a struct "stat" and typedef uint/ushort like the
// host's libc; keep its struct out of the host's way.
#define stat lz_stat
#include "types.h"
#include "fs.h"
#include "stat.h"
#include "param.h"
#undef stat

#define NINODES 1024  // on-disk inodes (inode 0 is never used), unless -i

static uint fssize = FSSIZE;  // blocks, unless -s
static uint ninodes = NINODES;

_Static_assert(sizeof(struct dinode) == 64, "dinode layout");
_Static_assert(sizeof(struct dirent) == 16, "dirent layout");
_Static_assert(BSIZE % sizeof(struct dinode) == 0, "inodes per block");

static uchar *image;  // the whole image, fssize blocks
static struct superblock sb;
static uint next_block;  // first free data block
static uint next_inum = ROOTINO;

static void
die(const char *msg)
{
  fprintf(stderr, "mkfs: %s\n", msg);
  exit(1);
}

// Store v little-endian (the on-disk byte order, RISC-V's) at p.
static void
put16(void *p, ushort v)
{
  uchar *b = p;
  b[0] = v;
  b[1] = v >> 8;
}

static void
put32(void *p, uint v)
{
  uchar *b = p;
  for (int i = 0; i < 4; i++)
    b[i] = v >> (8 * i);
}

static uint
get32(const void *p)
{
  const uchar *b = p;
  return b[0] | (b[1] << 8) | (b[2] << 16) | ((uint)b[3] << 24);
}

static uchar *
block(uint bno)
{
  if (bno >= fssize)
    die("block number out of range");
  return image + (size_t)bno * BSIZE;
}

static uint
block_alloc(void)
{
  if (next_block >= fssize)
    die("image full");
  return next_block++;
}

// On-disk inode inum, as raw bytes in the image. Field offsets follow
// struct dinode: type 0, major 2, minor 4, nlink 6, size 8, addrs 12.
static uchar *
dinode_at(uint inum)
{
  return block(IBLOCK(inum, sb)) + (inum % IPB) * sizeof(struct dinode);
}

static uint
inode_alloc(short type)
{
  if (next_inum >= sb.ninodes)
    die("out of inodes");
  uint inum = next_inum++;
  uchar *d = dinode_at(inum);
  memset(d, 0, sizeof(struct dinode));
  put16(d + 0, type);
  put16(d + 6, 1);
  return inum;
}

static uchar *
addr_slot(uchar *d, int i)
{
  return d + 12 + 4 * i;
}

// Entry idx of index block at *slot (little-endian), allocating both if 0.
static uint
index_get(uchar *slot, uint idx)
{
  if (get32(slot) == 0)
    put32(slot, block_alloc());
  uchar *entry = block(get32(slot)) + 4 * idx;
  if (get32(entry) == 0)
    put32(entry, block_alloc());
  return get32(entry);
}

// Disk block of file block bn of inode d, allocated on first use.
static uint
file_block(uchar *d, uint bn)
{
  if (bn < NDIRECT) {
    uchar *slot = addr_slot(d, bn);
    if (get32(slot) == 0)
      put32(slot, block_alloc());
    return get32(slot);
  }
  bn -= NDIRECT;
  if (bn < NINDIRECT)
    return index_get(addr_slot(d, NDIRECT), bn);
  bn -= NINDIRECT;
  if (bn >= NDINDIRECT)
    die("file too large");
  uint mid = index_get(addr_slot(d, NDIRECT + 1), bn / NINDIRECT);
  uchar midslot[4];
  put32(midslot, mid);
  return index_get(midslot, bn % NINDIRECT);
}

// Append n bytes to inode inum.
static void
inode_append(uint inum, const void *src, uint n)
{
  uchar *d = dinode_at(inum);
  uint off = get32(d + 8);
  const uchar *p = src;
  while (n > 0) {
    uint bno = file_block(d, off / BSIZE);
    uint len = BSIZE - off % BSIZE;
    if (len > n)
      len = n;
    memcpy(block(bno) + off % BSIZE, p, len);
    off += len;
    p += len;
    n -= len;
  }
  put32(d + 8, off);
}

static void
dir_add(uint dir, const char *name, uint inum)
{
  uchar de[sizeof(struct dirent)];
  memset(de, 0, sizeof(de));
  put16(de, inum);
  size_t len = strlen(name);
  memcpy(de + 2, name, len < DIRSIZ ? len : DIRSIZ);  // NUL-padded, not terminated
  inode_append(dir, de, sizeof(de));
}

static void
add_file(uint root, const char *path)
{
  const char *name = strrchr(path, '/');
  name = name ? name + 1 : path;
  if (*name == '_')
    name++;
  if (*name == '\0' || strlen(name) > DIRSIZ) {
    fprintf(stderr, "mkfs: bad name for %s\n", path);
    exit(1);
  }

  // Refuse duplicates: the kernel would only ever see the first.
  uchar *rd = dinode_at(root);
  uint size = get32(rd + 8);
  for (uint off = 0; off < size; off += sizeof(struct dirent)) {
    uchar *de = block(file_block(rd, off / BSIZE)) + off % BSIZE;
    if (strncmp((char *)de + 2, name, DIRSIZ) == 0) {
      fprintf(stderr, "mkfs: duplicate name %s\n", name);
      exit(1);
    }
  }

  FILE *in = fopen(path, "rb");
  if (in == 0) {
    perror(path);
    exit(1);
  }
  uint inum = inode_alloc(T_FILE);
  char buf[BSIZE];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
    inode_append(inum, buf, n);
  if (ferror(in)) {
    perror(path);
    exit(1);
  }
  fclose(in);
  dir_add(root, name, inum);
}

// Mark blocks [0, used) allocated in the bitmap.
static void
bitmap_mark(uint used)
{
  for (uint b = 0; b < used; b++)
    block(BBLOCK(b, sb))[(b % BPB) / 8] |= 1 << (b % 8);
}

// Write the image, seeking over all-zero blocks (holes on the host's file
// system); the last block is always written so the file has its full size.
static int
write_sparse(FILE *out)
{
  static const uchar zero[BSIZE];
  for (uint b = 0; b < fssize; b++) {
    if (b + 1 < fssize && memcmp(block(b), zero, BSIZE) == 0)
      continue;
    if (fseek(out, (long)b * BSIZE, SEEK_SET) != 0 || fwrite(block(b), BSIZE, 1, out) != 1)
      return -1;
  }
  return 0;
}

int
main(int argc, char *argv[])
{
  int a = 1;
  for (; a + 1 < argc && argv[a][0] == '-'; a += 2) {
    uint v = strtoul(argv[a + 1], 0, 0);
    if (strcmp(argv[a], "-s") == 0)
      fssize = v;
    else if (strcmp(argv[a], "-i") == 0)
      ninodes = v;
    else
      a = argc;  // unknown option: usage below
  }
  if (a >= argc || fssize < 64 || ninodes < 2 || ninodes > 65535) {
    fprintf(stderr, "usage: mkfs [-s blocks] [-i inodes] fs.img files...\n");
    return 1;
  }
  char *img = argv[a];
  image = calloc(fssize, BSIZE);
  if (image == 0)
    die("out of memory");

  uint nlog = LOGSIZE + 1;  // header block + LOGSIZE blocks
  uint ninodeblocks = ninodes / IPB + 1;
  uint nbitmap = fssize / BPB + 1;
  uint nmeta = 2 + nlog + ninodeblocks + nbitmap;
  if (nmeta >= fssize)
    die("image too small for its metadata");

  sb.magic = FSMAGIC;
  sb.size = fssize;
  sb.nblocks = fssize - nmeta;
  sb.ninodes = ninodes;
  sb.nlog = nlog;
  sb.logstart = 2;
  sb.inodestart = 2 + nlog;
  sb.bmapstart = 2 + nlog + ninodeblocks;
  next_block = nmeta;

  uint *fields = &sb.magic;  // superblock: eight uints in declaration order
  for (int i = 0; i < 8; i++)
    put32(block(1) + 4 * i, fields[i]);

  uint root = inode_alloc(T_DIR);
  if (root != ROOTINO)
    die("root is not ROOTINO");
  dir_add(root, ".", root);
  dir_add(root, "..", root);
  for (int i = a + 1; i < argc; i++)
    add_file(root, argv[i]);

  bitmap_mark(next_block);

  // (Only stdio here: -Iinclude would make <fcntl.h> find Lazuli's.)
  FILE *out = fopen(img, "wb");
  if (out == 0) {
    perror(img);
    return 1;
  }
  if (write_sparse(out) < 0 || fclose(out) != 0) {
    perror(img);
    return 1;
  }
  printf("mkfs: %s: %u blocks (%u meta: log %u, inodes %u, bitmap %u), %u used, %u inodes used\n",
         img, fssize, nmeta, nlog, ninodeblocks, nbitmap, next_block, next_inum - 1);
  return 0;
}
