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
