// Removed ("dead") directories: a directory unlinked while a process stands
// in it, or while it is open, must refuse new entries, show no "." or "..",
// never lead to a freed inode, and be freed once, at its last reference.
// (Issue 10 item 1: this used to panic with "ilock: inode has no type".)
#include "harness.h"

// Every call that would add an entry to, or walk up from, the current
// (removed) directory must fail; absolute paths keep working.
static void
check_dead_cwd(void)
{
  struct stat st;
  int fd;

  CHECK(open("f", O_CREATE | O_RDWR) == -1, "create in a removed directory");
  CHECK(mkdir("sub") == -1, "mkdir in a removed directory");
  CHECK(mknod("nod", 1, 0) == -1, "mknod in a removed directory");
  CHECK(link("/t_ddkeep", "lnk") == -1, "link into a removed directory");
  CHECK(open(".", O_RDONLY) == -1, "'.' still names a removed directory");
  CHECK(open("..", O_RDONLY) == -1, "'..' still names a parent");
  CHECK(chdir("..") == -1, "chdir .. from a removed directory");
  CHECK(stat("../t_ddkeep", &st) == -1, "path through '..' of a removed directory");
  CHECK(unlink(".") == -1 && unlink("..") == -1, "unlink . or ..");
  fd = open("/t_ddkeep", O_RDONLY);
  CHECK(fd >= 0, "absolute path from a removed directory");
  close(fd);
}

// The first repro: mkdir d; chdir d; unlink ../d from inside.
TEST(deaddir_unlink_own_cwd)
{
  struct stat st;

  write_file("/t_ddkeep", "keep");
  unlink("/t_dd/x");
  unlink("/t_dd");
  CHECK(mkdir("/t_dd") == 0, "mkdir");
  CHECK(chdir("/t_dd") == 0, "chdir");
  CHECK(unlink("../t_dd") == 0, "unlink of the (empty) cwd");
  CHECK(stat("/t_dd", &st) == -1, "name still there");
  check_dead_cwd();
  CHECK(chdir("/") == 0, "chdir / out of a removed directory");
  CHECK(mkdir("/t_dd") == 0, "the name is free again");
  CHECK(unlink("/t_dd") == 0, "unlink the new one");
  unlink("/t_ddkeep");
}

// A directory removed by another process while a child stands in it.
TEST(deaddir_unlink_by_other)
{
  int go[2], done[2];
  char c;

  write_file("/t_ddkeep", "keep");
  unlink("/t_ddo");
  CHECK(mkdir("/t_ddo") == 0, "mkdir");
  CHECK(pipe(go) == 0 && pipe(done) == 0, "pipe");
  int pid = xfork();
  if (pid == 0) {
    CHECK(chdir("/t_ddo") == 0, "child chdir");
    write(done[1], "r", 1);
    CHECK(read(go[0], &c, 1) == 1, "child wait");
    check_dead_cwd();
    exit(0);
  }
  CHECK(read(done[0], &c, 1) == 1, "child ready");
  CHECK(unlink("/t_ddo") == 0, "unlink a directory another process stands in");
  write(go[1], "g", 1);
  CHECK(xwait(0) == 0, "child saw a live directory");
  close(go[0]), close(go[1]), close(done[0]), close(done[1]);
  unlink("/t_ddkeep");
}

// The panic: a process in a/b; b removed, then a removed and
// freed. ".." from b must not reach a's freed (or reused) inode.
TEST(deaddir_parent_freed)
{
  struct stat st, stf;

  write_file("/t_ddkeep", "keep");
  CHECK(mkdir("/t_dda") == 0 && mkdir("/t_dda/b") == 0, "mkdir");
  CHECK(chdir("/t_dda/b") == 0, "chdir");
  CHECK(unlink("/t_dda") == -1, "unlink of a non-empty ancestor");
  CHECK(unlink("..") == -1, "unlink ..");
  CHECK(stat("..", &st) == 0 && st.nlink == 2, "a has nlink %d before", st.nlink);
  CHECK(unlink("../b") == 0, "unlink cwd");
  CHECK(stat("/t_dda", &st) == 0 && st.nlink == 1, "a has nlink %d after", st.nlink);
  CHECK(unlink("/t_dda") == 0, "unlink a, now empty");
  // a is free now; new files may take its inode (and block).
  for (int i = 0; i < 4; i++) {
    char name[16];
    snprintf(name, sizeof(name), "/t_ddr%d", i);
    write_file(name, "reuse");
    CHECK(stat(name, &stf) == 0, "stat %s", name);
  }
  check_dead_cwd();
  CHECK(chdir("/") == 0, "chdir /");
  for (int i = 0; i < 4; i++) {
    char name[16];
    snprintf(name, sizeof(name), "/t_ddr%d", i);
    CHECK(unlink(name) == 0, "unlink %s", name);
  }
  unlink("/t_ddkeep");
}

// A removed directory's inode stays allocated while a process is in it,
// and is freed (its number handed out again) at the last reference.
TEST(deaddir_freed_at_last_ref)
{
  struct stat st;
  int go[2], done[2], nf = 0;
  char c, name[16];

  unlink("/t_ddl");
  CHECK(mkdir("/t_ddl") == 0, "mkdir");
  CHECK(stat("/t_ddl", &st) == 0, "stat");
  uint dino = st.ino;
  CHECK(pipe(go) == 0 && pipe(done) == 0, "pipe");
  if (xfork() == 0) {
    CHECK(chdir("/t_ddl") == 0, "chdir");
    write(done[1], "r", 1);
    read(go[0], &c, 1);
    exit(0);
  }
  CHECK(read(done[0], &c, 1) == 1, "child ready");
  CHECK(unlink("/t_ddl") == 0, "unlink");
  // While the child is inside, no new file may get the directory's inode.
  for (int i = 0; i < 12; i++) {
    snprintf(name, sizeof(name), "/t_ddf%d", i);
    write_file(name, "x");
    CHECK(stat(name, &st) == 0 && st.ino != dino, "%s got the live directory's inode", name);
  }
  write(go[1], "g", 1);
  CHECK(xwait(0) == 0, "child");
  // Now it is free: the lowest free inode is handed out first, so some
  // new file at or above its number must get exactly it.
  int got = 0;
  for (int i = 12; i < 12 + 64 && !got; i++) {
    snprintf(name, sizeof(name), "/t_ddf%d", i);
    write_file(name, "x");
    CHECK(stat(name, &st) == 0, "stat %s", name);
    CHECK(st.ino <= dino, "inode %d skipped: directory inode %d never freed", st.ino, dino);
    got = st.ino == dino;
    nf = i + 1;
  }
  CHECK(got, "directory inode %d not reused", dino);
  for (int i = 0; i < nf; i++) {
    snprintf(name, sizeof(name), "/t_ddf%d", i);
    CHECK(unlink(name) == 0, "unlink %s", name);
  }
  close(go[0]), close(go[1]), close(done[0]), close(done[1]);
}

// ---- a seeded random sequence of the operations of the issue ----

#define RND_OPS 600
static uint64 rnd_state;

static uint
rnd(uint n)
{
  rnd_state = rnd_state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (uint)(rnd_state >> 33) % n;
}

// A random relative path of 1-3 elements over a tiny name space.
static void
rnd_path(char *buf, int max)
{
  static const char *elems[] = {"ra", "rb", "..", "."};
  int n = 1 + rnd(3), len = 0;
  buf[0] = 0;
  for (int i = 0; i < n; i++) {
    const char *e = elems[i == n - 1 ? rnd(2) : rnd(4)];
    len += snprintf(buf + len, max - len, "%s%s", i ? "/" : "", e);
  }
}

static void
rnd_worker(void *arg)
{
  char p[64], q[64];
  int fd;

  rnd_state = (uint64)arg;
  CHECK(chdir("/t_rnd") == 0, "chdir /t_rnd");
  for (int i = 0; i < RND_OPS; i++) {
    rnd_path(p, sizeof(p));
    switch (rnd(11)) {
    case 0:
    case 1: mkdir(p); break;
    case 2:
    case 3: unlink(p); break;
    case 8:
      if (chdir(p) < 0 && rnd(4) == 0)
        chdir("/t_rnd");
      break;
    case 4:
      if ((fd = open(p, O_CREATE | O_RDWR)) >= 0) {
        write(fd, p, strlen(p));
        close(fd);
      }
      break;
    case 5:
      rnd_path(q, sizeof(q));
      link(p, q);
      break;
    case 6:
      mknod(p, NDEV - 1, 0);  // no such device: opens fail
      break;
    case 7:
    case 9: chdir(".."); break;
    default:
      if ((fd = open(p, O_RDONLY)) >= 0)
        close(fd);
      break;
    }
  }
}

// Remove path and everything under it. Returns the number of entries
// that could not be removed.
static int
rm_tree(const char *path, int depth)
{
  struct stat st;
  struct dirent de;
  char sub[MAXPATH];
  int bad = 0;

  if (stat(path, &st) < 0)
    return 0;
  if (st.type == T_DIR && depth < 20) {
    int fd = open(path, O_RDONLY), nsub = 0;
    if (fd < 0)
      return 1;
    while (read(fd, &de, sizeof(de)) == sizeof(de)) {
      if (de.inum == 0 || strcmp(de.name, ".") == 0 || strcmp(de.name, "..") == 0)
        continue;
      char nm[DIRSIZ + 1];
      struct stat sst;
      memmove(nm, de.name, DIRSIZ);
      nm[DIRSIZ] = 0;
      snprintf(sub, sizeof(sub), "%s/%s", path, nm);
      nsub += stat(sub, &sst) == 0 && sst.type == T_DIR;
      bad += rm_tree(sub, depth + 1);
    }
    close(fd);
    // A directory is named by its entry and by each subdirectory's "..".
    CHECK(st.nlink == 1 + nsub, "%s: nlink %d with %d subdirectories", path, st.nlink, nsub);
  }
  return bad + (unlink(path) < 0);
}

// Several processes run random mkdir/unlink/chdir/create/link/mknod/".."
// on a tiny shared name space, standing in directories others remove.
// The kernel must not panic; afterwards the tree must be removable and
// every directory's link count right.
// The inode numbers the next n new files get (the lowest free ones):
// the same set before and after means no inode was lost in between.
static void
probe_inodes(uint *ino, int n)
{
  char name[16];
  struct stat st;

  for (int i = 0; i < n; i++) {
    snprintf(name, sizeof(name), "/t_probe%d", i);
    write_file(name, "p");
    CHECK(stat(name, &st) == 0, "stat %s", name);
    ino[i] = st.ino;
  }
  for (int i = 0; i < n; i++) {
    snprintf(name, sizeof(name), "/t_probe%d", i);
    CHECK(unlink(name) == 0, "unlink %s", name);
  }
}

#define NPROBE 48

TEST(deaddir_random_ops)
{
  int nworkers = 4;
  uint before[NPROBE], after[NPROBE];

  rm_tree("/t_rnd", 0);
  probe_inodes(before, NPROBE);
  CHECK(mkdir("/t_rnd") == 0, "mkdir /t_rnd");
  for (int w = 0; w < nworkers; w++) {
    if (xfork() == 0) {
      rnd_worker((void *)(uint64)(0x5eed0000 + w));
      exit(0);
    }
  }
  for (int w = 0; w < nworkers; w++)
    CHECK(xwait(0) == 0, "worker failed");
  static const char *top[] = {"/ra", "/rb", "/rc"};
  for (int i = 0; i < 3; i++)
    CHECK(rm_tree(top[i], 0) == 0, "cannot remove %s", top[i]);
  CHECK(rm_tree("/t_rnd", 0) == 0, "cannot remove the random tree");
  struct stat st;
  CHECK(stat("/t_rnd", &st) == -1, "tree still there");
  probe_inodes(after, NPROBE);
  for (int i = 0; i < NPROBE; i++)
    CHECK(before[i] == after[i], "inode %d lost (probe got %d)", before[i], after[i]);
}
