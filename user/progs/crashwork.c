// crashwork: workload and checker of the crash test (tools/crashtest).
//   crashwork run SEED [NOPS [K]]  seeded write-heavy workload under /cw;
//                              after each operation, one record in
//                              /cw/journal; K > 0: at the first append from
//                              operation K on, the kernel stops the machine
//                              right after that write's first commit point
//                              (VMCTL_FS_CRASH): after the log is replayed
//                              the append must be there, at least in part
//   crashwork check SEED       after a crash and reboot: replay the same
//                              operations on a model, up to the journal's
//                              count, and compare every file byte by byte
// Operations: create, append, overwrite, truncate, link, unlink, mkdir,
// rmdir, a file grown through the double-indirect blocks, and files
// unlinked while open (left open at the crash: orphans). One process, so
// each system call has committed when it returns; the journal record of
// operation n is written after it returns. After a crash the files must
// equal the model after N journaled operations, or after N+1 (operation N
// finished, record lost), or, if operation N was a write, the model with
// a prefix of that write applied (a write commits in chunks).
#include "user.h"

#define NDIR 3
static const char *dirs[NDIR] = {"/cw/d0", "/cw/d1", "/cw/d0/s"};
static const int dir_parent[NDIR] = {-1, -1, 0};  // -1: /cw

#define NPATH 14
#define BIG (NPATH - 1)  // grows past the single-indirect blocks
static const char *paths[NPATH] = {
    "/cw/f0",    "/cw/f1",    "/cw/f2",    "/cw/f3",    "/cw/f4",      "/cw/f5",      "/cw/d0/f0",
    "/cw/d0/f1", "/cw/d0/f2", "/cw/d1/f0", "/cw/d1/f1", "/cw/d0/s/f0", "/cw/d0/s/f1", "/cw/big"};
static const int path_dir[NPATH] = {-1, -1, -1, -1, -1, -1, 0, 0, 0, 1, 1, 2, 2, -1};

#define SMALL_MAX (40 * 1024)
#define BIG_MAX (720 * 1024)  // > (11 + 256) KiB: double-indirect
#define NINO 40
#define NHELD 4

// The model: inodes with contents, names pointing at them.
struct mino {
  int used;  // allocated (named, or open after its last unlink)
  int nlink;
  uint size, cap;
  uchar *data;
};
static struct mino ino[NINO];
static int name_ino[NPATH];  // -1: absent
static int dir_ok[NDIR];
static int held_ino[NHELD];  // -1: free; an fd kept on an unlinked file
static int held_fd[NHELD];   // run mode only

static int running;  // 1: run mode (do the calls); 0: check mode (model only)
static uint64 rnd_state;

enum {
  OP_CREATE,
  OP_APPEND,
  OP_OVERWRITE,
  OP_TRUNC,
  OP_LINK,
  OP_UNLINK,
  OP_MKDIR,
  OP_RMDIR,
  OP_ORPHAN,
  OP_HELDWRITE,
  OP_CLOSE,
  OP_BIG,
  NOPKIND
};
static const char *opname[NOPKIND] = {"create", "append",    "overwrite", "truncate",
                                      "link",   "unlink",    "mkdir",     "rmdir",
                                      "orphan", "heldwrite", "close",     "big"};
static const int weight[NOPKIND] = {12, 18, 10, 5, 8, 9, 6, 5, 8, 4, 2, 10};

// What the last operation was, for the partial-write check.
static struct {
  int kind, path;
  uint off, len;
} last;

static uchar *iobuf;  // one write's bytes (at most 64 KiB)
#define IOMAX (64 * 1024)

static void
die(const char *what, int n)
{
  printf("crashwork: FAIL %s (op %d)\n", what, n);
  exit(1);
}

static uint
rnd(uint n)
{
  rnd_state = rnd_state * 6364136223846793005ULL + 1442695040888963407ULL;
  return (uint)(rnd_state >> 33) % n;
}

// Byte k of the data operation n writes.
static uchar
pattern(int n, uint k)
{
  return (uchar)(n * 37 + k * 11 + (k >> 9));
}

static int
dir_exists(int d)
{
  return d < 0 || dir_ok[d];
}

static int
ino_alloc(void)
{
  for (int i = 0; i < NINO; i++)
    if (!ino[i].used) {
      ino[i].used = 1;
      ino[i].nlink = 1;
      ino[i].size = 0;
      return i;
    }
  die("model out of inodes", -1);
  return -1;
}

static void
ino_unref(int i)
{
  if (--ino[i].nlink > 0)
    return;
  for (int h = 0; h < NHELD; h++)
    if (held_ino[h] == i)
      return;  // still open: freed at close
  free(ino[i].data);
  ino[i].data = 0;
  ino[i].cap = ino[i].size = 0;
  ino[i].used = 0;
}

static void
ino_write(int i, uint off, const uchar *src, uint len)
{
  struct mino *m = &ino[i];
  if (off + len > m->cap) {
    uint cap = off + len + 4096;
    uchar *d = malloc(cap);
    if (d == 0)
      die("model out of memory", -1);
    if (m->data) {
      memmove(d, m->data, m->size);
      free(m->data);
    }
    m->data = d;
    m->cap = cap;
  }
  memmove(m->data + off, src, len);
  if (off + len > m->size)
    m->size = off + len;
}

// Run mode: open path and read to offset off (xv6 has no lseek).
static int
open_at(const char *path, uint off)
{
  static char skip[4096];
  int fd = open(path, O_RDWR);
  uint done = 0;
  if (fd < 0)
    return -1;
  while (done < off) {
    int r = read(fd, skip, off - done > sizeof(skip) ? sizeof(skip) : off - done);
    if (r <= 0) {
      close(fd);
      return -1;
    }
    done += r;
  }
  return fd;
}

// Write len pattern bytes of op n at off of path (which exists).
static void
do_write(int n, int p, uint off, uint len)
{
  for (uint k = 0; k < len; k++)
    iobuf[k] = pattern(n, k);
  last.off = off;
  last.len = len;
  if (running) {
    int fd = open_at(paths[p], off);
    if (fd < 0)
      die("open for write", n);
    if (write(fd, iobuf, len) != (int)len)
      die("short write", n);
    close(fd);
  }
  ino_write(name_ino[p], off, iobuf, len);
}

// Run mode: the call's result must be what the model predicts.
static void
expect(int got, int ok, int n)
{
  if (running && (got >= 0) != ok) {
    printf("crashwork: op %d (%s %s): returned %d, model says %s\n", n, opname[last.kind],
           paths[last.path < 0 ? 0 : last.path], got, ok ? "success" : "failure");
    exit(1);
  }
}

static int
pick_kind(void)
{
  int total = 0, r;
  for (int k = 0; k < NOPKIND; k++)
    total += weight[k];
  r = rnd(total);
  for (int k = 0; k < NOPKIND; k++) {
    if (r < weight[k])
      return k;
    r -= weight[k];
  }
  return 0;
}

static int
dir_empty(int d)
{
  for (int p = 0; p < NPATH; p++)
    if (path_dir[p] == d && name_ino[p] >= 0)
      return 0;
  for (int e = 0; e < NDIR; e++)
    if (dir_parent[e] == d && dir_ok[e])
      return 0;
  return 1;
}

static void
op_create(int n, int p, int trunc)
{
  int ok = dir_exists(path_dir[p]);
  int r = running ? open(paths[p], O_CREATE | O_RDWR | (trunc ? O_TRUNC : 0)) : 0;
  expect(r, ok, n);
  if (running && r >= 0)
    close(r);
  if (!ok)
    return;
  if (name_ino[p] < 0)
    name_ino[p] = ino_alloc();
  else if (trunc)
    ino[name_ino[p]].size = 0;
}

static void
op_link(int n, int p)
{
  int q = rnd(NPATH - 1);
  int ok = name_ino[p] >= 0 && name_ino[q] < 0 && dir_exists(path_dir[q]);
  expect(running ? link(paths[p], paths[q]) : 0, ok, n);
  if (ok) {
    name_ino[q] = name_ino[p];
    ino[name_ino[p]].nlink++;
  }
}

static void
op_unlink(int n, int p)
{
  int ok = name_ino[p] >= 0;
  expect(running ? unlink(paths[p]) : 0, ok, n);
  if (ok) {
    int i = name_ino[p];
    name_ino[p] = -1;
    ino_unref(i);
  }
}

static void
op_held_close(int h)
{
  int i = held_ino[h];
  if (running)
    close(held_fd[h]);
  held_ino[h] = -1;
  if (ino[i].nlink == 0) {
    ino[i].nlink = 1;  // let ino_unref free it
    ino_unref(i);
  }
}

// Open p, unlink it while open, write through the descriptor: the file
// lives on with no name until closed (or the machine stops).
static void
op_orphan(int n, int p)
{
  int h, i = name_ino[p];
  if (i < 0 || ino[i].nlink != 1)
    return;  // only sole names: writes to the open file stay invisible
  for (h = 0; h < NHELD && held_ino[h] >= 0; h++)
    ;
  if (h == NHELD)
    op_held_close(h = 0);
  int fd = running ? open(paths[p], O_RDWR) : 0;
  expect(fd, 1, n);
  held_fd[h] = fd;
  held_ino[h] = i;
  op_unlink(n, p);
  if (running && write(fd, "orphan data", 11) != 11)
    die("write to unlinked file", n);
}

// One operation, numbered n, chosen from the seed and the model state.
static void
one_op(int n)
{
  int kind = pick_kind(), p = rnd(NPATH - 1), d = rnd(NDIR);
  last.kind = kind;
  last.path = p;
  last.len = 0;
  switch (kind) {
  case OP_CREATE:
  case OP_TRUNC: op_create(n, p, kind == OP_TRUNC); break;
  case OP_APPEND:
  case OP_OVERWRITE:
    if (name_ino[p] < 0)
      break;
    if (ino[name_ino[p]].size > SMALL_MAX) {
      last.kind = OP_TRUNC;
      op_create(n, p, 1);
      break;
    }
    uint size = ino[name_ino[p]].size;
    uint off = kind == OP_APPEND ? size : rnd(size + 1);
    do_write(n, p, off, 1 + rnd(kind == OP_APPEND ? 6000 : 4000));
    break;
  case OP_LINK: op_link(n, p); break;
  case OP_UNLINK: op_unlink(n, p); break;
  case OP_MKDIR: {
    int ok = dir_exists(dir_parent[d]) && !dir_ok[d];
    last.path = -1;
    expect(running ? mkdir(dirs[d]) : 0, ok, n);
    dir_ok[d] |= ok;
    break;
  }
  case OP_RMDIR: {
    int ok = dir_ok[d] && dir_empty(d);
    last.path = -1;
    expect(running ? unlink(dirs[d]) : 0, ok, n);
    if (ok)
      dir_ok[d] = 0;
    break;
  }
  case OP_ORPHAN: op_orphan(n, p); break;
  case OP_HELDWRITE:
    for (int h = 0; h < NHELD; h++)
      if (held_ino[h] >= 0 && running && write(held_fd[h], iobuf, 512) != 512)
        die("write to unlinked file", n);
    break;
  case OP_CLOSE:
    for (int h = 0; h < NHELD; h++)
      if (held_ino[h] >= 0) {
        op_held_close(h);
        break;
      }
    break;
  case OP_BIG:
    last.path = p = BIG;
    if (name_ino[BIG] < 0 || ino[name_ino[BIG]].size > BIG_MAX) {
      last.kind = OP_TRUNC;
      op_create(n, BIG, 1);
      break;
    }
    do_write(n, BIG, ino[name_ino[BIG]].size, 8192 + rnd(IOMAX - 8192));
    break;
  }
}

static void
model_init(uint64 seed)
{
  rnd_state = seed;
  for (int p = 0; p < NPATH; p++)
    name_ino[p] = -1;
  for (int h = 0; h < NHELD; h++)
    held_ino[h] = -1;
  iobuf = malloc(IOMAX);
}

// ---- check mode ----

static uchar *fbuf;  // one file's contents as read back
#define FBUF_MAX (BIG_MAX + IOMAX + 4096)

static int
read_all(const char *path, uint max)
{
  int fd = open(path, O_RDONLY), r;
  uint n = 0;
  if (fd < 0)
    return -1;
  while (n < max && (r = read(fd, fbuf + n, max - n > IOMAX ? IOMAX : max - n)) > 0)
    n += r;
  close(fd);
  return n;
}

// Does the file system match the model? why: the first difference.
// partial: for last.path, also accept `before` with a prefix of the
// last write applied (before: that file's contents before it).
static int
matches(char *why, int max, const uchar *before, uint before_size, int partial)
{
  struct stat st, st2;
  for (int d = 0; d < NDIR; d++) {
    int there = stat(dirs[d], &st) == 0 && st.type == T_DIR;
    if (there != dir_ok[d]) {
      snprintf(why, max, "%s %s", dirs[d], dir_ok[d] ? "missing" : "should not exist");
      return 0;
    }
  }
  for (int p = 0; p < NPATH; p++) {
    int i = name_ino[p];
    int there = stat(paths[p], &st) == 0;
    if (there != (i >= 0)) {
      snprintf(why, max, "%s %s", paths[p], i >= 0 ? "missing" : "should not exist");
      return 0;
    }
    if (i < 0)
      continue;
    if (st.type != T_FILE || st.nlink != ino[i].nlink) {
      snprintf(why, max, "%s: type %d nlink %d, model nlink %d", paths[p], st.type, st.nlink,
               ino[i].nlink);
      return 0;
    }
    for (int q = 0; q < p; q++)
      if (name_ino[q] == i && (stat(paths[q], &st2) < 0 || st2.ino != st.ino)) {
        snprintf(why, max, "%s and %s are not one file", paths[p], paths[q]);
        return 0;
      }
    int n = read_all(paths[p], FBUF_MAX);
    if (partial && name_ino[p] == name_ino[last.path]) {
      // A prefix [off, cut) of the last write reached the disk.
      uint cut = last.off;
      while (cut < (uint)n && cut < last.off + last.len && fbuf[cut] == ino[i].data[cut])
        cut++;
      uint want = cut > before_size ? cut : before_size;
      if ((uint)n != want || memcmp(fbuf, ino[i].data, cut) != 0 ||
          memcmp(fbuf + cut, before + cut, n - cut) != 0) {
        snprintf(why, max, "%s: %d bytes, not a prefix of the last write", paths[p], n);
        return 0;
      }
      continue;
    }
    if ((uint)n != ino[i].size || (n > 0 && memcmp(fbuf, ino[i].data, n) != 0)) {
      uint k = 0;
      while (k < (uint)n && k < ino[i].size && fbuf[k] == ino[i].data[k])
        k++;
      snprintf(why, max, "%s: %d bytes, model %d, first difference at %d", paths[p], n, ino[i].size,
               k);
      return 0;
    }
  }
  return 1;
}

static int
check(uint64 seed)
{
  char why[160], why2[160];
  fbuf = malloc(FBUF_MAX);
  int jn = read_all("/cw/journal", FBUF_MAX);
  int njournal = jn < 0 ? 0 : jn / 4;
  if (jn > 0 && jn % 4 != 0) {
    printf("crashwork: CORRUPT journal of %d bytes\n", jn);
    return 1;
  }
  uint *rec = (uint *)fbuf;
  for (int k = 0; k < njournal; k++)
    if (rec[k] != (uint)k) {
      printf("crashwork: CORRUPT journal record %d holds %d\n", k, rec[k]);
      return 1;
    }
  running = 0;
  model_init(seed);
  for (int n = 0; n < njournal; n++)
    one_op(n);
  if (matches(why, sizeof(why), 0, 0, 0)) {
    printf("crashwork: check: %d operations committed; files match (last one not begun)\n",
           njournal);
    return 0;
  }
  // Operation N may have finished (or partly written) before its record.
  uchar *before = 0;
  uint before_size = 0;
  uint64 saved = rnd_state;
  int kind = pick_kind(), p = rnd(NPATH - 1);
  rnd_state = saved;
  if ((kind == OP_APPEND || kind == OP_OVERWRITE || kind == OP_BIG) &&
      name_ino[kind == OP_BIG ? BIG : p] >= 0) {
    struct mino *m = &ino[name_ino[kind == OP_BIG ? BIG : p]];
    before_size = m->size;
    before = malloc(m->size + 1);
    memmove(before, m->data, m->size);
  }
  one_op(njournal);
  if (matches(why2, sizeof(why2), 0, 0, 0)) {
    printf("crashwork: check: %d operations committed; files match (op %d done, unrecorded)\n",
           njournal, njournal);
    return 0;
  }
  if (before && last.len > 0 && matches(why2, sizeof(why2), before, before_size, 1)) {
    printf("crashwork: check: %d operations committed; files match (op %d %s partly written)\n",
           njournal, njournal, opname[last.kind]);
    return 0;
  }
  printf("crashwork: CORRUPT after %d operations: %s; with op %d (%s): %s\n", njournal, why,
         njournal, opname[kind], why2);
  return 1;
}

// Before the timed part: a file unlinked while open, held until the
// machine stops, so every crash leaves an orphan for the boot to reclaim.
static void
hold_orphan(void)
{
  int fd = open("/cw/orphan", O_CREATE | O_RDWR);
  if (fd < 0)
    die("create /cw/orphan", -1);
  for (int k = 0; k < 3 * 4096; k++)
    iobuf[k] = pattern(-1, k);
  if (write(fd, iobuf, 3 * 4096) != 3 * 4096 || unlink("/cw/orphan") < 0)
    die("orphan setup", -1);
}

// Will the next operation append to an existing file (a change that must
// survive once its first transaction has committed)?
static int
next_is_append(void)
{
  uint64 saved = rnd_state;
  int kind = pick_kind(), p = rnd(NPATH - 1);
  rnd_state = saved;
  if (kind == OP_BIG)
    return name_ino[BIG] >= 0 && ino[name_ino[BIG]].size <= BIG_MAX;
  return kind == OP_APPEND && name_ino[p] >= 0 && ino[name_ino[p]].size <= SMALL_MAX;
}

static int
run(uint64 seed, int nops, int crash_commit)
{
  running = 1;
  model_init(seed);
  if (mkdir("/cw") < 0) {
    printf("crashwork: /cw exists: run needs a fresh image\n");
    return 1;
  }
  int jfd = open("/cw/journal", O_CREATE | O_WRONLY);
  if (jfd < 0)
    die("create journal", -1);
  hold_orphan();
  printf("crashwork: running seed %d\n", (int)seed);
  for (int n = 0; n < nops; n++) {
    if (crash_commit > 0 && n >= crash_commit && next_is_append()) {
      printf("crashwork: crash armed before op %d\n", n);
      if (vmctl(VMCTL_FS_CRASH, 1) < 0)
        die("vmctl VMCTL_FS_CRASH", n);
      crash_commit = 0;
    }
    one_op(n);
    uint rec = n;
    if (write(jfd, &rec, 4) != 4)
      die("journal write", n);
  }
  printf("crashwork: %d operations done\n", nops);
  return 0;
}

int
main(int argc, char *argv[])
{
  if (argc < 3) {
    fprintf(2, "usage: crashwork run|check SEED [NOPS]\n");
    return 2;
  }
  uint64 seed = atoi(argv[2]);
  if (strcmp(argv[1], "run") == 0)
    return run(seed, argc > 3 ? atoi(argv[3]) : 1000000, argc > 4 ? atoi(argv[4]) : 0);
  if (strcmp(argv[1], "check") == 0)
    return check(seed);
  fprintf(2, "crashwork: unknown mode %s\n", argv[1]);
  return 2;
}
