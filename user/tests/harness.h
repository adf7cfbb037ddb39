// The usertests harness: how a test registers itself, how it fails, and
// small helpers every feature file shares (child status, frame counts).
// Tests run one per forked child; a test passes by returning. Each test
// file includes only "user.h" and this header.
#ifndef USERTESTS_HARNESS_H
#define USERTESTS_HARNESS_H

#include "user.h"

// One registered test. The TEST macro places a descriptor in the linker
// section "utests"; GNU ld defines __start_utests/__stop_utests around it,
// so no central list exists and link order gives run order.
struct utest {
  const char *name;
  void (*fn)(void);
  const char *file;  // run order: files in link order, tests by line
  int line;
};

#define TEST(nm)                                                                                   \
  static void nm(void);                                                                            \
  static const struct utest utest_desc_##nm                                                        \
      __attribute__((used, section("utests"), aligned(8))) = {#nm, nm, __FILE__, __LINE__};        \
  static void nm(void)

// Fail the running test: print why and exit 1. In the test's own process
// this prints "FAIL name: why"; in a process the test forked it prints a
// note instead and the test sees exit status 1 from that child.
void test_fail(int line, const char *why) __attribute__((noreturn));

// Fail unless cond holds; the message is printf-formatted.
#define CHECK(cond, ...)                                                                           \
  do {                                                                                             \
    if (!(cond)) {                                                                                 \
      char why_[200];                                                                              \
      snprintf(why_, sizeof(why_), __VA_ARGS__);                                                   \
      test_fail(__LINE__, why_);                                                                   \
    }                                                                                              \
  } while (0)

#define FAILF(...) CHECK(0, __VA_ARGS__)

// Name of the test now running (for messages and unique file names).
extern const char *test_name;

// fork(), failing the test if fork fails.
int xfork(void);

// wait() for one child; fails the test if there is none. Returns its
// exit status; *pidp (if non-null) receives its pid.
int xwait(int *pidp);

// Fork a child that runs fn(arg) and exits 0 when it returns; wait for
// it and return its exit status (-1 when it was killed).
int child_status(void (*fn)(void *), void *arg);

// Free frames now (vmstat().frames_free).
uint64 frames_free(void);

// The whole vmstat / this process's procstat, failing the test on error.
void xvmstat(struct vmstat *vs);
void xprocstat(struct procstat *ps);

// Fill/verify helpers for page-granular patterns: every 8-byte word of
// [p, p + npages pages) holds a value derived from its address and the
// seed, so a check looks at every byte. p must be 8-byte aligned.
void pages_fill(char *p, int npages, uint64 seed);
int pages_check(char *p, int npages, uint64 seed);  // pages with a wrong byte
int pages_nonzero(char *p, int npages);             // pages with a nonzero byte

// Every byte of [p, p+n): byte i of the range holds a value derived from
// i and seed (not periodic in the page size). bytes_check returns the
// offset of the first byte that differs, or -1.
void bytes_fill(char *p, uint64 n, int seed);
long bytes_check(const char *p, uint64 n, int seed);

// Run a program with argv, stdin from /dev-less nothing and stdout/stderr
// into the file out; returns its exit status.
int run_to_file(const char *path, char **argv, const char *out);

// Create path (replacing it) with npages pages, the byte at file offset
// off being pat(off, seed), written a page per write(); returns an fd open
// O_RDWR (CHECKs that it all worked).
int pattern_file(const char *path, int npages, int seed, char (*pat)(int off, int seed));

// Pages mapped now in this process's region holding va (procregions), or -1
// if no region holds it.
int resident_at(void *va);
// Wait for a hog child (released by a byte on hold_fd) and a small one, in
// whichever order they end: the small one ending first (killed?) releases
// the hog. Their exit statuses in *shog, *ssmall; -1 if another child came.
int wait_hog_small(int hog, int small, int hold_fd, int *shog, int *ssmall);

// Read up to max-1 bytes of file path into buf, NUL-terminated; returns
// the byte count, or -1 if it cannot be opened.
int read_file(const char *path, char *buf, int max);

// Write the NUL-terminated string s as the whole content of file path.
void write_file(const char *path, const char *s);

// 1 if needle occurs in hay.
int contains(const char *hay, const char *needle);

#endif
