// fuzz: seeded random system calls with hostile arguments from several
// worker processes at once. Afterwards every child is reaped, every frame
// and page-table page is back, the file system works and no check failed;
// otherwise it exits 1. Not a proof: it finds what tests did not think of.
// Usage: fuzz [-s seed] [-n calls-per-worker] [-w workers] [-v 1: memory every 2 s]
#include "user.h"
#include "syscall.h"

#define MAXWORKERS 8
#define MAXKIDS 6
#define NPIPES 6
#define PIPECAP 2048  // kernel/fs/pipe.c PIPESIZE: a write of at most the free room never blocks
#define BIGFILE (256 * 1024)
// Memory stays small (4 workers with children fit in 128 MiB even when
// fork copies): the dynamic heap shrinks back past DYN_MAX, the kernel may
// write only the first LAZY_DST of lazy, mappings are touched in their
// first MAP_TOUCH bytes.
#define DYN_MAX (2 << 20)
#define LAZY_DST (1 << 20)
#define MAP_TOUCH (256 * 1024)
#define NELF 8  // broken copies of /true, made by main
#define MINU(a, b) ((a) < (b) ? (a) : (b))

// ---- heap areas, laid out by main before the workers fork ----
// cow_ro: filled by main, never a destination: must survive every call intact.
// scratch, cow_rw, lazy: destinations (overflowing reads land in the next
// area, never in the program's data or stack). lazy's pages are touched
// only by system calls, except its first MiB. base: the lowest break allowed.
#define COW_RO_PAGES 16
#define SCRATCH_BYTES (64 * 1024)
#define COW_RW_PAGES 16
#define LAZY_BYTES (64 << 20)
static char *cow_ro, *scratch, *cow_rw, *lazy;
static uint64 base;
static uint64 freed_lo, freed_hi;  // the last range sbrk gave back

// ---- per-process state (each worker has its own copy) ----
static uint64 rng;
static int me;  // worker number
static char path[2][160];

struct stats {
  uint64 calls, forks, execs, kills, badelf_execs, failures;
  char why[3][96];  // the first failures
};
static struct stats st;

enum { K_NONE, K_FILE, K_DIR, K_DEV, K_PIPER, K_PIPEW };
static struct {
  int kind;
  int pipe;
} fds[NOFILE];
static struct {
  int used, buffered;
} pipes[NPIPES];

enum { C_EXEC, C_SLEEP, C_LOOP, C_FUZZ, C_SEGV, C_EXIT, C_NKINDS };
static struct {
  int pid, kind;
} kids[MAXKIDS];
static int nkids, in_child, depth;
static int exec_what;  // what an exec child runs: chosen by the parent before it forks

// mmap: MAP_FIXED only inside this window (or at addresses that must be
// refused), munmap/mprotect only of our own mappings or the window, so that
// the program's own memory is never taken away.
#define PLAY_LO 0x2000000000UL
#define PLAY_HI 0x2040000000UL
#define NMAPS 8
static struct {
  uint64 va, len;  // len page-rounded; 0: free slot
  int prot;
  int known;  // 0 after a partial munmap/mprotect: no more touching
} maps[NMAPS];

static uint64
rnd(void)
{
  rng ^= rng >> 12;
  rng ^= rng << 25;
  rng ^= rng >> 27;
  return rng * 0x2545f4914f6cdd1dUL;
}

static uint64
below(uint64 n)
{
  return n ? rnd() % n : 0;
}

static int
chance(int percent)
{
  return below(100) < (uint64)percent;
}

static void
fail(const char *fmt, int a, int b)
{
  if (st.failures < 3)
    snprintf(st.why[st.failures], sizeof(st.why[0]), fmt, a, b);
  st.failures++;
}

// Every system call goes through here: raw registers, so "int" arguments
// can carry any 64-bit value.
static uint64
sc(uint64 num, uint64 a0, uint64 a1, uint64 a2, uint64 a3, uint64 a4, uint64 a5)
{
  register uint64 x0 asm("a0") = a0;
  register uint64 x1 asm("a1") = a1;
  register uint64 x2 asm("a2") = a2;
  register uint64 x3 asm("a3") = a3;
  register uint64 x4 asm("a4") = a4;
  register uint64 x5 asm("a5") = a5;
  register uint64 x7 asm("a7") = num;

  st.calls++;
  asm volatile("ecall"
               : "+r"(x0)
               : "r"(x1), "r"(x2), "r"(x3), "r"(x4), "r"(x5), "r"(x7)
               : "memory");
  return x0;
}
#define SC0(n) sc(n, 0, 0, 0, 0, 0, 0)
#define SC1(n, a) sc(n, (uint64)(a), 0, 0, 0, 0, 0)
#define SC2(n, a, b) sc(n, (uint64)(a), (uint64)(b), 0, 0, 0, 0)
#define SC3(n, a, b, c) sc(n, (uint64)(a), (uint64)(b), (uint64)(c), 0, 0, 0)

static uint64
brk_now(void)
{
  return SC2(SYS_sbrk, 0, 0);
}

// ---- hostile arguments ----

// An address no system call may use: kernel, MAXVA and beyond, page 0,
// holes, the stack guard, memory just given back, straddling the break.
static uint64
bad_ptr(void)
{
  uint64 brk = brk_now();

  switch (below(14)) {
  case 13: return rnd();
  case 0: return 0xffffffc080000000UL + below(1 << 20);  // kernel text/data
  case 1: return MAXVA - below(16);                      // straddles MAXVA
  case 2: return MAXVA + below(1UL << 30);
  case 3: return ~0UL - below(64);
  case 4: return below(PGSIZE);                                        // page 0
  case 5: return PGROUNDUP(brk) + below(64) * PGSIZE + below(PGSIZE);  // past the break
  case 6: return brk - below(8);                                       // straddles the break
  case 7: return PGROUNDUP(brk) + (1UL << 30) + below(1UL << 34);      // the hole
  case 8: return USTACKTOP - USTACKMAX - PGSIZE + below(PGSIZE);       // stack guard
  case 9: return USTACKTOP - below(8);                                 // straddles the top
  case 10:  // given back by sbrk, unless the heap has grown over it again
    if (freed_hi > freed_lo && freed_lo >= PGROUNDUP(brk))
      return freed_lo + below(freed_hi - freed_lo);
    return PGROUNDUP(brk) + below(PGSIZE);
  case 11: {  // inside one of our mappings (maybe read-only or PROT_NONE)
    int i = below(NMAPS);
    if (maps[i].len)
      return maps[i].va + below(MINU(maps[i].len, MAP_TOUCH));
    return rnd();
  }
  default: return 0x1000 + below(0x800);  // text: readable, never writable
  }
}

// An address whose touch must kill: bad_ptr without the ones that are only
// bad for a multi-byte range (just below the break or USTACKTOP).
static uint64
segv_ptr(void)
{
  for (;;) {
    uint64 brk = brk_now(), va = bad_ptr();
    int mapped = 0;
    for (int i = 0; i < NMAPS; i++)
      mapped |= maps[i].len && va >= maps[i].va && va < maps[i].va + maps[i].len;
    // just past the break may be an mmap the kernel placed there
    if (!mapped && !(va >= brk - 8 && va < PGROUNDUP(brk) + (1UL << 31)) &&
        !(va >= USTACKTOP - 8 && va < USTACKTOP))
      return va;
  }
}

// A place the kernel may legitimately write: scratch, the writable COW
// area, never-touched lazy pages, the dynamic heap. Overflow lands in the
// next area or fails at the break.
static uint64
good_dst(void)
{
  uint64 brk = brk_now();

  switch (below(5)) {
  case 0: return (uint64)scratch + below(SCRATCH_BYTES);
  case 1: return (uint64)cow_rw + below(COW_RW_PAGES * PGSIZE);
  case 2: return (uint64)lazy + below(LAZY_DST);  // lazy: first touch by the kernel
  case 3: return brk > base ? base + below(brk - base) : (uint64)scratch;
  default: return (uint64)scratch + below(64) * 8;
  }
}

static uint64
dst_ptr(void)
{
  return chance(65) ? good_dst() : bad_ptr();
}

// Any readable memory (or not): the sources of write(), paths, argv.
static uint64
src_ptr(void)
{
  switch (below(9)) {
  case 0: return (uint64)cow_ro + below(COW_RO_PAGES * PGSIZE);
  case 1: return (uint64)&st + below(sizeof(st));
  case 2: return (uint64)__builtin_frame_address(0) - below(512);  // the stack
  case 8: return (uint64)lazy + below(LAZY_BYTES);  // never-touched pages: the zero page
  case 3: return bad_ptr();
  case 4: return bad_ptr();
  default: return good_dst();
  }
}

// A byte count: small, page-sized, off by one, or hostile (negative, above
// any heap, over 32 bits). Never a mid-size count that could fill the disk.
static uint64
size_arg(void)
{
  switch (below(12)) {
  case 0: return 0;
  case 1: return 1;
  case 2: return below(64);
  case 3: return below(2 * PGSIZE);
  case 4: return PGSIZE - 1 + below(3);
  case 5: return 3 * PGSIZE + below(7);
  case 6: return 0x7fffffff;
  case 7: return (uint64)-1 - below(4096);
  case 8: return 0x80000000UL;
  case 9: return (1UL << 32) + below(64);  // an int of a small value
  case 10: return 0x10000000UL + below(1 << 28);
  default: return rnd();
  }
}

static int
rand_fd(void)
{
  switch (below(6)) {
  case 0: return -1 - below(3);
  case 1: return NOFILE + below(3);
  case 2: return below(1000000) + 100;
  default: return below(NOFILE);
  }
}

// ---- paths ----
static const char *names[] = {"a", "b", "c", "D", "E", "D/a", "D/E", "D/E/b", "E/c", "Z"};
#define NNAMES (int)(sizeof(names) / sizeof(names[0]))

// A path for a call that only looks (open read-only, stat, exec, chdir
// targets get their own list): anything, including .. and other workers.
static char *
look_path(int w)
{
  char *p = path[w];

  switch (below(12)) {
  case 0: strcpy(p, ".."); break;
  case 1: strcpy(p, "/"); break;
  case 2: strcpy(p, ""); break;
  case 3: strcpy(p, "../../.."); break;
  case 4: snprintf(p, 160, "/fz%d/%s", (int)below(MAXWORKERS), names[below(NNAMES)]); break;
  case 5: strcpy(p, "/README"); break;
  case 6: snprintf(p, 160, "/fzelf%d", (int)below(NELF)); break;
  case 7:  // longer than MAXPATH
    memset(p, 'q', 150);
    p[150] = 0;
    break;
  case 8:  // DIRSIZ and one more
    memset(p, 'n', DIRSIZ + below(2));
    p[DIRSIZ + 1] = 0;
    break;
  default: strcpy(p, names[below(NNAMES)]); break;
  }
  return p;
}

// A path that may be created, linked or removed: inside the fuzz dirs only.
static char *
change_path(int w)
{
  char *p = path[w];

  if (chance(15))
    snprintf(p, 160, "/fz%d/%s", (int)below(MAXWORKERS), names[below(NNAMES)]);
  else if (chance(10)) {
    int n = 1 + below(4);
    for (int i = 0; i < n; i++)
      p[i] = "abcDE/"[below(6)];
    p[n] = 0;
  } else
    strcpy(p, names[below(NNAMES)]);
  return p;
}

static int path_unusable;  // the last path_arg cannot be read as a string

// A path pointer: usually a string, sometimes hostile or unterminated (it
// runs to the end of the heap's last page without a NUL).
static uint64
path_arg(char *s)
{
  path_unusable = 0;
  if (chance(8)) {
    uint64 va = bad_ptr();
    path_unusable = va >= MAXVA || va < PGSIZE;
    return va;
  }
  if (chance(4)) {
    uint64 brk = brk_now();
    if (brk - base >= 64) {
      memset((char *)(brk - 64), 'u', PGROUNDUP(brk) - (brk - 64));
      path_unusable = 1;
      return brk - 1 - below(63);
    }
  }
  return (uint64)s;
}

// ---- descriptors ----

static void
fd_forget(int fd)
{
  if (fd < 0 || fd >= NOFILE)
    return;
  fds[fd].kind = K_NONE;
}

static void
pipe_gc(void)
{
  for (int i = 0; i < NPIPES; i++) {
    int refs = 0;
    for (int fd = 0; fd < NOFILE; fd++)
      refs += (fds[fd].kind == K_PIPER || fds[fd].kind == K_PIPEW) && fds[fd].pipe == i;
    if (refs == 0)
      pipes[i].used = 0;
  }
}

static void
fd_close(int fd)
{
  SC1(SYS_close, fd);
  fd_forget(fd);
}

// Close every end of pipe i (its count can no longer be trusted).
static void
pipe_kill(int i)
{
  for (int fd = 0; fd < NOFILE; fd++)
    if ((fds[fd].kind == K_PIPER || fds[fd].kind == K_PIPEW) && fds[fd].pipe == i)
      fd_close(fd);
  pipes[i].used = 0;
}

static int
known_fd(int kind)
{
  int start = below(NOFILE);

  for (int i = 0; i < NOFILE; i++) {
    int fd = (start + i) % NOFILE;
    if (fds[fd].kind == kind || (kind < 0 && fds[fd].kind != K_NONE))
      return fd;
  }
  return -1;
}

// Record a descriptor open() returned; a file grown too big is truncated
// through its name p (so the disk never fills).
static void
note_open(int fd, char *p)
{
  struct stat s;

  if (fstat(fd, &s) < 0) {
    fail("fstat of a fresh fd %d failed", fd, 0);
    return;
  }
  fds[fd].kind = s.type == T_DIR ? K_DIR : s.type == T_FILE ? K_FILE : K_DEV;
  if (s.type == T_FILE && s.size > BIGFILE) {
    int t = SC2(SYS_open, p, O_TRUNC | O_WRONLY);
    if (t >= 0)
      SC1(SYS_close, t);
  }
}

static void
op_open(void)
{
  static const int modes[] = {O_RDONLY,
                              O_WRONLY,
                              O_RDWR,
                              O_CREATE | O_RDWR,
                              O_CREATE | O_WRONLY,
                              O_TRUNC | O_RDWR,
                              O_CREATE | O_TRUNC | O_RDWR,
                              3,
                              0x7fffffff};
  uint64 mode = modes[below(sizeof(modes) / sizeof(modes[0]))];
  if (chance(5))
    mode = rnd();
  // only our own directories may be created in, written or truncated
  char *p = mode == O_RDONLY ? look_path(0) : change_path(0);
  uint64 pa = path_arg(p);
  int fd = SC2(SYS_open, pa, mode);

  if (fd >= NOFILE) {
    fail("open returned fd %d", fd, 0);
  } else if (fd >= 0) {
    if (path_unusable)
      fail("open of a bad or unterminated path returned %d", fd, 0);
    note_open(fd, p);
  }
}

static void
op_pipe(void)
{
  int slot = -1;
  for (int i = 0; i < NPIPES; i++)
    if (!pipes[i].used)
      slot = i;
  int *pfd = (int *)(scratch + 8 * below(8));
  uint64 where = chance(15) ? bad_ptr() : (uint64)pfd;
  int r = SC1(SYS_pipe, where);
  if (r < 0)
    return;
  if (where != (uint64)pfd) {
    // a "bad" address that was writable after all: forget the pipe
    memmove(pfd, (void *)where, 2 * sizeof(int));
    if (pfd[0] >= 0 && pfd[0] < NOFILE && pfd[1] >= 0 && pfd[1] < NOFILE) {
      SC1(SYS_close, pfd[0]);
      SC1(SYS_close, pfd[1]);
    } else {
      fail("pipe into %d wrote fds %d", (int)where, pfd[0]);
    }
    return;
  }
  if (pfd[0] < 0 || pfd[0] >= NOFILE || pfd[1] < 0 || pfd[1] >= NOFILE || pfd[0] == pfd[1]) {
    fail("pipe gave fds %d %d", pfd[0], pfd[1]);
    return;
  }
  if (slot < 0) {  // no slot to track it in: just close it again
    SC1(SYS_close, pfd[0]);
    SC1(SYS_close, pfd[1]);
    return;
  }
  pipes[slot].used = 1;
  pipes[slot].buffered = 0;
  fds[pfd[0]].kind = K_PIPER;
  fds[pfd[0]].pipe = slot;
  fds[pfd[1]].kind = K_PIPEW;
  fds[pfd[1]].pipe = slot;
}

static void
op_dup(void)
{
  int fd = chance(80) ? known_fd(-1) : rand_fd();
  int n = SC1(SYS_dup, fd);

  if (n >= NOFILE) {
    fail("dup returned fd %d", n, 0);
  } else if (n >= 0) {
    if (fd < 0 || fd >= NOFILE || fds[fd].kind == K_NONE) {
      fail("dup of unknown fd %d succeeded (%d)", fd, n);
      fd_close(n);
      return;
    }
    fds[n] = fds[fd];
  }
}

static void
op_close(void)
{
  int fd = chance(80) ? known_fd(-1) : rand_fd();
  int r = SC1(SYS_close, fd);
  int known = fd >= 0 && fd < NOFILE && fds[fd].kind != K_NONE;

  if (r == 0 && !known)
    fail("close of fd %d that is not open succeeded", fd, 0);
  if (r < 0 && known)
    fail("close of open fd %d failed", fd, 0);
  fd_forget(fd);
  pipe_gc();
}

// read() only where it cannot block: files, directories, pipes with bytes.
static void
op_read(void)
{
  int fd = known_fd(chance(40) ? K_PIPER : chance(70) ? K_FILE : K_DIR);
  uint64 dst = dst_ptr(), n = size_arg();

  if (fd < 0) {
    fd = rand_fd();
    if (fd >= 0 && fd < NOFILE && fds[fd].kind != K_NONE)
      return;  // might block (a console or an empty pipe)
    if ((int)SC3(SYS_read, fd, dst, n % 64) != -1)
      fail("read of closed fd %d did not fail", fd, 0);
    return;
  }
  if (fds[fd].kind == K_DEV)
    return;
  if (fds[fd].kind == K_PIPER) {
    int p = fds[fd].pipe;
    if (pipes[p].buffered == 0)
      return;
    if ((int)n > pipes[p].buffered || (int)n <= 0)
      n = 1 + below(pipes[p].buffered);
    int r = SC3(SYS_read, fd, dst, n);
    if (r > 0 && r <= (int)n)
      pipes[p].buffered -= r;
    else
      pipe_kill(p);  // a refused copy may or may not have consumed bytes
    return;
  }
  SC3(SYS_read, fd, dst, n);
}

static void
op_write(void)
{
  int fd = known_fd(chance(40) ? K_PIPEW : K_FILE);
  uint64 src = src_ptr(), n = size_arg();

  if (fd < 0) {
    fd = rand_fd();
    if (fd >= 0 && fd < NOFILE && fds[fd].kind != K_NONE)
      return;
    if ((int)SC3(SYS_write, fd, src, n % 64) != -1)
      fail("write to closed fd %d did not fail", fd, 0);
    return;
  }
  if (fds[fd].kind == K_DEV)
    return;
  if (fds[fd].kind == K_PIPEW) {
    int p = fds[fd].pipe, room = PIPECAP - pipes[p].buffered;
    if (room == 0)
      return;
    if ((int)n > room || (int)n < 0)
      n = 1 + below(room);
    int r = SC3(SYS_write, fd, src, n);
    if (r >= 0 && r <= (int)n)
      pipes[p].buffered += r;
    else
      pipe_kill(p);
    return;
  }
  // A file: a count that is not small must be refused whole (it straddles
  // MAXVA), or a lazily huge heap or mapping could fill the disk.
  int ni = (int)n;
  if (ni > 3 * PGSIZE + 8) {
    if (chance(50))
      src = MAXVA - 1 - below(PGSIZE);
    else
      n = 1 + below(64);
  }
  SC3(SYS_write, fd, src, n);
}

static void
op_fstat(void)
{
  int fd = chance(70) ? known_fd(-1) : rand_fd();
  uint64 dst = dst_ptr();
  int r = SC2(SYS_fstat, fd, dst);
  int open = fd >= 0 && fd < NOFILE && fds[fd].kind != K_NONE;

  if (r == 0 && !open)
    fail("fstat of closed fd %d succeeded", fd, 0);
  if (r == 0 && dst >= MAXVA)
    fail("fstat into a kernel address succeeded (fd %d)", fd, 0);
}

// ---- the name space ----

static void
op_names(void)
{
  switch (below(7)) {
  case 0: SC1(SYS_unlink, path_arg(change_path(0))); break;
  case 1: SC1(SYS_mkdir, path_arg(change_path(0))); break;
  case 2: SC2(SYS_link, path_arg(change_path(0)), path_arg(change_path(1))); break;
  case 3: SC3(SYS_mknod, path_arg(change_path(0)), 2 + below(NDEV + 4), rnd()); break;
  case 4:  // a directory removed while we stand in it
    SC1(SYS_mkdir, "Z");
    if ((int)SC1(SYS_chdir, "Z") == 0) {
      depth++;
      if ((int)SC1(SYS_unlink, "../Z") == 0) {
        int fd = SC2(SYS_open, "x", O_CREATE | O_RDWR);
        if (fd >= 0) {
          fail("create in a removed directory succeeded (fd %d)", fd, 0);
          SC1(SYS_close, fd);
        }
        if ((int)SC1(SYS_mkdir, "y") == 0)
          fail("mkdir in a removed directory succeeded", 0, 0);
      }
    }
    break;
  case 5: {  // chdir: down, up (not above our own directory), home
    int r;
    if (chance(30) || depth > 4) {
      char *home = path[0];
      snprintf(home, 160, "/fz%d", me);
      if ((int)SC1(SYS_chdir, home) != 0)
        fail("chdir home failed", 0, 0);
      depth = 0;
    } else if (depth > 0 && chance(50)) {
      if ((r = SC1(SYS_chdir, "..")) == 0)
        depth--;
    } else {
      static const char *dirs[] = {"D", "E", "D/E", ".", "a", "nosuch"};
      const char *d = dirs[below(6)];
      if ((r = SC1(SYS_chdir, chance(10) ? bad_ptr() : (uint64)d)) == 0 && strcmp(d, ".") != 0)
        depth += d[1] == '/' ? 2 : 1;
    }
    break;
  }
  default: {
    uint64 dst = dst_ptr();
    char *p = look_path(0);
    int fd = SC2(SYS_open, path_arg(p), O_RDONLY);
    if (fd >= 0 && fd < NOFILE) {
      SC2(SYS_fstat, fd, dst);
      SC1(SYS_close, fd);
    }
  }
  }
}

// ---- memory ----

static void
op_sbrk(void)
{
  uint64 brk = brk_now(), heap_start;
  struct procstat ps;
  int64 n;
  int mode = below(4) == 3 ? rnd() : below(3);

  if (procstat(0, &ps) < 0) {
    fail("procstat failed", 0, 0);
    return;
  }
  heap_start = ps.heap_start;
  switch (below(7)) {
  case 0: n = below(64 * 1024); break;
  case 1: n = below(128) * PGSIZE; break;
  case 2: n = -(int64)below(brk - base + 1); break;                    // down, not below our areas
  case 3: n = -(int64)(brk - heap_start) - 1 - below(1 << 20); break;  // must fail
  case 4: n = 0x7fffffff; break;  // lazy: fine; eager: must fail cleanly
  case 5: n = (int64)(int)rnd(); break;
  default: n = -(int64)below(3 * PGSIZE); break;
  }
  if (brk - base > DYN_MAX && n > 0)
    n = -(int64)(brk - base);  // keep the dynamic heap small
  if ((int64)brk + n < (int64)base && n >= -(int64)(brk - heap_start))
    n = -(int64)(brk - base);  // never give back the fixed areas
  if (n > 0x7fffffff || n < -0x7fffffffL - 1)
    n = 0;
  // An eager grow of most of RAM would succeed for a moment and leave the
  // other workers out of memory (killed, correctly): big grows are lazy.
  if (n > DYN_MAX)
    mode = 1;
  uint64 r = SC2(SYS_sbrk, n, mode);
  uint64 now = brk_now();
  if (r == (uint64)-1) {
    if (now != brk)
      fail("refused sbrk(%d) moved the break by %d", (int)n, (int)(now - brk));
    if (n < 0 && -n <= (int64)(brk - heap_start))
      fail("sbrk(%d) within the heap refused", (int)n, 0);
    return;
  }
  if (r != brk || now != brk + n)
    fail("sbrk(%d) returned break+%d", (int)n, (int)(r - brk));
  if (n < 0 && (uint64)(-n) >= PGSIZE) {
    freed_lo = PGROUNDUP(now);
    freed_hi = PGROUNDUP(brk);
  }
  if (n < -(int64)(brk - heap_start))
    fail("sbrk(%d) below the heap start succeeded", (int)n, 0);
}

// Touch memory we own: writes to scratch, the writable COW area, the
// first MiB of the lazy area and the dynamic heap; reads of the rest.
static void
op_touch(void)
{
  uint64 brk = brk_now();
  char *p;

  switch (below(5)) {
  case 0: p = scratch + below(SCRATCH_BYTES); break;
  case 1: p = cow_rw + below(COW_RW_PAGES * PGSIZE); break;
  case 2: p = lazy + below(LAZY_DST); break;
  case 3:
    if (brk <= base)
      return;
    p = (char *)(base + below(MINU(brk - base, DYN_MAX)));
    break;
  default: {
    volatile char c = cow_ro[below(COW_RO_PAGES * PGSIZE)] + lazy[below(LAZY_BYTES)];
    (void)c;
    return;
  }
  }
  if (chance(50))
    *p = rnd();
  else
    *(volatile char *)p;
}

// ---- mmap, munmap, mprotect, msync ----

static uint64
map_len(void)
{
  switch (below(6)) {
  case 0: return PGSIZE;
  case 1: return (1 + below(16)) * PGSIZE;
  case 2: return 1 + below(8 * PGSIZE);  // unaligned: rounded up
  case 3: return 2 << 20;
  case 4: return 1UL << 30;  // lazy: costs nothing until touched
  default: return size_arg();
  }
}

// An (addr, len) that every one of munmap/mprotect/msync must refuse.
static void
refused_range(uint64 *va, uint64 *len)
{
  switch (below(5)) {
  case 0: *va = PLAY_LO + 1 + below(PGSIZE - 1), *len = PGSIZE; break;  // unaligned
  case 1: *va = MAXVA + below(1UL << 30) * PGSIZE, *len = PGSIZE; break;
  case 2: *va = 0xffffffc080000000UL, *len = PGSIZE; break;
  case 3: *va = MAXVA - PGSIZE, *len = 2 * PGSIZE; break;  // crosses MAXVA
  default: *va = PLAY_LO, *len = (uint64)-1 - below(PGSIZE); break;
  }
}

static void
op_mmap(void)
{
  static const int flagsets[] = {MAP_PRIVATE | MAP_ANONYMOUS,
                                 MAP_SHARED | MAP_ANONYMOUS,
                                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED,
                                 MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED,
                                 MAP_PRIVATE,
                                 MAP_SHARED,
                                 MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS,
                                 MAP_ANONYMOUS,
                                 0x7fffffff};
  int flags = flagsets[below(9)];
  int prot = chance(90) ? (int)below(8) : (int)rnd();
  uint64 len = map_len(), off = chance(80) ? below(4) * PGSIZE : rnd();
  int fd = chance(50) ? known_fd(K_FILE) : rand_fd();
  uint64 addr;
  int must_fail = 0;

  // fork populates a shared anonymous mapping whole (NOTES-mmap): a big one
  // would take all memory at the next fork
  if (flags != 0x7fffffff && (flags & MAP_SHARED) && len > 64 * PGSIZE && len <= MAXVA)
    len = 64 * PGSIZE;
  if (flags != 0x7fffffff && (flags & MAP_FIXED)) {
    if (chance(80)) {
      addr = PLAY_LO + below((PLAY_HI - PLAY_LO) / PGSIZE) * PGSIZE;
      if (addr + PGROUNDUP(len) > PLAY_HI || len == 0 || len > (1UL << 31))
        len = PGSIZE;
    } else {
      refused_range(&addr, &len);
      must_fail = 1;
    }
  } else {
    addr = chance(60) ? 0 : chance(50) ? bad_ptr() : PLAY_LO + below(1 << 20) * PGSIZE;
  }
  uint64 va = sc(SYS_mmap, addr, len, prot, flags, fd, off);
  if (va == (uint64)MAP_FAILED)
    return;
  uint64 plen = PGROUNDUP(len);
  if (must_fail)
    fail("mmap MAP_FIXED at a refused address succeeded (%d)", (int)(addr >> 32), 0);
  if (va % PGSIZE || va >= MAXVA || plen > MAXVA - va)
    fail("mmap returned an impossible range", 0, 0);
  else if (va < base && va + plen > (uint64)cow_ro)
    fail("mmap returned a range over the heap", 0, 0);
  else if ((flags & MAP_FIXED) && va != addr)
    fail("MAP_FIXED mmap moved the mapping", 0, 0);
  int slot = -1;
  for (int i = 0; i < NMAPS; i++)
    if (maps[i].len == 0)
      slot = i;
  // a fixed mapping may replace part of a tracked one: stop touching it
  for (int i = 0; i < NMAPS; i++)
    if (maps[i].len && va < maps[i].va + maps[i].len && maps[i].va < va + plen)
      maps[i].known = 0;
  if (slot < 0) {
    if ((int)SC2(SYS_munmap, va, plen) != 0)
      fail("munmap of a fresh mapping failed", 0, 0);
    return;
  }
  maps[slot].va = va;
  maps[slot].len = plen;
  maps[slot].prot = prot & 7;
  maps[slot].known = (flags & MAP_ANONYMOUS) != 0;
}

// A tracked mapping, or -1.
static int
some_map(void)
{
  int start = below(NMAPS);
  for (int i = 0; i < NMAPS; i++)
    if (maps[(start + i) % NMAPS].len)
      return (start + i) % NMAPS;
  return -1;
}

// munmap, mprotect, msync or madvise: of a whole tracked mapping, part of
// one, a range of the window, or a range that must be refused.
static void
op_mrange(void)
{
  int which = below(4), i = some_map(), whole = 0, must_fail = 0;
  uint64 va, len;

  if (which == 3 && chance(30)) {  // page out our own COW area: it must come back intact
    uint64 lo = PGROUNDUP((uint64)cow_rw), hi = PGROUNDDOWN((uint64)cow_rw + COW_RW_PAGES * PGSIZE);
    if (hi > lo && (int)SC3(SYS_madvise, lo, hi - lo, MADV_PAGEOUT) < -1)
      fail("madvise of our own pages returned < -1", 0, 0);
    return;
  }
  if (i >= 0 && chance(60)) {
    whole = chance(50);
    va = maps[i].va;
    len = maps[i].len;
    if (!whole) {
      uint64 np = len / PGSIZE, first = below(np);
      va += first * PGSIZE;
      len = (1 + below(np - first)) * PGSIZE;
      whole = va == maps[i].va && len == maps[i].len;
    }
  } else if (chance(50)) {
    va = PLAY_LO + below((PLAY_HI - PLAY_LO) / PGSIZE) * PGSIZE;
    len = (1 + below(64)) * PGSIZE;
    if (va + len > PLAY_HI)
      len = PLAY_HI - va;
    i = -1;
  } else {
    refused_range(&va, &len);
    must_fail = 1;
    i = -1;
  }
  int prot = chance(90) ? (int)below(8) : (int)rnd();
  int r;
  if (which == 0)
    r = SC2(SYS_munmap, va, len);
  else if (which == 1)
    r = SC3(SYS_mprotect, va, len, prot);
  else if (which == 2)
    r = SC3(SYS_msync, va, len, chance(80) ? MS_SYNC : rnd());
  else
    r = SC3(SYS_madvise, va, len, chance(80) ? MADV_PAGEOUT : rnd());  // count or -1
  if (which == 3) {
    if (r != -1 && must_fail)
      fail("madvise of a range that must be refused returned %d", r, 0);
    return;  // paged out or not, every mapping is as it was
  }
  if (r == 0 && must_fail)
    fail("call %d on a range that must be refused succeeded", which, 0);
  // what is now mapped where the tracked mappings were
  for (int k = 0; k < NMAPS; k++) {
    if (maps[k].len == 0 || va >= maps[k].va + maps[k].len || maps[k].va >= va + len)
      continue;
    if (r != 0 && which != 0)
      continue;  // a refused mprotect/msync changed nothing
    if (which == 0 && r == 0 && k == i && whole)
      maps[k].len = 0;
    else if (which == 1 && r == 0 && k == i && whole)
      maps[k].prot = prot & 7;
    else if (which != 2)
      maps[k].known = 0;  // partly changed, or a refused munmap (may have done part)
  }
}

// Touch a tracked mapping as its protection allows.
static void
op_mtouch(void)
{
  int i = some_map();

  if (i < 0 || !maps[i].known)
    return;
  char *p = (char *)(maps[i].va + below(MINU(maps[i].len, MAP_TOUCH)));
  if ((maps[i].prot & PROT_WRITE) && chance(60))
    *p = rnd();
  else if (maps[i].prot & (PROT_READ | PROT_WRITE))
    *(volatile char *)p;
}

// ---- processes ----

static void kid_body(int kind);

static void
op_fork(void)
{
  if (in_child || nkids == MAXKIDS)
    return;
  if (nkids >= 2 && (int)SC2(SYS_vmctl, VMCTL_FORK_COPY, -1) == 1)
    return;  // copying forks: fewer children, or memory runs out
  int kind = below(C_NKINDS);
  exec_what = below(6);
  int pid = SC0(SYS_fork);
  if (pid == 0) {
    in_child = 1;
    nkids = 0;
    kid_body(kind);
    exit(0);
  }
  if (pid < 0)
    return;
  st.forks++;
  if (kind == C_EXEC) {
    st.execs++;
    st.badelf_execs += exec_what >= 3;
  }
  kids[nkids].pid = pid;
  kids[nkids].kind = kind;
  nkids++;
}

static void
forget_kid(int pid, int status)
{
  for (int i = 0; i < nkids; i++) {
    if (kids[i].pid != pid)
      continue;
    if (kids[i].kind == C_SEGV && status != -1)
      fail("a child touching bad memory exited %d, not killed (pid %d)", status, pid);
    kids[i] = kids[--nkids];
    return;
  }
  fail("wait returned pid %d, not a child", pid, 0);
}

// Kill a child, then wait for one: never blocks for long, since at least
// one child is dying.
static void
op_reap(void)
{
  if (nkids == 0) {
    uint64 where = chance(50) ? dst_ptr() : 0;
    if ((int)SC1(SYS_wait, where) != -1)
      fail("wait without children did not fail", 0, 0);
    return;
  }
  // kill one unless some child ends by itself (a child that only sleeps,
  // loops or runs an exec'd image may never end)
  int ends = 0;
  for (int i = 0; i < nkids; i++)
    ends |= kids[i].kind == C_EXIT || kids[i].kind == C_FUZZ || kids[i].kind == C_SEGV;
  if (!ends || chance(70)) {
    st.kills++;
    SC1(SYS_kill, kids[below(nkids)].pid);  // -1 if already a zombie: fine
  }
  int *status = (int *)(scratch + 8 * below(8));
  uint64 where = chance(20) ? bad_ptr() : (uint64)status;
  *status = 12345;
  int pid = SC1(SYS_wait, where);
  if (pid > 0)
    forget_kid(pid, where == (uint64)status ? *status : -1);
}

static void
op_kill_bad(void)
{
  static const int bad[] = {-1, 0, -12345, 1 << 30, 0x7fffffff};
  if ((int)SC1(SYS_kill, bad[below(5)]) != -1)
    fail("kill of a bad pid succeeded", 0, 0);
}

static void
op_exec_child(void)
{
  char *argv[MAXARG + 3];
  uint64 pathp, argvp = (uint64)argv;
  int n = below(5);

  switch (exec_what) {
  case 0: pathp = (uint64) "/true"; break;
  case 1: pathp = (uint64)look_path(0); break;
  case 2: pathp = bad_ptr(); break;
  default:
    snprintf(path[0], 160, "/fzelf%d", (int)below(NELF));
    pathp = (uint64)path[0];
    break;
  }
  argv[0] = "x";
  for (int i = 1; i <= n; i++)
    argv[i] = (char *)(chance(20) ? bad_ptr() : (uint64) "arg");
  argv[n + 1] = 0;
  switch (below(6)) {
  case 0: argvp = bad_ptr(); break;
  case 1:  // more than MAXARG
    for (int i = 0; i < MAXARG + 2; i++)
      argv[i] = "many";
    argv[MAXARG + 2] = 0;
    break;
  case 2: {  // one argument longer than a page
    uint64 brk = brk_now();
    if (brk - base > 3 * PGSIZE) {
      memset((char *)base, 'L', 2 * PGSIZE);
      ((char *)base)[2 * PGSIZE] = 0;
      argv[1] = (char *)base;
    }
    break;
  }
  case 3: {  // an argv array running into the break, no terminating 0
    uint64 brk = brk_now();
    if (brk - base >= 64) {
      uint64 *a = (uint64 *)((brk - 64) & ~7UL);
      for (int i = 0; a + i < (uint64 *)PGROUNDUP(brk); i++)
        a[i] = (uint64) "x";
      argvp = (uint64)a;
    }
    break;
  }
  }
  SC2(SYS_exec, pathp, argvp);
  exit(97);  // exec refused
}

static void op_random(void);

static void
kid_body(int kind)
{
  // a child must not disturb the parent's pipe bookkeeping
  for (int fd = 0; fd < NOFILE; fd++)
    if (fds[fd].kind == K_PIPER || fds[fd].kind == K_PIPEW)
      fd_close(fd);
  switch (kind) {
  case C_EXEC: op_exec_child(); break;
  case C_SLEEP: pause(1000); break;
  case C_LOOP:
    for (;;)
      ;
  case C_FUZZ:
    for (int i = 0; i < 40; i++)
      op_random();
    break;
  case C_SEGV: *(volatile char *)segv_ptr() = 1; break;
  default: exit(below(256));
  }
}

// ---- the rest of the system calls, and calls with random numbers ----

static void
op_misc(void)
{
  switch (below(10)) {
  case 0: SC1(SYS_vmstat, dst_ptr()); break;
  case 1: SC2(SYS_procstat, chance(50) ? 0 : rnd() % 200, dst_ptr()); break;
  case 2: SC3(SYS_procregions, chance(50) ? 0 : rnd() % 200, dst_ptr(), size_arg()); break;
  case 3: SC2(SYS_getpids, dst_ptr(), size_arg()); break;
  case 4: {
    // Every op but VMCTL_FS_CRASH, which (like poweroff) stops the
    // machine on purpose; 11 is VMCTL_SWAP (on/off), 14/15 the page-cache
    // clock (reclaim, evict: unmaps the caller's shared file pages everywhere),
    // 1000 an unknown op.
    static const int ops[] = {-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 11, 14, 15, 1000};
    static const int vals[] = {-1, -1, 0, 1, 2, -5, 0x7fffffff};
    int op = ops[below(15)], val = vals[below(7)];
    if (op == VMCTL_TRAP_SATP && val == 1 && chance(80))
      val = 0;  // satp switching is slow: mostly off
    SC2(SYS_vmctl, op, val);
    break;
  }
  case 5: SC0(SYS_nanotime); break;
  case 6: SC0(SYS_uptime); break;
  case 7: SC1(SYS_sleep, below(2)); break;
  case 8: op_kill_bad(); break;
  default: {
    // A random system-call number: above the table, negative, or one of the
    // calls that take only numbers and pointers into places we may lose.
    static const uint64 nums[] = {0, 200, 255, 999, 1000, (uint64)-1, 1UL << 40};
    static const int safe[] = {SYS_fstat,       SYS_getpid,  SYS_uptime,   SYS_vmstat, SYS_procstat,
                               SYS_procregions, SYS_getpids, SYS_nanotime, SYS_chdir};
    uint64 num = chance(3) ? nums[below(7)] : (uint64)safe[below(9)];
    uint64 ptr = dst_ptr();
    int r = sc(num, chance(50) ? ptr : rnd(), dst_ptr(), size_arg(), rnd(), rnd(), rnd());
    if (num == SYS_chdir && r == 0)
      depth = 5;  // somewhere: go home next
  }
  }
}

static void
op_random(void)
{
  switch (below(23)) {
  case 20: op_mmap(); break;
  case 21: op_mrange(); break;
  case 22: op_mtouch(); break;
  case 0:
  case 1: op_open(); break;
  case 2: op_close(); break;
  case 3:
  case 4: op_read(); break;
  case 5:
  case 6: op_write(); break;
  case 7: op_pipe(); break;
  case 8: op_dup(); break;
  case 9: op_fstat(); break;
  case 10:
  case 11: op_names(); break;
  case 12: op_sbrk(); break;
  case 13:
  case 14: op_touch(); break;
  case 15: op_fork(); break;
  case 16: op_reap(); break;
  default: op_misc(); break;
  }
}

// ---- files the workers use ----

static uchar elfimg[64 * 1024];
static int elflen;

static void
put_file(const char *name, const void *data, int n)
{
  int fd = open(name, O_CREATE | O_TRUNC | O_WRONLY);

  if (fd >= 0) {
    write(fd, data, n);
    close(fd);
  }
}

// Broken copies of a real program: truncated, bytes flipped in the
// headers or anywhere, garbage, nothing at all.
static void
make_bad_elfs(void)
{
  static uchar img[sizeof(elfimg)];

  for (int k = 0; k < NELF; k++) {
    char name[32];
    int n = elflen;
    snprintf(name, sizeof(name), "/fzelf%d", k);
    memmove(img, elfimg, elflen);
    switch (k % 4) {
    case 0: n = below(elflen); break;  // truncated
    case 1:                            // header fields
      for (int i = 0; i < 1 + (int)below(4); i++)
        img[below(64 + 56 * 4)] = rnd();
      break;
    case 2:  // anywhere
      for (int i = 0; i < 1 + (int)below(16); i++)
        img[below(elflen)] = rnd();
      break;
    default:
      n = below(512);
      for (int i = 0; i < n; i++)
        img[i] = rnd();
      if (n >= 4 && chance(50))
        memmove(img, "\177ELF", 4);
    }
    put_file(name, img, n);
  }
}

// ---- a worker ----

static void
worker(int w, uint64 seed, int iters)
{
  char home[16];

  me = w;
  rng = seed * 0x9e3779b97f4a7c15UL + w * 7919 + 1;
  for (int i = 0; i < 3; i++)  // no console: a read there would block
    close(i);
  snprintf(home, sizeof(home), "/fz%d", w);
  mkdir(home);
  if (chdir(home) < 0)
    exit(3);
  while (st.calls < (uint64)iters)
    op_random();
  // reap everything, close everything, check the data nobody may change
  for (int i = 0; i < nkids; i++)
    kill(kids[i].pid);
  int status, pid;
  while ((pid = wait(&status)) > 0)
    forget_kid(pid, status);
  if (nkids != 0)
    fail("%d children not reaped", nkids, 0);
  for (int fd = 0; fd < NOFILE; fd++)
    close(fd);
  for (int i = 0; i < COW_RO_PAGES * PGSIZE; i++)
    if ((uchar)cow_ro[i] != (uchar)(i * 13 + 7)) {
      fail("read-only COW byte %d changed in worker %d", i, w);
      break;
    }
  chdir("/");
  char res[16];
  snprintf(res, sizeof(res), "/fzres%d", w);
  put_file(res, &st, sizeof(st));
  exit(st.failures ? 1 : 0);
}

// ---- main ----

// Remove path and everything below it.
static void
rm_tree(char *p, int len)
{
  struct stat s;
  struct dirent de;
  int fd;

  if (stat(p, &s) < 0)
    return;
  if (s.type == T_DIR && (fd = open(p, O_RDONLY)) >= 0) {
    while (read(fd, &de, sizeof(de)) == sizeof(de)) {
      if (de.inum == 0 || strcmp(de.name, ".") == 0 || strcmp(de.name, "..") == 0)
        continue;
      if (len + DIRSIZ + 2 > 150)
        break;
      p[len] = '/';
      memmove(p + len + 1, de.name, DIRSIZ);
      p[len + 1 + DIRSIZ] = 0;
      rm_tree(p, strlen(p));
      p[len] = 0;
    }
    close(fd);
  }
  unlink(p);
}

static void
cleanup(void)
{
  static char p[160];

  for (int i = 0; i < NNAMES; i++) {  // in case a worker's cwd got above its home
    snprintf(p, sizeof(p), "/%s", names[i]);
    if (strchr(names[i], '/') == 0)
      rm_tree(p, strlen(p));
  }
  for (int w = 0; w < MAXWORKERS; w++) {
    snprintf(p, sizeof(p), "/fz%d", w);
    rm_tree(p, strlen(p));
    snprintf(p, sizeof(p), "/fzres%d", w);
    unlink(p);
  }
  for (int k = 0; k < NELF; k++) {
    snprintf(p, sizeof(p), "/fzelf%d", k);
    unlink(p);
  }
}

static char fsbuf[3 * PGSIZE];

static int
fs_works(void)
{
  char *buf = fsbuf;
  int fd, ok = 1;

  for (int i = 0; i < (int)sizeof(fsbuf); i++)
    buf[i] = i * 31 + 5;
  fd = open("/fzcheck", O_CREATE | O_TRUNC | O_RDWR);
  if (fd < 0 || write(fd, buf, sizeof(fsbuf)) != sizeof(fsbuf))
    ok = 0;
  close(fd);
  memset(buf, 0, sizeof(fsbuf));
  fd = open("/fzcheck", O_RDONLY);
  if (fd < 0 || read(fd, buf, sizeof(fsbuf)) != sizeof(fsbuf))
    ok = 0;
  close(fd);
  for (int i = 0; i < (int)sizeof(fsbuf); i++)
    if (buf[i] != (char)(i * 31 + 5))
      ok = 0;
  if (unlink("/fzcheck") < 0 || open("/fzcheck", O_RDONLY) >= 0)
    ok = 0;
  if (mkdir("/fzcheckd") < 0 || unlink("/fzcheckd") < 0)
    ok = 0;
  return ok;
}

// Children of a worker that died (killed for OOM) went to init; the ones
// that sleep or loop would stay forever. Kill them and wait until init has
// reaped them. Returns how many there were.
static int
kill_orphans(void)
{
  static int pids[NPROC];
  int total = 0;

  for (int round = 0; round < 200; round++) {
    int n = getpids(pids, NPROC), found = 0;
    for (int i = 0; i < n; i++) {
      struct procstat ps;
      if (pids[i] == getpid() || procstat(pids[i], &ps) < 0)
        continue;
      if (ps.ppid == 1 && strcmp(ps.name, "fuzz") == 0) {
        found++;
        if (ps.state != PS_ZOMBIE)
          kill(pids[i]);
      }
    }
    if (round == 0)
      total = found;
    if (found == 0)
      return total;
    pause(1);
  }
  printf("fuzz: orphans did not go away\n");
  return total;
}

// Memory counts to compare across the run. Under memory pressure the
// reclaimer's clock pages out and unmaps every process's pages (ours,
// init's, the shell's): every page on swap is read back first; cached
// file pages count as free when the clock unmapped some (which of them it
// took so that the drop could free them is not a leak).
static void
settled(struct vmstat *v)
{
  vmctl(VMCTL_SETTLE, 1);
  vmctl(VMCTL_CACHE_DROP, 1);
  vmstat(v);
}

int
main(int argc, char *argv[])
{
  uint64 seed = 1;
  int iters = 2000, nworkers = 4, failed = 0, verbose = 0;
  static const int switches[] = {VMCTL_SBRK_EAGER, VMCTL_FORK_COPY, VMCTL_TRAP_SATP, VMCTL_PREZERO};
  int saved[4];
  struct vmstat v0, v1;

  for (int i = 1; i + 1 < argc; i += 2) {
    if (strcmp(argv[i], "-s") == 0)
      seed = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "-n") == 0)
      iters = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "-w") == 0)
      nworkers = atoi(argv[i + 1]);
    else if (strcmp(argv[i], "-v") == 0)
      verbose = atoi(argv[i + 1]);
  }
  if (nworkers < 1 || nworkers > MAXWORKERS || iters < 0) {
    fprintf(2, "usage: fuzz [-s seed] [-n calls-per-worker] [-w workers (1..%d)]\n", MAXWORKERS);
    return 2;
  }
  for (int i = 0; i < 4; i++)
    saved[i] = vmctl(switches[i], -1);
  int fd = open("/true", O_RDONLY);
  elflen = fd >= 0 ? read(fd, elfimg, sizeof(elfimg)) : 0;
  close(fd);
  if (elflen < 64) {
    fprintf(2, "fuzz: cannot read /true\n");
    return 1;
  }
  cleanup();
  rng = seed * 0x9e3779b97f4a7c15UL + 12345;
  make_bad_elfs();
  memset(fsbuf, 0, sizeof(fsbuf));  // our own pages are in place before the count

  // the fixed heap areas, then the first count
  char *b = sbrk(0);
  sbrk(PGROUNDUP((uint64)b) - (uint64)b);
  cow_ro = sbrk(COW_RO_PAGES * PGSIZE);
  scratch = sbrk(SCRATCH_BYTES);
  cow_rw = sbrk(COW_RW_PAGES * PGSIZE);
  lazy = sbrklazy(LAZY_BYTES);
  if (lazy == SBRK_ERROR || cow_ro == SBRK_ERROR) {
    fprintf(2, "fuzz: sbrk failed\n");
    return 1;
  }
  base = (uint64)sbrk(0);
  for (int i = 0; i < COW_RO_PAGES * PGSIZE; i++)
    cow_ro[i] = i * 13 + 7;
  memset(scratch, 0, SCRATCH_BYTES);
  for (int i = 0; i < COW_RW_PAGES * PGSIZE; i++)
    cow_rw[i] = i * 5 + 1;
  prefault_image(8);
  if (fork() == 0)  // settle the parent's own pages before counting
    exit(0);
  wait(0);
  settled(&v0);

  printf("fuzz: seed %d, %d workers x %d system calls\n", (int)seed, nworkers, iters);
  uint64 t0 = nsec();
  for (int w = 0; w < nworkers; w++) {
    int pid = fork();
    if (pid == 0)
      worker(w, seed, iters);
    if (pid < 0) {
      printf("FAIL fuzz: fork of worker %d failed\n", w);
      failed = 1;
    }
  }
  int status, pid, nreaped = 0, ndied = 0, watcher = -1;
  if (verbose &&
      (watcher = fork()) == 0) {  // a watcher: memory every 2 s until the workers are gone
    struct vmstat vw;
    for (;;) {
      pause(20);
      vmstat(&vw);
      if (vw.nproc <= v0.nproc + 1)
        exit(0);
      printf("fuzz: free %d cache %d pt %d nproc %d oom %d\n", (int)vw.frames_free,
             (int)vw.cache_pages, (int)vw.pt_pages, (int)vw.nproc, (int)vw.kills[KR_OOM]);
    }
  }
  while (nreaped < nworkers && (pid = wait(&status)) > 0) {
    if (pid == watcher)
      continue;
    nreaped++;
    if (status == -1) {
      ndied++;  // killed: only out of memory is an acceptable reason (below)
    } else if (status != 0) {
      printf("fuzz: worker pid %d exited %d\n", pid, status);
      failed = 1;
    }
  }
  if (watcher > 0) {
    kill(watcher);
    while (wait(0) > 0)
      ;
  }
  int orphans = kill_orphans();
  uint64 ms = (nsec() - t0) / 1000000;
  for (int i = 0; i < 4; i++)
    vmctl(switches[i], saved[i]);

  struct stats total, w;
  memset(&total, 0, sizeof(total));
  struct vmstat vk;
  vmstat(&vk);
  int ooms = vk.kills[KR_OOM] - v0.kills[KR_OOM];
  if (ndied > ooms) {
    printf("fuzz: %d workers killed, only %d processes killed for OOM\n", ndied, ooms);
    failed = 1;
  }
  for (int i = 0; i < nworkers; i++) {
    char res[16];
    snprintf(res, sizeof(res), "/fzres%d", i);
    int rfd = open(res, O_RDONLY);
    if (rfd < 0 || read(rfd, &w, sizeof(w)) != sizeof(w)) {
      printf("fuzz: worker %d left no result%s\n", i, ndied ? " (killed)" : "");
      failed |= ndied == 0;
      close(rfd);
      continue;
    }
    close(rfd);
    total.calls += w.calls;
    total.forks += w.forks;
    total.execs += w.execs;
    total.kills += w.kills;
    total.badelf_execs += w.badelf_execs;
    total.failures += w.failures;
    for (int k = 0; k < 3 && k < (int)w.failures; k++)
      printf("fuzz: worker %d: %s\n", i, w.why[k]);
  }
  if (total.failures)
    failed = 1;

  // nothing of ours may have changed, and everything must be back
  for (int i = 0; i < COW_RO_PAGES * PGSIZE; i++)
    if (cow_ro[i] != (char)(i * 13 + 7)) {
      printf("fuzz: parent's read-only area changed at byte %d\n", i);
      failed = 1;
      break;
    }
  for (int i = 0; i < COW_RW_PAGES * PGSIZE; i++)
    if (cow_rw[i] != (char)(i * 5 + 1)) {
      printf("fuzz: a worker's write reached the parent's page at byte %d\n", i);
      failed = 1;
      break;
    }
  cleanup();
  int fsok = fs_works();
  settled(&v1);
  long lost = (long)v0.frames_free - (long)v1.frames_free;
  if (v1.reclaim_file != v0.reclaim_file)
    lost += (long)(v0.cache_pages + v0.cache_index) - (long)(v1.cache_pages + v1.cache_index);
  long ptlost = (long)v1.pt_pages - (long)v0.pt_pages;
  long slotslost = (long)v1.swap_used - (long)v0.swap_used;
  printf("fuzz: %d system calls in %d ms (%d forks, %d execs of which %d broken ELFs, %d kills)\n",
         (int)total.calls, (int)ms, (int)total.forks, (int)total.execs, (int)total.badelf_execs,
         (int)total.kills);
  if (ndied)
    printf("fuzz: %d workers killed for lack of memory (%d OOM kills in all, %d orphans)\n", ndied,
           ooms, orphans);
  printf("fuzz: workers reaped %d/%d; frames lost %d; page-table pages lost %d; swap slots lost "
         "%d; processes %d -> %d; file system %s; failed checks %d\n",
         nreaped, nworkers, (int)lost, (int)ptlost, (int)slotslost, (int)v0.nproc, (int)v1.nproc,
         fsok ? "works" : "BROKEN", (int)total.failures);
  if (lost || ptlost || slotslost || !fsok || nreaped != nworkers || v1.nproc != v0.nproc)
    failed = 1;
  printf("%s fuzz_seed_%d\n", failed ? "FAIL" : "PASS", (int)seed);
  printf("%d passed, %d failed\n", !failed, failed);
  return failed;
}
