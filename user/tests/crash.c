// The crash test's checker (user/progs/crashwork.c) must accept the state
// its own workload leaves and reject any other: run a short workload, check
// it, then damage one file and check again. The crashes themselves are
// tools/crashtest's (host side: QEMU is killed).
#include "harness.h"

static const char *cw_files[] = {"/cw/d0/s/f0", "/cw/d0/s/f1", "/cw/d0/f0",  "/cw/d0/f1",
                                 "/cw/d0/f2",   "/cw/d1/f0",   "/cw/d1/f1",  "/cw/f0",
                                 "/cw/f1",      "/cw/f2",      "/cw/f3",     "/cw/f4",
                                 "/cw/f5",      "/cw/big",     "/cw/journal"};
static const char *cw_dirs[] = {"/cw/d0/s", "/cw/d0", "/cw/d1", "/cw"};

static void
cw_remove(void)
{
  for (int i = 0; i < (int)(sizeof(cw_files) / sizeof(cw_files[0])); i++)
    unlink(cw_files[i]);
  for (int i = 0; i < (int)(sizeof(cw_dirs) / sizeof(cw_dirs[0])); i++)
    unlink(cw_dirs[i]);
}

static int
crashwork(char *mode, char *nops)
{
  char *argv[] = {"crashwork", mode, "7", nops, 0};
  return run_to_file("/crashwork", argv, "t_cwout");
}

TEST(crashwork_checker_detects_damage)
{
  char out[256];
  struct stat st;

  cw_remove();
  CHECK(crashwork("run", "60") == 0, "workload failed");
  CHECK(crashwork("check", 0) == 0, "checker rejects an intact state");
  read_file("t_cwout", out, sizeof(out));
  CHECK(contains(out, "60 operations committed; files match"), "checker said: %s", out);

  // Damage one byte of the first non-empty file: the checker must notice.
  int damaged = 0;
  for (int i = 0; i < 14 && !damaged; i++) {
    if (stat(cw_files[i], &st) < 0 || st.size == 0)
      continue;
    int fd = open(cw_files[i], O_RDWR);
    char c;
    CHECK(fd >= 0 && read(fd, &c, 1) == 1, "read %s", cw_files[i]);
    close(fd);
    fd = open(cw_files[i], O_RDWR);
    c ^= 0x40;
    CHECK(write(fd, &c, 1) == 1, "damage %s", cw_files[i]);
    close(fd);
    damaged = 1;
  }
  CHECK(damaged, "the workload left no file with data");
  CHECK(crashwork("check", 0) == 1, "checker accepted a damaged file");
  read_file("t_cwout", out, sizeof(out));
  CHECK(contains(out, "CORRUPT"), "checker said: %s", out);
  cw_remove();
  unlink("t_cwout");
  CHECK(stat("/cw", &st) == -1, "/cw left behind");
}
