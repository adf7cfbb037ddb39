// What objtest and filetest share: unwinding out of a failed test (t_fail,
// t_panic, used by CHECK and by the kernel's panic/assert), the checks, and
// the kernel services frame.c needs that mean nothing without page tables.
// Each binary keeps its own fake file system and its own per-test leak check.
#ifndef OBJRUN_H
#define OBJRUN_H

#include <setjmp.h>
#include "types.h"

extern jmp_buf unwind;     // a failed check longjmps here
extern char reason[1024];  // why the test failed
void stubs_reset(void);    // common/stubs.c: forget a failed test's held locks
void t_fail(const char *file, int line, const char *fmt, ...);
void t_panic(const char *msg);

#define CHECK(cond)                                                                                \
  do {                                                                                             \
    if (!(cond))                                                                                   \
      t_fail(__FILE__, __LINE__, "%s", #cond);                                                     \
  } while (0)
#define CHECK_EQ(a, b)                                                                             \
  do {                                                                                             \
    int64 a_ = (int64)(a), b_ = (int64)(b);                                                        \
    if (a_ != b_)                                                                                  \
      t_fail(__FILE__, __LINE__, "%s is %ld, expected %ld (%s)", #a, (long)a_, (long)b_, #b);      \
  } while (0)

#endif
