// What objtest and filetest share: unwinding out of a failed test (t_fail,
// t_panic, used by CHECK and by the kernel's panic/assert), the checks, and
// the kernel services frame.c needs that mean nothing without page tables.
// Each binary keeps its own fake file system and its own per-test leak check.
#ifndef OBJRUN_H
#define OBJRUN_H

#include "types.h"
#include "unwind.h"

void stubs_reset(void);  // common/stubs.c: forget a failed test's held locks

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
