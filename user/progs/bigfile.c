// bigfile: the largest file the inode format allows, end to end (make
// bigfile; too slow for make test under emulation).
//   bigfile [blocks]   (default MAXFILE)
// Writes the file in 64 KiB write() calls, each byte a function of its
// offset; checks that one more byte is refused (-1) at MAXFILE; reads every
// byte back; unlinks it. make bigfile then fscks the image, which must use
// exactly the blocks it used before (every block came back).
#include "user.h"

#define CHUNK (64 * 1024)

static char
byte_at(uint off)
{
  return (char)(off * 13 + (off >> 10) * 3 + (off >> 20));
}

static int
fail(const char *what, uint off)
{
  printf("bigfile: FAIL %s at offset %d\n", what, off);
  unlink("/bigfile.dat");
  return 1;
}

int
main(int argc, char *argv[])
{
  uint nblocks = argc > 1 ? atoi(argv[1]) : MAXFILE;
  uint size = nblocks * BSIZE, off;
  char *buf = malloc(CHUNK);
  uint64 t0 = nsec();
  int fd, n;

  if (buf == 0 || nblocks == 0 || nblocks > MAXFILE)
    return fail("bad size or no memory", 0);
  unlink("/bigfile.dat");
  if ((fd = open("/bigfile.dat", O_CREATE | O_RDWR)) < 0)
    return fail("create", 0);
  for (off = 0; off < size; off += n) {
    int want = size - off < CHUNK ? size - off : CHUNK;
    for (int i = 0; i < want; i++)
      buf[i] = byte_at(off + i);
    if ((n = write(fd, buf, want)) != want)
      return fail("short write", off);
    if (off % (8 * 1024 * 1024) == 0)
      printf("bigfile: %d MiB written\n", off >> 20);
  }
  if (nblocks == MAXFILE && write(fd, buf, 1) != -1)
    return fail("write past the maximum file size accepted", off);
  close(fd);
  struct stat st;
  if (stat("/bigfile.dat", &st) < 0 || st.size != size)
    return fail("size after writing", (uint)st.size);
  uint64 t1 = nsec();

  vmctl(VMCTL_CACHE_DROP, 1);  // read back from the disk, not the page cache
  if ((fd = open("/bigfile.dat", O_RDONLY)) < 0)
    return fail("reopen", 0);
  for (off = 0; (n = read(fd, buf, CHUNK)) > 0; off += n)
    for (int i = 0; i < n; i++)
      if (buf[i] != byte_at(off + i))
        return fail("wrong byte read back", off + i);
  close(fd);
  if (off != size)
    return fail("read back short", off);
  if (unlink("/bigfile.dat") < 0)
    return fail("unlink", 0);
  printf("bigfile: %d blocks (%d bytes): written in %d ms, read back and checked in %d ms, "
         "removed\n",
         nblocks, size, (int)((t1 - t0) / 1000000), (int)((nsec() - t1) / 1000000));
  return 0;
}
