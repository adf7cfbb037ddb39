// File-system tests: big and many files, directories and "..", unlink of
// an open file, hard links, concurrent creates, and the calls that must
// fail (missing files, wrong open modes, non-empty directories).
#include "harness.h"

#define BIG_BYTES (1024 * 1024)

TEST(fs_big_file)
{
  static char buf[4096];
  int fd, n, total = 0;

  unlink("t_big");
  fd = open("t_big", O_CREATE | O_RDWR);
  CHECK(fd >= 0, "create t_big");
  for (int off = 0; off < BIG_BYTES; off += sizeof(buf)) {
    for (int i = 0; i < (int)sizeof(buf); i += 4)
      *(int *)(buf + i) = off + i;
    CHECK(write(fd, buf, sizeof(buf)) == sizeof(buf), "write at %d", off);
  }
  close(fd);

  struct stat st;
  CHECK(stat("t_big", &st) == 0 && st.size == BIG_BYTES, "size after write");
  fd = open("t_big", O_RDONLY);
  CHECK(fd >= 0, "reopen t_big");
  while ((n = read(fd, buf, sizeof(buf))) > 0) {
    CHECK(n % 4 == 0, "odd read size %d", n);
    for (int i = 0; i < n; i += 4)
      CHECK(*(int *)(buf + i) == total + i, "bad data at %d", total + i);
    total += n;
  }
  close(fd);
  CHECK(total == BIG_BYTES, "read back %d bytes", total);
  CHECK(unlink("t_big") == 0, "unlink t_big");
  CHECK(open("t_big", O_RDONLY) == -1, "t_big still there");
}

TEST(fs_many_files)
{
  char name[16], buf[16];
  int nfiles = 40;

  for (int i = 0; i < nfiles; i++) {
    snprintf(name, sizeof(name), "t_many%d", i);
    snprintf(buf, sizeof(buf), "file %d", i);
    write_file(name, buf);
  }
  for (int i = 0; i < nfiles; i++) {
    char want[16];
    snprintf(name, sizeof(name), "t_many%d", i);
    snprintf(want, sizeof(want), "file %d", i);
    CHECK(read_file(name, buf, sizeof(buf)) >= 0, "open %s", name);
    CHECK(strcmp(buf, want) == 0, "%s holds '%s'", name, buf);
    CHECK(unlink(name) == 0, "unlink %s", name);
  }
}

TEST(fs_open_fails)
{
  int fd;

  unlink("t_nofile");
  CHECK(open("t_nofile", O_RDONLY) == -1, "open of a missing file");
  CHECK(open("t_nodir/x", O_CREATE | O_RDWR) == -1, "create in a missing dir");
  CHECK(unlink("t_nofile") == -1, "unlink of a missing file");
  CHECK(open("/", O_RDWR) == -1, "directory opened for writing");
  fd = open("/", O_RDONLY);
  CHECK(fd >= 0, "directory opened read-only");
  close(fd);

  write_file("t_ro", "data");
  fd = open("t_ro", O_RDONLY);
  CHECK(fd >= 0, "open t_ro");
  CHECK(write(fd, "x", 1) == -1, "write to an O_RDONLY fd");
  close(fd);
  fd = open("t_ro", O_WRONLY);
  CHECK(fd >= 0, "open t_ro wronly");
  char c;
  CHECK(read(fd, &c, 1) == -1, "read from an O_WRONLY fd");
  close(fd);
  unlink("t_ro");
}

TEST(fs_truncate)
{
  char buf[32];
  int fd;

  write_file("t_trunc", "a long first content");
  fd = open("t_trunc", O_WRONLY | O_TRUNC);
  CHECK(fd >= 0, "open O_TRUNC");
  CHECK(write(fd, "short", 5) == 5, "write");
  close(fd);
  CHECK(read_file("t_trunc", buf, sizeof(buf)) == 5, "size after O_TRUNC");
  CHECK(strcmp(buf, "short") == 0, "content '%s'", buf);
  unlink("t_trunc");
}

TEST(fs_unlink_open_file)
{
  char buf[32];
  int fd;

  write_file("t_unl", "still here");
  fd = open("t_unl", O_RDONLY);
  CHECK(fd >= 0, "open");
  CHECK(unlink("t_unl") == 0, "unlink");
  CHECK(open("t_unl", O_RDONLY) == -1, "name still present after unlink");
  memset(buf, 0, sizeof(buf));
  CHECK(read(fd, buf, sizeof(buf)) == 10, "read from unlinked file");
  CHECK(strcmp(buf, "still here") == 0, "content '%s'", buf);
  close(fd);
}

TEST(fs_links)
{
  struct stat st;
  char buf[16];

  unlink("t_lnb");
  write_file("t_lna", "linked");
  CHECK(link("t_lna", "t_lnb") == 0, "link");
  CHECK(stat("t_lna", &st) == 0 && st.nlink == 2, "nlink %d after link", st.nlink);
  CHECK(link("t_lna", "t_lnb") == -1, "link onto an existing name");
  CHECK(link("t_nosuch", "t_lnc") == -1, "link of a missing file");
  CHECK(link("/", "t_lnd") == -1, "link of a directory");
  CHECK(unlink("t_lna") == 0, "unlink original");
  CHECK(read_file("t_lnb", buf, sizeof(buf)) == 6, "read via link");
  CHECK(strcmp(buf, "linked") == 0, "content via link '%s'", buf);
  CHECK(stat("t_lnb", &st) == 0 && st.nlink == 1, "nlink %d after unlink", st.nlink);
  unlink("t_lnb");
}

TEST(fs_dirs)
{
  struct stat st;
  char buf[16];

  unlink("t_dir/sub/f");
  unlink("t_dir/sub");
  unlink("t_dir");
  CHECK(mkdir("t_dir") == 0, "mkdir t_dir");
  CHECK(mkdir("t_dir") == -1, "mkdir of an existing name");
  CHECK(mkdir("t_dir/sub") == 0, "mkdir t_dir/sub");
  CHECK(stat("t_dir/sub", &st) == 0 && st.type == T_DIR, "sub not a dir");
  CHECK(chdir("t_dir/sub") == 0, "chdir t_dir/sub");
  write_file("f", "in sub");
  CHECK(chdir("..") == 0, "chdir ..");
  CHECK(read_file("sub/f", buf, sizeof(buf)) == 6, "sub/f via parent");
  CHECK(read_file("sub/../sub/./f", buf, sizeof(buf)) == 6, "path with .. and .");
  CHECK(chdir("../t_dir/sub/../..") == 0, "chdir back to start");
  CHECK(read_file("t_dir/sub/f", buf, sizeof(buf)) == 6, "cwd not restored");
  CHECK(chdir("t_dir/sub/f") == -1, "chdir into a file");
  CHECK(chdir("t_nodir") == -1, "chdir to a missing dir");
  CHECK(unlink("t_dir/sub") == -1, "unlink of a non-empty dir");
  CHECK(unlink("t_dir/sub/.") == -1, "unlink of .");
  CHECK(unlink("t_dir/sub/..") == -1, "unlink of ..");
  CHECK(unlink("t_dir/sub/f") == 0, "unlink sub/f");
  CHECK(unlink("t_dir/sub") == 0, "unlink empty sub");
  CHECK(unlink("t_dir") == 0, "unlink t_dir");
  CHECK(stat("t_dir", &st) == -1, "t_dir still there");
}

// Several processes create, write, check and remove files at once, both
// under private names and under one shared name.
TEST(fs_concurrent_create)
{
  int nchild = 4, rounds = 12;

  for (int c = 0; c < nchild; c++) {
    if (xfork() == 0) {
      char name[16], buf[16], want[16];
      for (int r = 0; r < rounds; r++) {
        snprintf(name, sizeof(name), "t_cc%d_%d", c, r);
        snprintf(want, sizeof(want), "%d:%d", c, r);
        write_file(name, want);
        CHECK(read_file(name, buf, sizeof(buf)) >= 0, "reopen %s", name);
        CHECK(strcmp(buf, want) == 0, "%s holds '%s'", name, buf);
        CHECK(unlink(name) == 0, "unlink %s", name);
        int fd = open("t_ccshared", O_CREATE | O_RDWR);
        CHECK(fd >= 0, "open shared file");
        close(fd);
        unlink("t_ccshared");  // may race with another child: either is fine
      }
      exit(0);
    }
  }
  for (int c = 0; c < nchild; c++)
    CHECK(xwait(0) == 0, "child status");
  unlink("t_ccshared");
}

TEST(fs_dup_shares_offset)
{
  char buf[8];
  int fd, fd2;

  write_file("t_dup", "abcdef");
  fd = open("t_dup", O_RDONLY);
  CHECK(fd >= 0, "open");
  fd2 = dup(fd);
  CHECK(fd2 >= 0 && fd2 != fd, "dup");
  CHECK(read(fd, buf, 2) == 2, "read 1");
  CHECK(read(fd2, buf, 2) == 2 && buf[0] == 'c', "dup does not share offset");
  close(fd);
  CHECK(read(fd2, buf, 2) == 2 && buf[0] == 'e', "dup closed with original");
  close(fd2);
  CHECK(dup(fd2) == -1, "dup of a closed fd");
  unlink("t_dup");
}

// The largest file (MAXFILE blocks, about 64 MiB) fits on the disk (FSSIZE
// blocks) with room to spare; writing it takes minutes under emulation, so
// it is `make bigfile` (user/progs/bigfile.c). fs_big_file above reaches
// the double-indirect blocks; a full disk is smalldisk_full_mid_write.

// The image holds /README, plain text made from README.md (xv6 programs
// and users open it first: `cat README`).
TEST(fs_readme_file)
{
  static char buf[2048];
  int n = read_file("/README", buf, sizeof(buf));

  CHECK(n > 100, "read %d bytes of /README", n);
  CHECK(strncmp(buf, "Lazuli\n", 7) == 0, "/README does not start with the title");
  CHECK(contains(buf, "make test"), "/README lacks the two commands");
  CHECK(!contains(buf, "```") && !contains(buf, "## "), "/README still holds Markdown");
}
