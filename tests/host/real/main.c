// Runner of the host tests that link the real Sv39 pmap.c: every test in
// RTESTS order with a leak check afterwards (free frames, live page tables,
// exact counts), PASS/FAIL lines and one "N passed, N failed" summary.
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include "types.h"
#include "vm/vm.h"
#include "lib/klib.h"
#include "harness.h"
#include "rpmap.h"
#include "rtests.h"

#define ARENA_PAGES 4096  // 16 MiB of fake RAM

#define DECLARE(name) void test_##name(void);
RTESTS(DECLARE)
#define ENTRY(name) {#name, test_##name},
static const struct {
  const char *name;
  void (*fn)(void);
} tests[] = {RTESTS(ENTRY)};

void stubs_reset(void);

static jmp_buf unwind;
static char reason[1024];

void
t_fail(const char *file, int line, const char *fmt, ...)
{
  const char *base = strrchr(file, '/');
  int n = snprintf(reason, sizeof(reason), "%s:%d: ", base ? base + 1 : file, line);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(reason + n, sizeof(reason) - n, fmt, ap);
  va_end(ap);
  longjmp(unwind, 1);
}

void
t_panic(const char *msg)
{
  snprintf(reason, sizeof(reason), "%s", msg);
  longjmp(unwind, 1);
}

int
main(int argc, char **argv)
{
  arena_init(ARENA_PAGES);
  pmap_kernel_init();  // the kernel half every root copies
  int passed = 0, failed = 0;
  for (uint i = 0; i < NELEM(tests); i++) {
    if (argc > 1 && strstr(tests[i].name, argv[1]) == 0)
      continue;
    // Baselines: a failed test leaves its mess; later ones compare
    // against the state they found.
    volatile uint64 free0 = frames_free(), lost0 = unaccounted(), pt0 = pmap_user_ptpages();
    volatile int live0 = rp_nlive();
    audit_baseline();
    if (setjmp(unwind) == 0) {
      tests[i].fn();
      CHECKF(frames_free() == free0, "leak: %ld frames not returned",
             (long)(free0 - frames_free()));
      CHECKF(rp_nlive() == live0, "leak: %d page tables left", rp_nlive() - live0);
      CHECKF(pmap_user_ptpages() == pt0, "leak: %ld table pages", (long)(pmap_user_ptpages() - pt0));
      CHECKF(unaccounted() == lost0, "leak: %ld frames held by nobody",
             (long)(unaccounted() - lost0));
      check_frames();
      printf("PASS %s\n", tests[i].name);
      passed++;
    } else {
      printf("FAIL %s: %s\n", tests[i].name, reason);
      failed++;
      stubs_reset();
      pool_release();
    }
    fflush(stdout);
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed != 0;
}
