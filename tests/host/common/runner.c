// The one test runner of both host binaries: runs each test of the
// binary's suite_tests in order (or those whose name contains argv[1]),
// each followed by a leak check (free frames, live page tables, table
// pages, frames held by nobody, swap slots, exact counts), prints PASS/FAIL lines and
// one "N passed, N failed" summary; exits non-zero if any failed.
#include <setjmp.h>
#include <stdarg.h>
#include <stdlib.h>
#include "types.h"
#include "vm/vm.h"
#include "lib/klib.h"
#include "harness.h"
#include "unwind.h"

int
main(int argc, char **argv)
{
  arena_init(suite_arena_pages);
  pmap_kernel_init();  // the kernel half every root copies (nothing, in the fake)
  int passed = 0, failed = 0;
  for (uint i = 0; i < suite_ntests; i++) {
    const struct test *t = &suite_tests[i];
    if (argc > 1 && strstr(t->name, argv[1]) == 0)
      continue;
    // Baselines: a failed test leaves its mess; later ones compare
    // against the state they found.
    volatile uint64 free0 = frames_free(), lost0 = unaccounted(), pt0 = pmap_user_ptpages();
    volatile int live0 = census_live();
    volatile uint32 slots0 = swap_used();
    audit_baseline();
    if (setjmp(unwind) == 0) {
      t->fn();
      CHECKF(frames_free() == free0, "leak: %ld frames not returned",
             (long)(free0 - frames_free()));
      CHECKF(census_live() == live0, "leak: %d page tables left", census_live() - live0);
      CHECKF(pmap_user_ptpages() == pt0, "leak: %ld table pages",
             (long)(pmap_user_ptpages() - pt0));
      CHECKF(unaccounted() == lost0, "leak: %ld frames held by nobody",
             (long)(unaccounted() - lost0));
      CHECKF(swap_used() == slots0, "leak: %d swap slots not returned",
             (int)(swap_used() - slots0));
      check_frames();
      CHECKF(fakeobj_live() == 0, "leak: %d objects still referenced", fakeobj_live());
      printf("PASS %s\n", t->name);
      passed++;
    } else {
      printf("FAIL %s: %s\n", t->name, reason);
      failed++;
      stubs_reset();
      pool_release();
    }
    fflush(stdout);
  }
  printf("%d passed, %d failed\n", passed, failed);
  return failed != 0;
}
