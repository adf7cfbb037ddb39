// File-system resource limits hit on purpose: the in-memory inode table,
// the disk's inodes, its blocks (a full disk mid-write) and the log (the
// biggest single write). Each must give a clean -1 (or a short count) and
// lose nothing; afterwards everything works again.
#include "harness.h"

#define IT_CHILDREN 6
#define IT_PER_CHILD 13  // fds 3..15
#define IT_FILES (IT_CHILDREN * IT_PER_CHILD)

// Entries named name in directory dir.
static int
count_entries(const char *dir, const char *name)
{
  struct dirent de;
  int fd = open(dir, O_RDONLY), n = 0;

  CHECK(fd >= 0, "open %s", dir);
  while (read(fd, &de, sizeof(de)) == sizeof(de))
    if (de.inum != 0 && strncmp(de.name, name, DIRSIZ) == 0)
      n++;
  close(fd);
  return n;
}

// Child c opens its files and keeps them open until told to stop; reports
// how many it opened and whether an open failed.
static void
it_holder(int c, int rep, int go)
{
  char name[16], msg[2] = {0, 0};

  for (int j = 0; j < IT_PER_CHILD; j++) {
    snprintf(name, sizeof(name), "t_it%d", c * IT_PER_CHILD + j);
    if (open(name, O_RDONLY) < 0) {
      msg[1] = 1;
      break;
    }
    msg[0]++;
  }
  write(rep, msg, 2);
  read(go, msg, 1);
  exit(0);
}

// Issue 10 item 2: with every in-memory inode slot in use, a lookup that
// cannot load an inode must not pass for "no such entry": link onto an
// existing (uncached) name used to add a second entry and return 0.
TEST(limit_inode_table_full)
{
  int rep[2], go[2], opened = 0, failed = 0;
  char name[16], buf[8];
  struct stat st;

  for (int i = 0; i < IT_FILES; i++) {
    snprintf(name, sizeof(name), "t_it%d", i);
    write_file(name, "x");
  }
  write_file("t_itold", "old");
  write_file("t_itnew", "new");  // closed again: not in the inode table
  int oldfd = open("t_itold", O_RDONLY);
  CHECK(oldfd >= 0, "open t_itold");
  CHECK(pipe(rep) == 0 && pipe(go) == 0, "pipe");
  for (int c = 0; c < IT_CHILDREN; c++) {
    if (xfork() == 0) {
      close(rep[0]);
      close(go[1]);  // so a test that dies early lets its holders go
      it_holder(c, rep[1], go[0]);
    }
  }
  for (int c = 0; c < IT_CHILDREN; c++) {
    char msg[2];
    CHECK(read(rep[0], msg, 2) == 2, "holder report");
    opened += msg[0];
    failed += msg[1];
  }
  CHECK(failed > 0, "opened %d files and the inode table (%d) never filled", opened, NINODE);
  CHECK(opened < NINODE, "opened %d files with only %d slots", opened, NINODE);

  // Full now. Names that exist must not look absent.
  CHECK(open("t_itnew", O_RDONLY) == -1, "open without a free inode slot");
  CHECK(link("t_itold", "t_itnew") == -1, "link onto an existing name succeeded");
  CHECK(open("t_itnew", O_CREATE | O_RDWR) == -1, "O_CREATE of an uncached existing name");
  CHECK(mkdir("t_itnew") == -1, "mkdir onto an existing name");
  CHECK(mknod("t_itnew", 1, 0) == -1, "mknod onto an existing name");
  CHECK(count_entries(".", "t_itnew") == 1, "%d entries named t_itnew while full",
        count_entries(".", "t_itnew"));
  // A fresh name needs a fresh inode: no slot, so -1 and no entry.
  CHECK(open("t_itfresh", O_CREATE | O_RDWR) == -1, "create without a free inode slot");
  CHECK(count_entries(".", "t_itfresh") == 0, "failed create left an entry");

  write(go[1], buf, IT_CHILDREN);
  for (int c = 0; c < IT_CHILDREN; c++)
    CHECK(xwait(0) == 0, "holder failed");
  close(rep[0]), close(rep[1]), close(go[0]), close(go[1]);

  // Everything works again, and nothing was lost or doubled.
  CHECK(count_entries(".", "t_itnew") == 1, "%d entries named t_itnew",
        count_entries(".", "t_itnew"));
  CHECK(read_file("t_itnew", buf, sizeof(buf)) == 3 && strcmp(buf, "new") == 0, "t_itnew changed");
  CHECK(fstat(oldfd, &st) == 0 && st.nlink == 1, "t_itold nlink %d", st.nlink);
  close(oldfd);
  CHECK(link("t_itold", "t_itnew") == -1, "link onto an existing name");
  CHECK(link("t_itold", "t_itfresh") == 0, "link after the table drained");
  CHECK(stat("t_itold", &st) == 0 && st.nlink == 2, "nlink %d after link", st.nlink);
  CHECK(unlink("t_itfresh") == 0 && unlink("t_itold") == 0 && unlink("t_itnew") == 0, "unlink");
  for (int i = 0; i < IT_FILES; i++) {
    snprintf(name, sizeof(name), "t_it%d", i);
    CHECK(unlink(name) == 0, "unlink %s", name);
  }
}

// Byte at file offset off of the fill pattern.
static char
fill_byte(uint off)
{
  return (char)(off * 7 + (off >> 10) + 1);
}

#define FILL_CHUNK (64 * 1024)

// Write the fill pattern to path until the disk is full. Returns the bytes
// the file took; fails the test unless the end was a short count or -1.
static uint
fill_disk(const char *path, char *buf)
{
  int fd = open(path, O_CREATE | O_RDWR);
  uint total = 0;

  CHECK(fd >= 0, "create %s", path);
  for (;;) {
    for (int i = 0; i < FILL_CHUNK; i++)
      buf[i] = fill_byte(total + i);
    int n = write(fd, buf, FILL_CHUNK);
    CHECK(n == -1 || (n >= 0 && n <= FILL_CHUNK), "write returned %d", n);
    if (n <= 0)
      break;
    total += n;
    CHECK(total < MAXFILE * BSIZE, "the small disk never filled");
  }
  CHECK(write(fd, buf, 1) == -1, "a full disk took another byte");
  struct stat st;
  CHECK(fstat(fd, &st) == 0 && st.size == total, "size %d after %d bytes written", (int)st.size,
        total);
  close(fd);
  return total;
}

// Every byte of path must be the fill pattern, size bytes of it.
static void
check_fill(const char *path, uint size, char *buf)
{
  int fd = open(path, O_RDONLY), n;
  uint off = 0;

  CHECK(fd >= 0, "open %s", path);
  while ((n = read(fd, buf, FILL_CHUNK)) > 0) {
    for (int i = 0; i < n; i++)
      CHECK(buf[i] == fill_byte(off + i), "%s: byte %d wrong", path, off + i);
    off += n;
  }
  close(fd);
  CHECK(off == size, "%s: read %d of %d bytes", path, off, size);
}

// A full disk mid-write: the write returns the short count (then -1), the
// bytes that made it are intact, other files are untouched, operations
// needing a block fail cleanly, and unlink gives every block back.
// Runs on make test's small disk (see harness.c: only when named).
TEST(smalldisk_full_mid_write)
{
  char *buf = sbrk(FILL_CHUNK), got[16];
  struct stat st;

  write_file("t_keep", "precious");
  unlink("t_fill");
  uint total = fill_disk("t_fill", buf);
  CHECK(total > 100 * 1024, "only %d bytes fit", total);
  CHECK(mkdir("t_fulldir") == -1, "mkdir on a full disk");
  CHECK(stat("t_fulldir", &st) == -1, "failed mkdir left a name");
  check_fill("t_fill", total, buf);
  CHECK(read_file("t_keep", got, sizeof(got)) == 8 && strcmp(got, "precious") == 0,
        "t_keep damaged");
  CHECK(unlink("t_fill") == 0, "unlink t_fill");
  // Every block came back: a second fill takes exactly as much.
  uint again = fill_disk("t_fill2", buf);
  CHECK(again == total, "second fill took %d bytes, first %d", again, total);
  check_fill("t_fill2", again, buf);
  CHECK(unlink("t_fill2") == 0 && unlink("t_keep") == 0, "unlink");
  CHECK(mkdir("t_fulldir") == 0 && unlink("t_fulldir") == 0, "mkdir after space came back");
  sbrk(-FILL_CHUNK);
}

#define MAXTRY 4000

// Create files until the disk has no free inode: -1, no entry left behind,
// nothing else lost; unlink returns every inode.
static int
create_all(void)
{
  char name[16];
  struct stat st;
  int n;

  for (n = 0; n < MAXTRY; n++) {
    snprintf(name, sizeof(name), "t_ino%d", n);
    int fd = open(name, O_CREATE | O_RDWR);
    if (fd < 0)
      break;
    close(fd);
  }
  CHECK(n > 10 && n < MAXTRY, "created %d files", n);
  CHECK(stat(name, &st) == -1, "failed create left %s", name);
  CHECK(mkdir("t_inodir") == -1 && stat("t_inodir", &st) == -1, "mkdir without inodes");
  CHECK(mknod("t_inonod", NDEV - 1, 0) == -1, "mknod without inodes");
  return n;
}

TEST(smalldisk_inodes_exhausted)
{
  char name[16];
  struct stat st;

  int n = create_all();
  for (int i = 0; i < n; i++) {
    snprintf(name, sizeof(name), "t_ino%d", i);
    CHECK(stat(name, &st) == 0 && st.type == T_FILE, "%s lost", name);
    CHECK(unlink(name) == 0, "unlink %s", name);
  }
  int again = create_all();
  CHECK(again == n, "second round created %d files, first %d", again, n);
  for (int i = 0; i < again; i++) {
    snprintf(name, sizeof(name), "t_ino%d", i);
    CHECK(unlink(name) == 0, "unlink %s", name);
  }
  CHECK(mkdir("t_inodir") == 0 && unlink("t_inodir") == 0, "mkdir after inodes came back");
}

// The biggest single write(): far more than one transaction (the log
// holds LOGSIZE blocks), so the kernel must split it; all of it lands.
TEST(limit_big_single_write)
{
  int size = 1024 * 1024;
  char *p = sbrk(size);
  struct stat st;

  for (int i = 0; i < size; i++)
    p[i] = fill_byte(i);
  unlink("t_bigw");
  int fd = open("t_bigw", O_CREATE | O_RDWR);
  CHECK(fd >= 0, "create");
  CHECK(size > LOGSIZE * BSIZE, "test too small for the log");
  CHECK(write(fd, p, size) == size, "single write of %d bytes", size);
  close(fd);
  CHECK(stat("t_bigw", &st) == 0 && st.size == (uint64)size, "size %d", (int)st.size);
  memset(p, 0, size);
  fd = open("t_bigw", O_RDONLY);
  CHECK(fd >= 0 && read(fd, p, size) == size, "read back");
  close(fd);
  for (int i = 0; i < size; i++)
    CHECK(p[i] == fill_byte(i), "byte %d wrong", i);
  CHECK(unlink("t_bigw") == 0, "unlink");
  sbrk(-size);
}
