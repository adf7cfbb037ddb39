// Host stand-in for kernel/lib/klib.h: the kernel's string helpers map to
// libc, while panic and assert reach the test harness (which reports the
// failure and moves on to the next test). Placed before -Ikernel.
#ifndef KLIB_H
#define KLIB_H

#include <stdio.h>
#include <string.h>
#include "types.h"

void panic(const char *msg) __attribute__((noreturn));
void panic_assert(const char *file, int line, const char *cond) __attribute__((noreturn));

#define assert(cond)                                                                               \
  do {                                                                                             \
    if (!(cond))                                                                                   \
      panic_assert(__FILE__, __LINE__, #cond);                                                     \
  } while (0)

char *safestrcpy(char *dst, const char *src, int n);

#define NELEM(x) (sizeof(x) / sizeof((x)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))

#endif
